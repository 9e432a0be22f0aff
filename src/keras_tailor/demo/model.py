"""The housing regressor: an MLP that uses every keras-tailor component."""

import inspect
import json

import keras

import keras_tailor as kt
from keras_tailor.losses import probabilistic, quantile
from keras_tailor.metrics import intervals

# Hyperparameters chosen away from their defaults, so the reload check can see a
# lost one. The Huber threshold is in the target's unit, $100,000.
HUBER_THRESHOLD = 0.5
L1_FACTOR = 1e-5
CLIP_BOUND = 2.0
SNAKE_FREQUENCY = 0.5
SNAKE_INITIAL_FREQUENCY = 1.5
ORTHOGONAL_GAIN = 1.2

# Constructor arguments every component of a kind shares; they are not the
# hyperparameters the reload comparison is about.
_BASE_ARGUMENTS = frozenset({"reduction", "name", "dtype", "trainable", "autocast"})
_LAYER_ATTRIBUTES = (
    "activation",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "bias_constraint",
)


def default_loss():
    return kt.losses.Huber(threshold=HUBER_THRESHOLD)


def output_units(loss):
    """Return the number of prediction columns `loss` expects: one per quantile, two for a mean and a spread."""
    if isinstance(loss, quantile.Pinball):
        quantiles = loss.quantiles
        return len(quantiles) if isinstance(quantiles, list) else 1
    if isinstance(loss, (probabilistic.GaussianNLL, probabilistic.GaussianCRPS)):
        return 2
    return 1


def metrics_for(loss):
    """Return the metrics logged for `loss`: its streaming form, plus MAE or interval metrics where they apply."""
    if isinstance(loss, kt.losses.Huber):
        return [kt.metrics.HuberMetric(threshold=loss.threshold, name="huber"), keras.metrics.MeanAbsoluteError(name="mae")]
    metrics = [kt.metrics.LossMean(loss, name="loss_mean")]
    if isinstance(loss, quantile.Pinball) and isinstance(loss.quantiles, list) and len(loss.quantiles) >= 2:
        lower, upper = loss.quantiles[0], loss.quantiles[-1]
        metrics += [
            intervals.IntervalCoverage(lower_index=0, upper_index=-1, name="coverage"),
            intervals.IntervalScore(alpha=round(1.0 - (upper - lower), 6), lower_index=0, upper_index=-1, name="interval_score"),
        ]
    elif output_units(loss) == 1 and not getattr(loss, "log_input", False):
        # A log-scale prediction is not in the target's units, so its MAE would mislead.
        metrics.append(keras.metrics.MeanAbsoluteError(name="mae"))
    return metrics


def build_model(train_features, seed, loss=None, learning_rate=3e-3):
    """Build and compile the model; its `Normalization` layer adapts to `train_features`.

    The model takes raw features (`housing.FEATURE_NAMES`, after imputation and
    one-hot encoding) and normalizes them itself, so the saved file is all a
    user needs to predict. `loss` defaults to `Huber(threshold=0.5)`; the head
    has as many units as the loss expects prediction columns.
    """
    loss = default_loss() if loss is None else loss
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
    outputs = keras.layers.Dense(output_units(loss), name="median_house_value")(hidden)

    model = keras.Model(inputs, outputs, name="housing_regressor")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=loss, metrics=metrics_for(loss))
    return model


def _is_keras_tailor(obj):
    registered = keras.saving.get_registered_name(type(obj))
    return isinstance(registered, str) and registered.startswith("keras_tailor>")


def _compiled_metrics(model):
    for metric in model.metrics:
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, list):
            yield from inner
        else:
            yield metric


def component_objects(model):
    """Return `{label: object}` for the keras-tailor loss, metrics, layers and layer arguments of `model`.

    Compiled metrics exist only after the model has trained or evaluated once.
    """
    objects = {}
    if _is_keras_tailor(model.loss):
        objects["loss"] = model.loss
    for metric in _compiled_metrics(model):
        if _is_keras_tailor(metric):
            objects[f"metric {metric.name}"] = metric
    for layer in model.layers:
        if _is_keras_tailor(layer):
            objects[layer.name] = layer
        for attribute in _LAYER_ATTRIBUTES:
            value = getattr(layer, attribute, None)
            if value is not None and _is_keras_tailor(value):
                objects[f"{layer.name}.{attribute}"] = value
    return objects


def hyperparameters_of(obj):
    """Read an object's hyperparameters from its attributes, one per constructor argument.

    Attributes are set by the constructor, so comparing them before saving and
    after loading catches an argument that `get_config` never wrote, which a
    comparison of saved configs alone would miss. A nested Keras object (a
    `LossMean`'s loss) is given by its class and hyperparameters.
    """
    values = {}
    for parameter in inspect.signature(type(obj)).parameters.values():
        if parameter.name in _BASE_ARGUMENTS or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        value = getattr(obj, parameter.name, "<no attribute>")
        if hasattr(value, "get_config") and not isinstance(value, (int, float, str)):
            value = {"class": type(value).__name__, "hyperparameters": hyperparameters_of(value)}
        values[parameter.name] = value
    return json.loads(json.dumps(values, default=repr))


def read_hyperparameters(model):
    """Return `{label: hyperparameters}` for every keras-tailor object of `model`."""
    return {label: hyperparameters_of(obj) for label, obj in component_objects(model).items()}
