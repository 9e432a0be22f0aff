"""Small models that put a component where Keras uses it, shared by several checks."""

import keras
import numpy as np

INPUT_FEATURES = 4
HIDDEN_UNITS = 3


def example_data(seed=0, rows=32, features=INPUT_FEATURES):
    """Return `(x, y)` float32 arrays with targets of shape `(rows, 1)`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype("float32")
    y = (x[:, :1] * 0.5 + rng.normal(scale=0.1, size=(rows, 1))).astype("float32")
    return x, y


def build_model(kind, component, seed=0, learning_rate=0.01, layer_input_shape=(INPUT_FEATURES,)):
    """Build and compile a model that uses `component` as a `kind`.

    A loss is the model's loss and a metric its only metric; an activation,
    regularizer, constraint or initializer sits in a hidden `Dense` layer; a
    layer follows the input and feeds a `Dense(1)` head.
    """
    keras.utils.set_random_seed(seed)
    dense_arguments = {}
    if kind == "activation":
        dense_arguments["activation"] = component
    elif kind == "regularizer":
        dense_arguments["kernel_regularizer"] = component
    elif kind == "constraint":
        dense_arguments["kernel_constraint"] = component
    elif kind == "initializer":
        dense_arguments["kernel_initializer"] = component

    inputs = keras.Input(layer_input_shape if kind == "layer" else (INPUT_FEATURES,))
    if kind == "layer":
        hidden = component(inputs)
        hidden = keras.layers.Flatten()(hidden) if len(hidden.shape) > 2 else hidden
    else:
        hidden = keras.layers.Dense(HIDDEN_UNITS, name="checked", **dense_arguments)(inputs)
    outputs = keras.layers.Dense(1, name="head")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
        loss=component if kind == "loss" else keras.losses.MeanSquaredError(),
        metrics=[component] if kind == "metric" else [],
    )
    return model
