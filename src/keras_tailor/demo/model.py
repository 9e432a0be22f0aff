"""The housing regressor: an MLP that uses every keras-tailor component."""

import keras

import keras_tailor as kt

# Hyperparameters chosen away from their defaults, so the reload check can see a
# lost one. The Huber threshold is in the target's unit, $100,000.
HUBER_THRESHOLD = 0.5
L1_FACTOR = 1e-5
CLIP_BOUND = 2.0
SNAKE_FREQUENCY = 0.5
SNAKE_INITIAL_FREQUENCY = 1.5
ORTHOGONAL_GAIN = 1.2


def build_model(train_features, seed, learning_rate=3e-3):
    """Build and compile the model; its `Normalization` layer adapts to `train_features`.

    The model takes raw features (`housing.FEATURE_NAMES`, after imputation and
    one-hot encoding) and normalizes them itself, so the saved file is all a
    user needs to predict.
    """
    normalization = keras.layers.Normalization(name="normalization")
    normalization.adapt(train_features)

    inputs = keras.Input((train_features.shape[1],), name="features")
    hidden = normalization(inputs)
    hidden = keras.layers.Dense(
        64,
        kernel_initializer=kt.initializers.DeltaOrthogonal(gain=ORTHOGONAL_GAIN, seed=seed),
        kernel_regularizer=kt.regularizers.L1(factor=L1_FACTOR),
        kernel_constraint=kt.constraints.Clip(min_value=-CLIP_BOUND, max_value=CLIP_BOUND),
        name="dense_1",
    )(hidden)
    hidden = kt.layers.Snake(initial_frequency=SNAKE_INITIAL_FREQUENCY, name="snake")(hidden)
    hidden = keras.layers.Dense(
        32,
        activation=kt.activations.SnakeActivation(frequency=SNAKE_FREQUENCY),
        kernel_initializer=kt.initializers.DeltaOrthogonal(gain=ORTHOGONAL_GAIN, seed=seed + 1),
        name="dense_2",
    )(hidden)
    outputs = keras.layers.Dense(1, name="median_house_value")(hidden)

    model = keras.Model(inputs, outputs, name="housing_regressor")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=kt.losses.Huber(threshold=HUBER_THRESHOLD),
        metrics=[
            kt.metrics.HuberMetric(threshold=HUBER_THRESHOLD, name="huber"),
            keras.metrics.MeanAbsoluteError(name="mae"),
        ],
    )
    return model


def expected_hyperparameters(seed):
    """Return the hyperparameters `build_model(..., seed)` sets, keyed by component label.

    This is the reference the reloaded model is checked against. A check against
    the saved config alone would miss an argument that `get_config` never wrote.
    """
    return {
        "loss": {"threshold": HUBER_THRESHOLD},
        "metric huber": {"threshold": HUBER_THRESHOLD},
        "dense_1.kernel_initializer": {"gain": ORTHOGONAL_GAIN, "seed": seed},
        "dense_1.kernel_regularizer": {"factor": L1_FACTOR},
        "dense_1.kernel_constraint": {"min_value": -CLIP_BOUND, "max_value": CLIP_BOUND},
        "snake": {"initial_frequency": SNAKE_INITIAL_FREQUENCY},
        "dense_2.activation": {"frequency": SNAKE_FREQUENCY},
        "dense_2.kernel_initializer": {"gain": ORTHOGONAL_GAIN, "seed": seed + 1},
    }


def read_hyperparameters(model):
    """Read the hyperparameters of `model`'s keras-tailor objects from their attributes.

    Layers' objects are read as the model stores them. The loss is read from
    `model.loss`, and the metric is rebuilt from the compile config, as Keras
    does when a loaded model is first evaluated.
    """
    names = expected_hyperparameters(seed=0)
    metric = keras.saving.deserialize_keras_object(model.get_compile_config()["metrics"][0])
    objects = {
        "loss": model.loss,
        "metric huber": metric,
        "dense_1.kernel_initializer": model.get_layer("dense_1").kernel_initializer,
        "dense_1.kernel_regularizer": model.get_layer("dense_1").kernel_regularizer,
        "dense_1.kernel_constraint": model.get_layer("dense_1").kernel_constraint,
        "snake": model.get_layer("snake"),
        "dense_2.activation": model.get_layer("dense_2").activation,
        "dense_2.kernel_initializer": model.get_layer("dense_2").kernel_initializer,
    }
    return {
        label: {name: getattr(objects[label], name, None) for name in names[label]}
        for label in names
    }
