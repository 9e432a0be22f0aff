"""Small models that put a component where Keras uses it, shared by several checks."""

import inspect

import keras
import numpy as np

INPUT_FEATURES = 4
HIDDEN_UNITS = 3
# The streaming check sets sample weights 2 and 7 to 0, so example inputs need 8 rows.
MIN_EXAMPLE_ROWS = 8


def example_data(seed=0, rows=32, features=INPUT_FEATURES):
    """Return `(x, y)` float32 arrays with targets of shape `(rows, 1)`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype("float32")
    y = (x[:, :1] * 0.5 + rng.normal(scale=0.1, size=(rows, 1))).astype("float32")
    return x, y


def takes_values(cls):
    """Return True for a metric class whose `update_state(values, sample_weight=None)` reads one array of values."""
    if not isinstance(cls, type) or not issubclass(cls, keras.metrics.Metric):
        return False
    try:
        parameters = list(inspect.signature(cls.update_state).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return bool(positional) and positional[0].name != "y_true" and len(positional) <= 2 and "y_pred" not in [p.name for p in positional]


def component_examples(subject):
    """Return the `(y_true, y_pred)` arrays of a loss's or metric's `example_inputs()`, or None if it has none.

    Some losses and metrics do not read `(N, 1)` regression targets, such as
    a metric of class labels and probabilities or a loss of a mean and a
    variance column. Such a component defines the static method
    `example_inputs()`, and the checks feed it these rows instead. The rows should include the edge
    cases of the component's domain, because the numerics check of a loss uses
    them in place of its generic edge values.

    Raises:
        ValueError: `y_pred` is not 2-D, the two arrays differ in length, or
            they have fewer than `MIN_EXAMPLE_ROWS` rows.
    """
    source = subject.function if subject.is_function else subject.cls
    examples = getattr(source, "example_inputs", None) if subject.kind in ("loss", "metric") else None
    if not callable(examples):
        return None
    y_true, y_pred = (np.asarray(array) for array in examples())
    if y_pred.ndim != 2 or y_true.ndim not in (1, 2) or len(y_true) != len(y_pred) or len(y_true) < MIN_EXAMPLE_ROWS:
        raise ValueError(
            f"{source.__qualname__}.example_inputs() must return (y_true, y_pred) with a 2-D y_pred and "
            f"at least {MIN_EXAMPLE_ROWS} rows in both, but returned shapes {y_true.shape} and {y_pred.shape}."
        )
    return y_true, y_pred


def layer_examples(subject):
    """Return the list of input arrays of a layer's `example_inputs()`, or None if it defines none.

    A layer that takes several inputs, such as `[y_true, y_pred]`, defines the
    static method `example_inputs()` returning one array per input, and the
    checks then build their models with one `keras.Input` per array.

    Raises:
        ValueError: the arrays are not a non-empty list of arrays of rank 2 or
            more with the same number of rows, at least `MIN_EXAMPLE_ROWS`.
    """
    examples = getattr(subject.cls, "example_inputs", None) if subject.kind == "layer" else None
    if not callable(examples):
        return None
    arrays = [np.asarray(array, dtype="float32") for array in examples()]
    shapes = [array.shape for array in arrays]
    if not arrays or any(len(shape) < 2 or shape[0] != shapes[0][0] or shape[0] < MIN_EXAMPLE_ROWS for shape in shapes):
        raise ValueError(
            f"{subject.cls.__qualname__}.example_inputs() must return a list of arrays of rank 2 or more with "
            f"the same number of rows, at least {MIN_EXAMPLE_ROWS}, but returned shapes {shapes}."
        )
    return arrays


def training_data(examples, seed=0, rows=32, layer_inputs=None):
    """Return `(x, y)`: `example_data(seed, rows)`, or random features with the example labels as targets.

    With `layer_inputs`, a layer's example arrays, `x` is that list and `y`
    one column of random targets.
    """
    if layer_inputs is not None:
        rng = np.random.default_rng(seed)
        return list(layer_inputs), rng.normal(size=(len(layer_inputs[0]), 1)).astype("float32")
    if examples is None:
        return example_data(seed=seed, rows=rows)
    y_true = examples[0]
    x = np.random.default_rng(seed).normal(size=(len(y_true), INPUT_FEATURES)).astype("float32")
    return x, y_true


def _positive_trailing_columns(y_pred):
    """Return how many last columns of `y_pred` hold only values >= 0, such as predicted variances."""
    count = 0
    for column in range(y_pred.shape[1] - 1, -1, -1):
        if not np.all(y_pred[:, column] >= 0):
            break
        count += 1
    return count


def _head(hidden, units, activation):
    """Return the head's output: one `Dense`, or a linear part and a softplus part for positive last columns."""
    if isinstance(activation, tuple):
        positive = activation[1]
        free = keras.layers.Dense(units - positive, name="head")(hidden)
        spread = keras.layers.Dense(positive, activation="softplus", name="head_positive")(hidden)
        return keras.layers.Concatenate(name="head_columns")([free, spread])
    return keras.layers.Dense(units, activation=activation, name="head")(hidden)


def head_for(examples):
    """Return `(units, activation, loss)` of a model head whose outputs have the form of the example `y_pred`.

    Rows of probabilities that sum to 1 get a softmax head, other values in
    [0, 1] a sigmoid head, and anything else a linear one. The loss fits the
    labels: sparse or dense categorical cross-entropy for a softmax head,
    binary cross-entropy for a sigmoid head. Positive values beyond 1, such
    as predicted means of counts, get a softplus head trained with mean
    squared error. When `y_pred` has more columns than `y_true` and only the
    last of them are non-negative, such as the variances after the means, the
    head is linear for the others and
    softplus for those, given as the activation `("softplus_tail", count)`.
    A linear head uses sparse
    categorical cross-entropy on logits when the labels are class ids (one
    integer column), and otherwise mean squared error, which broadcasts one
    target column over several outputs such as predicted quantiles. Without examples the head is `Dense(1)`
    trained with mean squared error.
    """
    if examples is None:
        return 1, None, keras.losses.MeanSquaredError()
    y_true, y_pred = examples
    units = y_pred.shape[1]
    labels_are_ids = units > 1 and (y_true.ndim == 1 or y_true.shape[1] == 1) and np.issubdtype(y_true.dtype, np.integer)
    in_unit_interval = bool(np.all((y_pred >= 0) & (y_pred <= 1)))
    if in_unit_interval and units > 1 and np.allclose(y_pred.sum(axis=1), 1.0, atol=1e-3):
        loss = keras.losses.SparseCategoricalCrossentropy() if labels_are_ids else keras.losses.CategoricalCrossentropy()
        return units, "softmax", loss
    if in_unit_interval:
        return units, "sigmoid", keras.losses.BinaryCrossentropy()
    if np.all(y_pred > 0):
        return units, "softplus", keras.losses.MeanSquaredError()
    # Spread columns come after one column per target, so they exist only when y_pred is wider than y_true.
    target_columns = 1 if y_true.ndim == 1 else y_true.shape[1]
    positive_tail = min(_positive_trailing_columns(y_pred), units - target_columns)
    if positive_tail > 0 and not labels_are_ids:
        return units, ("softplus_tail", positive_tail), keras.losses.MeanSquaredError()
    if labels_are_ids:
        return units, None, keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return units, None, keras.losses.MeanSquaredError()


def build_model(
    kind, component, seed=0, learning_rate=0.01, layer_input_shape=(INPUT_FEATURES,), examples=None, layer_inputs=None
):
    """Build and compile a model that uses `component` as a `kind`.

    A loss is the model's loss, and a metric is its only metric. An
    activation, regularizer, constraint or initializer sits in a hidden
    `Dense` layer. A layer follows the input and feeds a `Dense(1)` head; with
    `layer_inputs`, its example arrays, it takes one input per array. With a
    loss's or metric's `examples`, the head and the loss come from
    `head_for(examples)`.
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

    if layer_inputs is not None:
        inputs = [keras.Input(array.shape[1:]) for array in layer_inputs]
    else:
        inputs = keras.Input(layer_input_shape if kind == "layer" else (INPUT_FEATURES,))
    if kind == "layer":
        hidden = component(inputs)
        hidden = hidden[0] if isinstance(hidden, (list, tuple)) else hidden
        hidden = keras.layers.Flatten()(hidden) if len(hidden.shape) > 2 else hidden
    else:
        hidden = keras.layers.Dense(HIDDEN_UNITS, name="checked", **dense_arguments)(inputs)
    units, activation, head_loss = head_for(examples)
    outputs = _head(hidden, units, activation)
    model = keras.Model(inputs, outputs)
    model.compile(
        # Clipping keeps a few steps of training finite for a loss with steep gradients, such as a Gaussian NLL
        # whose variance starts small. The checks test saving and numerics, not how fast a model learns.
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, clipnorm=1.0),
        loss=component if kind == "loss" else head_loss,
        metrics=[component] if kind == "metric" else [],
    )
    return model
