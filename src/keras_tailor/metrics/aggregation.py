"""Weighted geometric and harmonic means of the values passed to `update_state`, from sums over every batch.

Like `keras.metrics.Mean`, these metrics take `update_state(values,
sample_weight=None)`, not `(y_true, y_pred)`: they aggregate values that the
caller computes, such as per-batch ratios or rates in a custom `train_step`.
For the same reason `model.compile(metrics=[...])`, which passes `y_true` and
`y_pred`, cannot use them, and neither can `keras.metrics.Mean`.

`values` may have any shape. `sample_weight` is None, a scalar, or a tensor
broadcast over `values` as `keras.metrics.Mean` broadcasts it, so one weight
per sample of shape `(N,)` or `(N, 1)` weights every value of that sample.

Both means are defined for values >= 0, and any value of 0 with a positive
weight makes either one 0, as in `scipy.stats.gmean` and `scipy.stats.hmean`
of SciPy 1.17.1. Negative values raise `ValueError` where they can be read,
which means outside a compiled function: eager TensorFlow, un-jitted JAX and
eager PyTorch. SciPy returns NaN for them instead. Inside a compiled function
(`jax.jit`, `tf.function`) they cannot be read, and a negative value counts as
0, so the result is 0. A NaN value makes the result NaN, as in
`keras.metrics.Mean`. A value of weight 0 does not change the result, not even
a NaN or an infinity, but a negative one still raises where it can be read.
"""

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor._streaming import SummedStatistics
from keras_tailor.metrics import _labels

__all__ = ["GeometricMean", "HarmonicMean"]


def _check_non_negative_values(values, metric_name):
    """Raise `ValueError` if the readable entries of `values` include a number below 0."""
    original = _labels._concrete_value(values)
    if original is None or original.size == 0:
        return
    negative = original.astype("float64") < 0
    if negative.any():
        index = int(np.flatnonzero(negative.ravel())[0])
        raise ValueError(
            f"Invalid values: {metric_name} is defined for values >= 0, but received "
            f"{original.ravel()[index].item()!r} at flat index {index}."
        )


class _NonNegativeMean(SummedStatistics):
    """Base of the means here: a weighted sum of a transform of each value, and the weight of values <= 0.

    Subclasses define `_transform(values)`, applied to values > 0 only, and
    `_mean(weight, transformed_sum)`, the mean when no value is <= 0.
    """

    # No `_direction`: Keras 3.15.1 minimizes a metric whose `_direction` is None.
    _no_direction = "whether a higher mean is better depends on the values averaged, as for keras.metrics.Mean"

    def __init__(self, name, dtype):
        super().__init__(name=name, dtype=dtype)
        self.weight = self._add_statistic("weight")
        self.transformed_sum = self._add_statistic("transformed_sum")
        self.non_positive_weight = self._add_statistic("non_positive_weight")

    def update_state(self, values, sample_weight=None):
        values = ops.convert_to_tensor(values)
        dtype = "float64" if keras.backend.standardize_dtype(values.dtype) == "float64" else "float32"
        values = ops.cast(values, dtype)
        _check_non_negative_values(values, type(self).__name__)
        weights = ops.ones_like(values) if sample_weight is None else _validation.broadcast_sample_weight(sample_weight, values)
        non_positive = ops.less_equal(values, 0.0)
        # 1 replaces values <= 0, which count only through non_positive_weight.
        # A NaN compares false and stays NaN.
        transformed = self._transform(ops.where(non_positive, ops.ones_like(values), values))
        used = ops.not_equal(weights, 0.0)
        zeros = ops.zeros_like(values)
        self._record(
            {
                "weight": ops.sum(weights),
                # A weight of 0 times an infinite or NaN transform would be NaN.
                "transformed_sum": ops.sum(ops.where(used, weights * transformed, zeros)),
                "non_positive_weight": ops.sum(ops.where(non_positive, weights, zeros)),
            }
        )

    def _value(self, statistics):
        weight = statistics["weight"]
        mean = self._mean(weight, statistics["transformed_sum"])
        zero = ops.zeros_like(weight)
        defined = ops.logical_and(ops.greater(weight, 0.0), ops.less_equal(statistics["non_positive_weight"], 0.0))
        return ops.where(defined, mean, zero)

    def _transform(self, values):
        raise NotImplementedError

    def _mean(self, weight, transformed_sum):
        raise NotImplementedError


@keras.saving.register_keras_serializable(package="keras_tailor")
class GeometricMean(_NonNegativeMean):
    """Streaming weighted geometric mean of the values passed to `update_state`.

    Formula, with `v_i` the values and `w_i` their weights:

        geometric_mean = exp(sum_i(w_i * log(v_i)) / sum_i(w_i))

    which equals `scipy.stats.gmean(values, weights=...)` in SciPy 1.17.1 for
    values > 0. The state keeps the weighted sum of logarithms, not a running
    product, which in float32 overflows after four values near 1e10 and
    underflows after five near 1e-10. A value of 0 with a positive
    weight makes the result 0, and the module docstring describes negative and
    NaN values. With no values, or only values of weight 0, the result is 0, as
    `keras.metrics.Mean` returns.

    Whether a higher value is better depends on what is averaged, so the
    metric declares no direction: set `mode` in `EarlyStopping` to monitor it.

    Args:
        name: the metric name, the key in `History`. Defaults to `"geometric_mean"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = GeometricMean()
    >>> metric.update_state([1.0, 4.0], sample_weight=[1.0, 3.0])
    >>> round(float(metric.result()), 6)
    2.828427
    """

    def __init__(self, name="geometric_mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def _transform(self, values):
        return ops.log(values)

    def _mean(self, weight, transformed_sum):
        return ops.exp(ops.divide_no_nan(transformed_sum, weight))


@keras.saving.register_keras_serializable(package="keras_tailor")
class HarmonicMean(_NonNegativeMean):
    """Streaming weighted harmonic mean of the values passed to `update_state`.

    Formula, with `v_i` the values and `w_i` their weights:

        harmonic_mean = sum_i(w_i) / sum_i(w_i / v_i)

    which equals `scipy.stats.hmean(values, weights=...)` in SciPy 1.17.1 for
    values > 0. An infinite value adds 0 to the denominator, and the result
    is infinite if every value is. A value of 0 with a positive weight makes
    the result 0, and the module docstring describes negative and NaN values.
    With no values, or only values of weight 0, the result is 0, as
    `keras.metrics.Mean` returns.

    Whether a higher value is better depends on what is averaged, so the
    metric declares no direction: set `mode` in `EarlyStopping` to monitor it.

    Args:
        name: the metric name, the key in `History`. Defaults to `"harmonic_mean"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = HarmonicMean()
    >>> metric.update_state([1.0, 4.0], sample_weight=[1.0, 3.0])
    >>> round(float(metric.result()), 6)
    2.285714
    """

    def __init__(self, name="harmonic_mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def _transform(self, values):
        return 1.0 / values

    def _mean(self, weight, transformed_sum):
        # A plain division: an all-infinite input has a reciprocal sum of 0 and a mean of inf.
        return weight / transformed_sum
