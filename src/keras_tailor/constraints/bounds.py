"""Constraints that keep weights inside fixed bounds."""

import keras
from keras import ops

from keras_tailor import _validation


@keras.saving.register_keras_serializable(package="keras_tailor")
class Clip(keras.constraints.Constraint):
    """Clip every weight into the interval `[min_value, max_value]` after each update.

    Formula: `w = min(max(w, min_value), max_value)`, element-wise. The
    projection is idempotent: clipping clipped weights changes nothing.

    Unlike the components built with `keras_tailor.authoring`, both bounds are
    required, because no interval suits every model.

    Args:
        min_value: the lower bound, a finite number.
        max_value: the upper bound, a finite number >= `min_value`.

    Raises:
        ValueError: a bound is not a finite number, or `min_value > max_value`.

    Example:

    >>> layer = keras.layers.Dense(4, kernel_constraint=Clip(-0.5, 0.5))
    """

    def __init__(self, min_value, max_value):
        _validation.check_ordered("min_value", min_value, "max_value", max_value)
        self.min_value = float(min_value)
        self.max_value = float(max_value)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.clip(w, ops.cast(self.min_value, w.dtype), ops.cast(self.max_value, w.dtype))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value}
