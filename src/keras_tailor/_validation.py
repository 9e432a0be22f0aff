"""Argument and shape checks shared by every keras-tailor component.

Each check raises `ValueError` with a message that names the argument, the value
received and the valid range, so a user can fix the call without reading code.
Checks on hyperparameters run only on Python numbers: a tensor (for example a
trainable frequency) cannot be inspected without running the graph, so it
passes through unchecked.
"""

import math
import numbers

import keras
from keras import ops


def _is_python_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _require_number(name, value, expected):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"Invalid {name}: received {value!r} of type "
            f"{type(value).__name__}, expected {expected}."
        )
    if not math.isfinite(value):
        raise ValueError(f"Invalid {name}: received {value!r}, expected {expected}.")


def is_symbolic(value):
    """Return True for tensors and variables, which checks let through.

    Lists, strings, None and other Python values are not symbolic, so a check
    rejects `threshold=[1.0]` instead of saving a list in the config.
    """
    return isinstance(value, (keras.Variable, keras.KerasTensor)) or keras.ops.is_tensor(value)


def check_positive(name, value):
    """Raise `ValueError` unless `value` is a finite number greater than 0."""
    if is_symbolic(value):
        return value
    _require_number(name, value, "a finite number > 0")
    if value <= 0:
        raise ValueError(f"Invalid {name}: received {value!r}, expected a finite number > 0.")
    return value


def check_non_negative(name, value):
    """Raise `ValueError` unless `value` is a finite number greater than or equal to 0."""
    if is_symbolic(value):
        return value
    _require_number(name, value, "a finite number >= 0")
    if value < 0:
        raise ValueError(f"Invalid {name}: received {value!r}, expected a finite number >= 0.")
    return value


def check_finite(name, value):
    """Raise `ValueError` unless `value` is a finite number."""
    if is_symbolic(value):
        return value
    _require_number(name, value, "a finite number")
    return value


def check_ordered(lower_name, lower, upper_name, upper):
    """Raise `ValueError` unless `lower <= upper`, both finite numbers."""
    check_finite(lower_name, lower)
    check_finite(upper_name, upper)
    if lower > upper:
        raise ValueError(
            f"Invalid {lower_name} and {upper_name}: received {lower_name}={lower!r} "
            f"and {upper_name}={upper!r}, expected {lower_name} <= {upper_name}."
        )


def check_seed(name, value):
    """Raise `ValueError` unless `value` is None or a non-negative integer."""
    if value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(
            f"Invalid {name}: received {value!r}, expected None or an integer >= 0."
        )
    return int(value)


def _format_shape(shape):
    dimensions = ["None" if d is None else str(d) for d in shape]
    if len(dimensions) == 1:
        return f"({dimensions[0]},)"
    return "(" + ", ".join(dimensions) + ")"


def align_targets(y_true, y_pred):
    """Convert `y_true` and `y_pred` to tensors of one shape, or raise `ValueError`.

    `y_true` is cast to the dtype of `y_pred`. As in Keras, when the ranks differ
    by one and the larger tensor ends in an axis of size 1, a rank-1 tensor gains
    that axis and any other tensor is squeezed instead. So `(N,)` targets with
    `(N, 1)` predictions give one loss per sample. Any other difference in static
    shape raises instead of broadcasting, because a broadcast `(N, 1)` against
    `(N, K)` gives a plausible but wrong loss. Dimensions unknown at trace time
    are not compared.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not keras.backend.standardize_dtype(y_pred.dtype).startswith(("float", "bfloat")):
        y_pred = ops.cast(y_pred, keras.config.floatx())
    y_true = ops.cast(y_true, y_pred.dtype)

    true_shape = tuple(y_true.shape)
    pred_shape = tuple(y_pred.shape)
    # Squeezing a (N, 1) tensor against a (N,) one would leave rank 1, and the
    # mean over the last axis would then merge the whole batch into one value.
    if len(true_shape) == len(pred_shape) + 1 and true_shape[-1] == 1:
        if len(pred_shape) == 1:
            y_pred = ops.expand_dims(y_pred, axis=-1)
        else:
            y_true = ops.squeeze(y_true, axis=-1)
    elif len(pred_shape) == len(true_shape) + 1 and pred_shape[-1] == 1:
        if len(true_shape) == 1:
            y_true = ops.expand_dims(y_true, axis=-1)
        else:
            y_pred = ops.squeeze(y_pred, axis=-1)

    aligned_true, aligned_pred = tuple(y_true.shape), tuple(y_pred.shape)
    compatible = len(aligned_true) == len(aligned_pred) and all(
        a is None or b is None or a == b for a, b in zip(aligned_true, aligned_pred)
    )
    if not compatible:
        raise ValueError(
            "y_true and y_pred must have the same shape, but received "
            f"y_true.shape={_format_shape(true_shape)} and "
            f"y_pred.shape={_format_shape(pred_shape)}."
        )
    return y_true, y_pred


def broadcast_sample_weight(sample_weight, values):
    """Cast `sample_weight` to the dtype of `values` and broadcast it to their shape.

    A weight per sample, `(N,)` or `(N, 1)`, is expanded over the remaining axes
    of `values`, as `keras.metrics.Mean` does. Incompatible shapes raise
    `ValueError` naming both.
    """
    sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), values.dtype)
    weight_shape = tuple(sample_weight.shape)
    value_shape = tuple(values.shape)
    if len(weight_shape) == len(value_shape) + 1 and weight_shape[-1] == 1:
        sample_weight = ops.squeeze(sample_weight, axis=-1)
    while len(sample_weight.shape) < len(value_shape):
        sample_weight = ops.expand_dims(sample_weight, axis=-1)

    aligned = tuple(sample_weight.shape)
    compatible = len(aligned) == len(value_shape) and all(
        w is None or v is None or w == v or w == 1 for w, v in zip(aligned, value_shape)
    )
    if not compatible:
        raise ValueError(
            "sample_weight must have the shape of the per-sample values or be "
            f"broadcastable to it, but received sample_weight.shape="
            f"{_format_shape(weight_shape)} for values of shape {_format_shape(value_shape)}."
        )
    return ops.broadcast_to(sample_weight, ops.shape(values))


def check_integer(name, value, minimum):
    """Raise `ValueError` unless `value` is an integer >= `minimum`, and return it as an `int`.

    A bool is rejected although Python counts it as an integer, because
    `num_classes=True` is a mistake, not the number 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"Invalid {name}: received {value!r}, expected an integer >= {minimum}.")
    return int(value)


def check_open_unit_interval(name, value):
    """Raise `ValueError` unless `value` is a number in the open interval (0, 1), and return it as a `float`."""
    expected = "a number in the open interval (0, 1)"
    _require_number(name, value, expected)
    if not 0 < value < 1:
        raise ValueError(f"Invalid {name}: received {value!r}, expected {expected}.")
    return float(value)


def check_choice(name, value, choices):
    """Raise `ValueError` unless `value` is one of `choices` (strings or None)."""
    if not any(value is choice or (isinstance(value, str) and value == choice) for choice in choices):
        valid = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"Invalid {name}: received {value!r}, expected one of {valid}.")
    return value


def check_bool(name, value):
    """Raise `ValueError` unless `value` is True or False."""
    if not isinstance(value, bool):
        raise ValueError(f"Invalid {name}: received {value!r} of type {type(value).__name__}, expected True or False.")
    return value
