"""Generated classes, configs, values and decoration errors of the authoring kit.

Each decorator is applied to a user-style function defined here, registered under
the package `test_authoring` so no name clashes with the library's own components.
"""

import dataclasses
import inspect
import json
import re

import keras
import numpy as np
import pytest
from keras import ops

from conftest import to_numpy
from keras_tailor.authoring import (
    FunctionLoss,
    FunctionMeanMetric,
    activation,
    constraint,
    initializer,
    loss,
    metric,
    regularizer,
)

PACKAGE = "test_authoring"


def scaled_log_cosh(y_true, y_pred, scale=1.0):
    """Log-cosh of the error divided by `scale`, averaged over the last axis."""
    error = (y_pred - y_true) / scale
    return ops.mean(ops.log(ops.cosh(error)), axis=-1)


def squared_log_error(y_true, y_pred, offset=1.0):
    """Squared difference of `log(y + offset)`, averaged over the last axis."""
    log_error = ops.log(y_pred + offset) - ops.log(y_true + offset)
    return ops.mean(ops.square(log_error), axis=-1)


def soft_clip(x, scale=1.0):
    """Squash `x` smoothly into (-scale, scale)."""
    return scale * ops.tanh(x / scale)


def l2_to_target(weights, strength=0.01, target=0.0):
    """Penalize the squared distance of every weight from `target`."""
    return strength * ops.sum(ops.square(weights - target))


def non_negative_with_cap(weights, cap=1.0):
    """Project the weights onto [0, cap]."""
    return ops.clip(weights, 0.0, cap)


def scaled_uniform(shape, dtype, scale=0.05, seed=None):
    """Draw weights uniformly from [-scale, scale)."""
    return keras.random.uniform(shape, minval=-scale, maxval=scale, dtype=dtype, seed=seed)


ScaledLogCosh = loss(scaled_log_cosh, package=PACKAGE)
SquaredLogError = metric(squared_log_error, direction="down", package=PACKAGE)
SoftClip = activation(soft_clip, package=PACKAGE)
L2ToTarget = regularizer(l2_to_target, package=PACKAGE)
NonNegativeWithCap = constraint(non_negative_with_cap, package=PACKAGE)
ScaledUniform = initializer(scaled_uniform, package=PACKAGE)


@metric(direction="up", package=PACKAGE, default_name="within_tol")
def within_tolerance(y_true, y_pred, tolerance=0.1):
    """Fraction of outputs within `tolerance` of the target."""
    within = ops.abs(y_pred - y_true) <= tolerance
    return ops.mean(ops.cast(within, y_pred.dtype), axis=-1)


def scaled_log_cosh_reference(y_true, y_pred, scale):
    return np.mean(np.log(np.cosh((y_pred - y_true) / scale)), axis=-1)


def squared_log_error_reference(y_true, y_pred, offset):
    return np.mean((np.log(y_pred + offset) - np.log(y_true + offset)) ** 2, axis=-1)


def within_tolerance_reference(y_true, y_pred, tolerance):
    return np.mean(np.abs(y_pred - y_true) <= tolerance, axis=-1)


@dataclasses.dataclass
class KitCase:
    """One generated class with the function behind it and the arguments it should take."""

    cls: type
    function: object
    class_name: str
    values: dict
    defaults: dict
    base_arguments: dict

    def __str__(self):
        return self.class_name


KIT_CASES = [
    KitCase(
        ScaledLogCosh,
        scaled_log_cosh,
        "ScaledLogCosh",
        values={"scale": 2.5},
        defaults={"scale": 1.0},
        base_arguments={"reduction": "sum_over_batch_size", "name": "scaled_log_cosh", "dtype": None},
    ),
    KitCase(
        SquaredLogError,
        squared_log_error,
        "SquaredLogError",
        values={"offset": 0.5},
        defaults={"offset": 1.0},
        base_arguments={"name": "squared_log_error", "dtype": None},
    ),
    KitCase(
        within_tolerance,
        within_tolerance.function,
        "WithinTolerance",
        values={"tolerance": 0.25},
        defaults={"tolerance": 0.1},
        base_arguments={"name": "within_tol", "dtype": None},
    ),
    KitCase(
        SoftClip,
        soft_clip,
        "SoftClip",
        values={"scale": 3.0},
        defaults={"scale": 1.0},
        base_arguments={},
    ),
    KitCase(
        L2ToTarget,
        l2_to_target,
        "L2ToTarget",
        values={"strength": 0.2, "target": -0.5},
        defaults={"strength": 0.01, "target": 0.0},
        base_arguments={},
    ),
    KitCase(
        NonNegativeWithCap,
        non_negative_with_cap,
        "NonNegativeWithCap",
        values={"cap": 0.75},
        defaults={"cap": 1.0},
        base_arguments={},
    ),
    KitCase(
        ScaledUniform,
        scaled_uniform,
        "ScaledUniform",
        values={"scale": 0.2, "seed": 9},
        defaults={"scale": 0.05, "seed": None},
        base_arguments={},
    ),
]

kit_cases = pytest.mark.parametrize("case", KIT_CASES, ids=str)


@kit_cases
def test_kit_class_name(case):
    assert case.cls.__name__ == case.class_name


@kit_cases
def test_kit_signature_order(case):
    parameters = inspect.signature(case.cls).parameters

    assert list(parameters) == list(case.defaults) + list(case.base_arguments)


@kit_cases
def test_kit_signature_defaults(case):
    parameters = inspect.signature(case.cls).parameters
    expected = {**case.defaults, **case.base_arguments}

    for name, default in expected.items():
        assert parameters[name].default == default, name


@kit_cases
def test_kit_keyword_construction(case):
    instance = case.cls(**case.values)
    config = instance.get_config()

    for name, value in case.values.items():
        assert config[name] == value, name
        assert getattr(instance, name) == value, name


@kit_cases
def test_kit_positional_construction(case):
    from_positions = case.cls(*case.values.values())

    assert from_positions.get_config() == case.cls(**case.values).get_config()


@kit_cases
def test_kit_default_config(case):
    config = case.cls().get_config()

    for name, default in case.defaults.items():
        assert config[name] == default, name


@kit_cases
def test_kit_from_config_round_trip(case):
    instance = case.cls(**case.values)

    restored = case.cls.from_config(instance.get_config())

    assert type(restored) is case.cls
    assert restored.get_config() == instance.get_config()


@kit_cases
def test_kit_serialize_round_trip(case):
    instance = case.cls(**case.values)

    serialized = keras.saving.serialize_keras_object(instance)
    restored = keras.saving.deserialize_keras_object(serialized)

    assert serialized["registered_name"] == f"{PACKAGE}>{case.class_name}"
    assert type(restored) is case.cls
    assert restored.get_config() == instance.get_config()


@kit_cases
def test_kit_config_is_json(case):
    serialized = keras.saving.serialize_keras_object(case.cls(**case.values))

    assert json.loads(json.dumps(serialized)) == serialized


@kit_cases
def test_kit_class_registered(case):
    key = f"{PACKAGE}>{case.class_name}"

    assert keras.saving.get_registered_name(case.cls) == key
    assert keras.saving.get_registered_object(key) is case.cls


@kit_cases
def test_kit_function_registered(case):
    key = f"{PACKAGE}>{case.function.__name__}"

    assert keras.saving.get_registered_name(case.function) == key
    assert keras.saving.get_registered_object(key) is case.function
    assert case.cls.function is case.function


@kit_cases
def test_kit_unknown_keyword(case):
    with pytest.raises(TypeError, match="unexpected_option"):
        case.cls(unexpected_option=1.0)


@kit_cases
def test_kit_too_many_positional(case):
    arguments = [1.0] * (len(case.defaults) + len(case.base_arguments) + 1)

    with pytest.raises(TypeError):
        case.cls(*arguments)


@kit_cases
def test_kit_rejects_non_json_value(case):
    name = next(iter(case.defaults))

    with pytest.raises(ValueError, match=f"Invalid {name}: received <object"):
        case.cls(**{name: object()})


def test_kit_tuple_value_stored_as_list():
    def shifted_clip(x, bounds=(-1.0, 1.0)):
        return ops.clip(x, bounds[0], bounds[1])

    ShiftedClip = activation(shifted_clip, package=PACKAGE)
    instance = ShiftedClip(bounds=(-2.0, 0.5))

    assert instance.get_config() == {"bounds": [-2.0, 0.5]}
    assert ShiftedClip.from_config(instance.get_config()).get_config() == {"bounds": [-2.0, 0.5]}
    assert json.dumps(instance.get_config()) == '{"bounds": [-2.0, 0.5]}'


def test_kit_repr_lists_hyperparameters():
    assert repr(SoftClip(scale=2.0)) == "SoftClip(scale=2.0)"


def test_kit_generated_docstring():
    assert SoftClip.__doc__.startswith("Squash `x` smoothly into (-scale, scale).")
    assert "`scale`" in SoftClip.__doc__


def test_loss_class_is_keras_loss():
    assert issubclass(ScaledLogCosh, FunctionLoss)
    assert issubclass(ScaledLogCosh, keras.losses.Loss)


def test_loss_base_arguments_positional():
    instance = ScaledLogCosh(2.0, "sum", "log_cosh_sum")

    assert instance.scale == 2.0
    assert instance.reduction == "sum"
    assert instance.name == "log_cosh_sum"


def test_loss_config_holds_base_arguments():
    config = ScaledLogCosh(scale=2.0, reduction="sum", name="my_loss", dtype="float32").get_config()

    assert config == {"scale": 2.0, "reduction": "sum", "name": "my_loss", "dtype": "float32"}


def test_loss_value_matches_numpy():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(6, 3)).astype("float32")
    y_pred = rng.normal(size=(6, 3)).astype("float32")

    value = float(to_numpy(ScaledLogCosh(scale=2.0)(y_true, y_pred)))

    expected = np.mean(scaled_log_cosh_reference(y_true.astype(np.float64), y_pred, 2.0))
    assert value == pytest.approx(expected, rel=1e-5)


def test_loss_sample_weight_matches_numpy():
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(5, 2)).astype("float32")
    y_pred = rng.normal(size=(5, 2)).astype("float32")
    weights = np.array([0.0, 1.0, 2.0, 0.5, 3.0], dtype="float32")

    value = float(to_numpy(ScaledLogCosh(scale=0.5, reduction="sum")(y_true, y_pred, sample_weight=weights)))

    per_sample = scaled_log_cosh_reference(y_true.astype(np.float64), y_pred, 0.5)
    assert value == pytest.approx(np.sum(weights * per_sample), rel=1e-5)


def test_loss_no_reduction_per_sample():
    rng = np.random.default_rng(2)
    y_true = rng.normal(size=(4, 3)).astype("float32")
    y_pred = rng.normal(size=(4, 3)).astype("float32")

    values = to_numpy(ScaledLogCosh(scale=1.5, reduction=None)(y_true, y_pred))

    np.testing.assert_allclose(values, scaled_log_cosh_reference(y_true.astype(np.float64), y_pred, 1.5), rtol=1e-5)


def test_metric_class_is_keras_metric():
    assert issubclass(SquaredLogError, FunctionMeanMetric)
    assert issubclass(SquaredLogError, keras.metrics.Metric)


def test_metric_direction_set():
    assert SquaredLogError._direction == "down"
    assert SquaredLogError()._direction == "down"
    assert within_tolerance._direction == "up"


def test_metric_default_names():
    assert SquaredLogError().name == "squared_log_error"
    assert within_tolerance().name == "within_tol"


def test_metric_empty_result_is_zero():
    assert float(to_numpy(SquaredLogError().result())) == 0.0


def uneven_batches():
    """Return three batches of 3, 5 and 1 samples with positive targets and weights per sample."""
    rng = np.random.default_rng(3)
    batches = []
    for size in (3, 5, 1):
        y_true = rng.uniform(0.0, 4.0, size=(size, 2)).astype("float32")
        y_pred = rng.uniform(0.0, 4.0, size=(size, 2)).astype("float32")
        weights = rng.uniform(0.0, 2.0, size=(size,)).astype("float32")
        batches.append((y_true, y_pred, weights))
    batches[1][2][:2] = 0.0
    return batches


def test_metric_weighted_stream_matches_numpy():
    batches = uneven_batches()
    streaming = SquaredLogError(offset=0.5)

    for y_true, y_pred, weights in batches:
        streaming.update_state(y_true, y_pred, sample_weight=weights)

    values = np.concatenate([squared_log_error_reference(t.astype(np.float64), p, 0.5) for t, p, _ in batches])
    weights = np.concatenate([w for _, _, w in batches]).astype(np.float64)
    expected = np.sum(weights * values) / np.sum(weights)
    assert float(to_numpy(streaming.result())) == pytest.approx(expected, rel=1e-5)


def test_metric_column_weights_match_numpy():
    batches = uneven_batches()
    streaming = SquaredLogError()

    for y_true, y_pred, weights in batches:
        streaming.update_state(y_true, y_pred, sample_weight=weights[:, None])

    values = np.concatenate([squared_log_error_reference(t.astype(np.float64), p, 1.0) for t, p, _ in batches])
    weights = np.concatenate([w for _, _, w in batches]).astype(np.float64)
    assert float(to_numpy(streaming.result())) == pytest.approx(np.sum(weights * values) / np.sum(weights), rel=1e-5)


def test_metric_unweighted_stream_matches_numpy():
    batches = uneven_batches()
    streaming = within_tolerance(tolerance=1.0)

    for y_true, y_pred, _ in batches:
        streaming.update_state(y_true, y_pred)

    values = np.concatenate([within_tolerance_reference(t, p, 1.0) for t, p, _ in batches])
    assert float(to_numpy(streaming.result())) == pytest.approx(np.mean(values), rel=1e-6)


def test_metric_reset_state():
    streaming = SquaredLogError()
    streaming.update_state(np.ones((2, 2), "float32"), np.full((2, 2), 3.0, "float32"))

    streaming.reset_state()

    assert float(to_numpy(streaming.result())) == 0.0


def test_activation_matches_numpy():
    x = np.linspace(-6.0, 6.0, 25, dtype="float32")

    result = to_numpy(SoftClip(scale=2.0)(ops.convert_to_tensor(x)))

    np.testing.assert_allclose(result, 2.0 * np.tanh(x / 2.0), rtol=1e-6, atol=1e-6)


def test_activation_in_dense_layer():
    layer = keras.layers.Dense(3, activation=SoftClip(scale=0.5), kernel_initializer="ones")
    x = np.array([[1.0, -2.0], [0.25, 0.0]], dtype="float32")

    result = to_numpy(layer(ops.convert_to_tensor(x)))

    expected = 0.5 * np.tanh(np.repeat(x.sum(axis=1, keepdims=True), 3, axis=1) / 0.5)
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


def test_regularizer_matches_numpy():
    weights = np.random.default_rng(4).normal(size=(4, 3)).astype("float32")

    penalty = float(to_numpy(L2ToTarget(strength=0.2, target=-0.5)(ops.convert_to_tensor(weights))))

    assert penalty == pytest.approx(0.2 * np.sum((weights.astype(np.float64) + 0.5) ** 2), rel=1e-5)


def test_regularizer_in_dense_layer():
    layer = keras.layers.Dense(3, kernel_regularizer=L2ToTarget(strength=0.1, target=0.25))

    layer(ops.ones((2, 4)))
    kernel = to_numpy(layer.kernel).astype(np.float64)

    assert len(layer.losses) == 1
    assert float(to_numpy(layer.losses[0])) == pytest.approx(0.1 * np.sum((kernel - 0.25) ** 2), rel=1e-5)


def test_constraint_matches_numpy():
    weights = np.linspace(-1.0, 2.0, 13, dtype="float32")

    projected = to_numpy(NonNegativeWithCap(cap=0.75)(ops.convert_to_tensor(weights)))

    np.testing.assert_array_equal(projected, np.clip(weights, 0.0, 0.75))


def test_initializer_within_scale():
    values = to_numpy(ScaledUniform(scale=0.2, seed=3)((50, 40)))

    assert values.shape == (50, 40)
    assert values.min() >= -0.2
    assert values.max() <= 0.2
    assert values.max() - values.min() > 0.35


def test_initializer_matches_function():
    from_class = to_numpy(ScaledUniform(scale=0.2, seed=3)((5, 4), dtype="float32"))
    from_function = to_numpy(scaled_uniform((5, 4), "float32", scale=0.2, seed=3))

    np.testing.assert_array_equal(from_class, from_function)


def test_initializer_dtype_none_is_floatx():
    values = ScaledUniform(seed=3)((3, 3))

    assert keras.backend.standardize_dtype(values.dtype) == keras.config.floatx()


def test_initializer_passes_dtype():
    values = ScaledUniform(seed=3)((3, 3), dtype="float16")

    assert keras.backend.standardize_dtype(values.dtype) == "float16"


def test_kit_components_in_model():
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(
        2,
        activation=SoftClip(scale=2.0),
        kernel_initializer=ScaledUniform(scale=0.5, seed=1),
        kernel_regularizer=L2ToTarget(strength=0.01),
        kernel_constraint=NonNegativeWithCap(cap=0.3),
    )
    model = keras.Sequential([keras.Input((3,)), dense])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss=ScaledLogCosh(scale=2.0), metrics=[SquaredLogError()])
    rng = np.random.default_rng(5)
    x = rng.uniform(0.0, 1.0, size=(8, 3)).astype("float32")
    y = rng.uniform(0.0, 1.0, size=(8, 2)).astype("float32")

    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    kernel = to_numpy(dense.kernel)

    assert np.isfinite(history.history["loss"][0])
    assert "squared_log_error" in history.history
    assert kernel.min() >= 0.0
    assert kernel.max() <= 0.3 + 1e-7


def test_kit_components_model_config_round_trip():
    dense = keras.layers.Dense(
        2,
        activation=SoftClip(scale=2.0),
        kernel_initializer=ScaledUniform(scale=0.5, seed=1),
        kernel_regularizer=L2ToTarget(strength=0.02, target=0.1),
        kernel_constraint=NonNegativeWithCap(cap=0.3),
    )

    restored = keras.layers.Dense.from_config(dense.get_config())

    assert restored.activation.get_config() == {"scale": 2.0}
    assert restored.kernel_initializer.get_config() == {"scale": 0.5, "seed": 1}
    assert restored.kernel_regularizer.get_config() == {"strength": 0.02, "target": 0.1}
    assert restored.kernel_constraint.get_config() == {"cap": 0.3}


def test_validate_runs_at_construction():
    received = []

    def check_clipped_power(power=2.0, cap=1.0):
        received.append({"power": power, "cap": cap})
        if cap <= 0:
            raise ValueError(f"Invalid cap: received {cap!r}, expected a number > 0.")

    def clipped_power(x, power=2.0, cap=1.0):
        return ops.minimum(ops.abs(x) ** power, cap)

    ClippedPower = activation(clipped_power, package=PACKAGE, validate=check_clipped_power)
    ClippedPower(power=3.0)

    assert received == [{"power": 3.0, "cap": 1.0}]
    with pytest.raises(ValueError, match="Invalid cap: received -1.0"):
        ClippedPower(cap=-1.0)
    with pytest.raises(ValueError, match="Invalid cap: received 0"):
        ClippedPower.from_config({"power": 2.0, "cap": 0})


def test_validate_runs_for_loss():
    def check_margin(margin=1.0):
        if margin < 0:
            raise ValueError(f"Invalid margin: received {margin!r}, expected a number >= 0.")

    def hinge_with_margin(y_true, y_pred, margin=1.0):
        return ops.mean(ops.relu(margin - y_true * y_pred), axis=-1)

    HingeWithMargin = loss(hinge_with_margin, package=PACKAGE, validate=check_margin)

    assert HingeWithMargin(margin=0.5).margin == 0.5
    with pytest.raises(ValueError, match="Invalid margin: received -0.5"):
        HingeWithMargin(margin=-0.5)


def test_validate_message_before_json_check():
    """An out-of-range value that JSON also cannot store gets the range message."""

    def check_rate(rate=1.0):
        if not rate > 0:
            raise ValueError(f"Invalid rate: received {rate!r}, expected a finite number > 0.")

    def scaled_rate(x, rate=1.0):
        return x * rate

    ScaledRate = activation(scaled_rate, package=PACKAGE, validate=check_rate)

    with pytest.raises(ValueError, match=r"Invalid rate: received nan, expected a finite number > 0"):
        ScaledRate(rate=float("nan"))


def test_initializer_rejects_hyperparameter_as_dtype():
    def scaled_ones(shape, scale=1.0):
        return ops.ones(shape) * scale

    with pytest.raises(ValueError, match=r"'scaled_ones'.*must be \['shape', 'dtype'\], found \['shape', 'scale'\]"):
        initializer(scaled_ones, package=PACKAGE)


def test_decorator_missing_default():
    def needs_scale(x, scale):
        return x * scale

    with pytest.raises(ValueError, match=r"'needs_scale'.*'scale' has no default"):
        activation(needs_scale, package=PACKAGE)


def test_decorator_rejects_var_positional():
    def takes_extras(x, *extras):
        return x

    with pytest.raises(ValueError, match=r"'takes_extras'.*'extras' collects variable arguments"):
        activation(takes_extras, package=PACKAGE)


def test_decorator_rejects_var_keyword():
    def takes_options(y_true, y_pred, **options):
        return y_pred - y_true

    with pytest.raises(ValueError, match=r"'takes_options'.*'options' collects variable arguments"):
        loss(takes_options, package=PACKAGE)


def test_decorator_rejects_non_json_default():
    def marked_clip(weights, marker=object()):
        return weights

    with pytest.raises(ValueError, match=r"'marked_clip'.*'marker'.*JSON"):
        constraint(marked_clip, package=PACKAGE)


def test_decorator_rejects_nan_default():
    def nan_offset(weights, offset=float("nan")):
        return weights

    with pytest.raises(ValueError, match=r"'nan_offset'.*'offset'.*JSON"):
        regularizer(nan_offset, package=PACKAGE)


def loss_with_reduction(y_true, y_pred, reduction=1.0):
    return y_pred - y_true


def loss_with_name(y_true, y_pred, name="gap"):
    return y_pred - y_true


def metric_with_name(y_true, y_pred, name="gap"):
    return y_pred - y_true


def metric_with_dtype(y_true, y_pred, dtype="float32"):
    return y_pred - y_true


def metric_with_result(y_true, y_pred, result=0.0):
    return y_pred - y_true


@pytest.mark.parametrize(
    "function, parameter",
    [(loss_with_reduction, "reduction"), (loss_with_name, "name")],
    ids=["reduction", "name"],
)
def test_loss_rejects_reserved_hyperparameter(function, parameter):
    pattern = rf"'{function.__name__}'.*'{parameter}' clashes"

    with pytest.raises(ValueError, match=pattern):
        loss(function, package=PACKAGE)


@pytest.mark.parametrize(
    "function, parameter",
    [(metric_with_name, "name"), (metric_with_dtype, "dtype"), (metric_with_result, "result")],
    ids=["name", "dtype", "result"],
)
def test_metric_rejects_reserved_hyperparameter(function, parameter):
    pattern = rf"'{function.__name__}'.*'{parameter}' clashes"

    with pytest.raises(ValueError, match=pattern):
        metric(function, direction="down", package=PACKAGE)


def test_initializer_rejects_reserved_hyperparameter():
    def configured_uniform(shape, dtype, get_config=1.0):
        return keras.random.uniform(shape, dtype=dtype)

    with pytest.raises(ValueError, match=r"'configured_uniform'.*'get_config' clashes"):
        initializer(configured_uniform, package=PACKAGE)


@pytest.mark.parametrize("direction", ["sideways", "max", None, ""])
def test_metric_rejects_invalid_direction(direction):
    def relative_gap(y_true, y_pred, floor=1e-3):
        return ops.mean(ops.abs(y_pred - y_true) / (ops.abs(y_true) + floor), axis=-1)

    pattern = r"direction for metric function 'relative_gap'.*" + re.escape(f"received {direction!r}")

    with pytest.raises(ValueError, match=pattern):
        metric(relative_gap, direction=direction, package=PACKAGE)


def test_metric_decorator_form_rejects_direction():
    with pytest.raises(ValueError, match="Invalid direction: received 'lower'"):
        metric(direction="lower", package=PACKAGE)


def test_metric_requires_direction():
    def absolute_gap(y_true, y_pred, scale=1.0):
        return ops.mean(ops.abs(y_pred - y_true) * scale, axis=-1)

    with pytest.raises(TypeError, match="direction"):
        metric(absolute_gap, package=PACKAGE)


def test_decorator_rejects_non_function():
    with pytest.raises(ValueError, match="expects a plain function"):
        activation(42, package=PACKAGE)


def test_duplicate_function_name_rejected():
    def soft_clip(x, scale=1.0):
        return ops.clip(x, -scale, scale)

    with pytest.raises(ValueError, match=re.escape("'test_authoring>soft_clip' is already registered")):
        activation(soft_clip, package=PACKAGE)


def test_duplicate_class_name_rejected():
    def hard_clip(x, limit=1.0):
        return ops.clip(x, -limit, limit)

    with pytest.raises(ValueError, match=re.escape("'test_authoring>SoftClip' is already registered")):
        activation(hard_clip, name="SoftClip", package=PACKAGE)

    assert keras.saving.get_registered_object(f"{PACKAGE}>SoftClip") is SoftClip


def test_duplicate_name_across_kinds_rejected():
    def soft_clip_penalty(weights, scale=1.0):
        return scale * ops.sum(ops.abs(weights))

    with pytest.raises(ValueError, match=re.escape("'test_authoring>SoftClip' is already registered")):
        regularizer(soft_clip_penalty, name="SoftClip", package=PACKAGE)


def test_same_function_decorated_twice():
    def doubled(x, factor=2.0):
        return x * factor

    first = activation(doubled, package=PACKAGE)
    second = activation(doubled, package=PACKAGE)

    assert keras.saving.get_registered_object(f"{PACKAGE}>Doubled") is second
    assert float(to_numpy(first()(ops.convert_to_tensor(3.0)))) == 6.0
    assert float(to_numpy(second(factor=0.5)(ops.convert_to_tensor(4.0)))) == 2.0


def _two_rows():
    return np.zeros((8, 1), dtype="float32"), np.ones((8, 2), dtype="float32")


def _first_column_error(y_true, y_pred):
    return ops.mean(ops.square(y_pred[..., :1] - y_true), axis=-1)


@pytest.mark.parametrize("decorator", [loss, lambda f, **kw: metric(f, direction="down", **kw)], ids=["loss", "metric"])
def test_kit_examples_become_example_inputs(decorator):
    cls = decorator(_first_column_error, package="kit_examples_test", name=f"FirstColumnError{id(decorator)}", examples=_two_rows)

    y_true, y_pred = cls.example_inputs()

    assert y_true.shape == (8, 1)
    assert y_pred.shape == (8, 2)
    assert "example_inputs" not in cls().get_config()


def test_kit_examples_must_be_callable():
    with pytest.raises(TypeError, match="examples must be a callable that returns \\(y_true, y_pred\\); received tuple"):
        loss(_first_column_error, package="kit_examples_test", name="NotCallableExamples", examples=_two_rows())


def test_kit_fused_must_be_callable():
    with pytest.raises(TypeError, match="fused must be a callable or None; received float"):
        loss(_first_column_error, package="kit_examples_test", name="NotCallableFused", fused=1.0)


def test_kit_fused_value_used_and_none_falls_back():
    calls = []

    def fused(y_true, y_pred, reduction):
        calls.append(reduction)
        return None if reduction == "sum" else ops.convert_to_tensor(42.0)

    cls = loss(_first_column_error, package="kit_examples_test", name="FusedFirstColumnError", fused=fused)
    y_true, y_pred = np.zeros((2, 1), dtype="float32"), np.asarray([[1.0, 0.0], [3.0, 0.0]], dtype="float32")

    assert float(to_numpy(cls()(y_true, y_pred))) == 42.0
    # The fused callable returns None for "sum", so the function gives 1 + 9.
    assert float(to_numpy(cls(reduction="sum")(y_true, y_pred))) == 10.0
    # With sample weights the fused callable is not offered the call.
    assert float(to_numpy(cls()(y_true, y_pred, sample_weight=[1.0, 0.0]))) == 0.5
    assert calls == ["sum_over_batch_size", "sum"]
