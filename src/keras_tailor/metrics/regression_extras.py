"""Regression metrics from sums over every batch: explained variance and two percentage errors.

Every metric here keeps only sums, added with `aggregation="sum"`, so any
split of the data into batches, replicas or shards gives the value of the
whole set, and `merge_state` combines shards exactly. `y_true` and `y_pred`
must have the same shape, or differ only by a last axis of size 1, as
`keras_tailor._validation.align_targets` describes. `sample_weight` is one
weight per sample, a scalar, or a weight per element, broadcast over the
elements of each sample as `keras.metrics.Mean` does.
"""

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor._streaming import SummedStatistics, WeightedMean

__all__ = ["ExplainedVariance", "SymmetricMAPE", "WeightedMAPE"]

# Machine epsilon of each state dtype, for telling a variance from rounding error.
_MACHINE_EPSILON = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 2.0**-23, "float64": 2.0**-52}
# A variance of at most this many machine epsilons of its mean square, times
# the square root of the number of updates, counts as 0. Each update rounds
# the running sums once, so their error grows about as that square root. For
# constant float32 targets in up to 3000 batches of random weights, the
# variance left by rounding stayed below 1.7 of these units (a numpy
# simulation of the running sums), so 16 leaves a margin of about 10.
_ZERO_VARIANCE_UNITS = 16
# The floor of the denominator of WeightedMAPE: the float64 machine epsilon, as
# in sklearn.metrics.mean_absolute_percentage_error of scikit-learn 1.9.1.
_PERCENTAGE_EPSILON = float(np.finfo(np.float64).eps)
_EXAMPLE_ROWS = 40
_EXAMPLE_OUTPUTS = 2


def _compute_dtype(tensor):
    """Return float64 for float64 input and float32 otherwise, so 16-bit input is not squared in 16 bits."""
    return "float64" if keras.backend.standardize_dtype(tensor.dtype) == "float64" else "float32"


def _aligned(y_true, y_pred):
    """Return `y_true` and `y_pred` as tensors of one shape in float32, or float64 for float64 predictions."""
    y_true, y_pred = _validation.align_targets(y_true, y_pred)
    dtype = _compute_dtype(y_pred)
    return ops.cast(y_true, dtype), ops.cast(y_pred, dtype)


def _widened(statistics):
    """Return the statistics in float32 when they are stored in 16 bits, so the result is not computed in 16 bits."""
    return {
        name: ops.cast(value, "float32") if keras.backend.standardize_dtype(value.dtype) in ("float16", "bfloat16") else value
        for name, value in statistics.items()
    }


def _weights_like(sample_weight, values):
    if sample_weight is None:
        return ops.ones_like(values)
    return _validation.broadcast_sample_weight(sample_weight, values)


def _check_shift(shift, num_outputs):
    """Return `shift` as a float or a list of `num_outputs` floats, or raise `ValueError`."""
    if isinstance(shift, (list, tuple)):
        if len(shift) != num_outputs:
            raise ValueError(
                f"Invalid shift: received {list(shift)!r} with {len(shift)} entries, expected a finite number "
                f"or a list of num_outputs={num_outputs} finite numbers."
            )
        return [float(_validation.check_finite("shift", value)) for value in shift]
    if _validation.is_symbolic(shift):
        raise ValueError(
            f"Invalid shift: received a tensor, expected a finite number or a list of num_outputs={num_outputs} "
            "finite numbers, which the config can store."
        )
    return float(_validation.check_finite("shift", shift))


@keras.saving.register_keras_serializable(package="keras_tailor")
class ExplainedVariance(SummedStatistics):
    """Streaming explained variance score, the share of the target's variance that the predictions explain.

    Formula per output column, with `e = y_true - y_pred`, weighted means
    `E_w[.]` over the samples and `Var_w[x] = E_w[x**2] - E_w[x]**2`:

        score = 1 - Var_w[e] / Var_w[y_true]

    and the result is the mean of the per-column scores. This equals
    `sklearn.metrics.explained_variance_score(y_true, y_pred,
    sample_weight=..., multioutput="uniform_average")` in scikit-learn 1.9.1,
    including its default `force_finite=True` cases: a column whose `Var_w[e]`
    is 0 scores 1, and a column whose `Var_w[e]` is not 0 but whose
    `Var_w[y_true]` is 0 scores 0. Unlike R**2, the score does not fall when
    the predictions are off by a constant.

    The state per column is the sum of the weights and the weighted sums of
    `e`, `e**2`, `y_true - shift` and `(y_true - shift)**2`, with a count of
    updates. A variance taken
    from such sums loses precision when the mean is large against the standard
    deviation: its relative error grows as the machine epsilon times
    `(mean - shift)**2 / variance`. The variance does not depend on `shift`, so
    a `shift` near the mean of `y_true` removes the offset before squaring, and
    the sums stay exact under any batching and across replicas because `shift`
    is a constant. `dtype="float64"` helps as well, on TensorFlow and PyTorch,
    and on JAX with `jax_enable_x64` set.

    A variance of at most `16 * epsilon * sqrt(updates) * m2` is rounding
    error and counts as 0, with `epsilon` the machine epsilon of the state
    dtype, `updates` the number of `update_state` calls and `m2` the weighted
    mean of `e**2`, or of `(y_true - shift)**2`. So a constant target column
    scores as scikit-learn scores an exactly constant one, where scikit-learn
    1.9.1 on float32 input returns values such as -1.4e12. And with float32
    state, 1000 targets of mean 1e4 and standard deviation 1 score 0 with
    `shift=0`, because their variance cannot be distinguished from 0, and match
    scikit-learn to 1e-6 with `shift=1e4`, as `tests/test_regression_extras.py`
    checks. A 16-bit state keeps about 3 digits per sum, too few for most
    targets.

    With no samples, or only samples of weight 0, the result is 0, where
    scikit-learn raises `ValueError`. Higher is better, up to 1.

    Args:
        num_outputs: the number of output columns, an integer >= 1. Targets
            of shape `(N, num_outputs)`, or `(N,)` when it is 1. Defaults to 1.
        shift: a value near the mean of `y_true`, subtracted before squaring:
            a finite number for every column, or a list of `num_outputs` finite
            numbers, one per column. It changes only the rounding, not the
            score. Defaults to 0.0.
        name: the metric name, the key in `History`. Defaults to `"explained_variance"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = ExplainedVariance()
    >>> metric.update_state([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    >>> round(float(metric.result()), 6)
    0.957173
    """

    _direction = "up"

    def __init__(self, num_outputs=1, shift=0.0, name="explained_variance", dtype=None):
        self.num_outputs = _validation.check_integer("num_outputs", num_outputs, 1)
        self.shift = _check_shift(shift, self.num_outputs)
        super().__init__(name=name, dtype=dtype)
        for statistic in ("weight", "residual_sum", "residual_square_sum", "target_sum", "target_square_sum"):
            self._add_statistic(statistic, (self.num_outputs,))
        self._add_statistic("update_count")

    @staticmethod
    def example_arguments():
        """Return constructor arguments for `keras_tailor.testing`, two outputs like `example_inputs()`."""
        return {"num_outputs": _EXAMPLE_OUTPUTS}

    @staticmethod
    def example_inputs():
        """Return `(y_true, y_pred)` of shape `(40, 2)` for `keras_tailor.testing`, with a column of mean 30."""
        rng = np.random.default_rng(31)
        y_true = rng.normal(size=(_EXAMPLE_ROWS, _EXAMPLE_OUTPUTS)) * [1.0, 4.0] + [0.0, 30.0]
        y_pred = y_true + rng.normal(scale=0.8, size=y_true.shape)
        return y_true.astype("float32"), y_pred.astype("float32")

    def _columns(self, y_true, y_pred):
        """Return `y_true` and `y_pred` as `(N, num_outputs)` tensors, or raise naming their shapes."""
        y_true, y_pred = _aligned(y_true, y_pred)
        shape = tuple(y_true.shape)
        if len(shape) == 1 and self.num_outputs == 1:
            return ops.expand_dims(y_true, -1), ops.expand_dims(y_pred, -1)
        if len(shape) == 2 and shape[-1] == self.num_outputs:
            return y_true, y_pred
        raise ValueError(
            f"y_true and y_pred must have shape (N, {self.num_outputs}) for num_outputs={self.num_outputs}"
            f"{', or (N,)' if self.num_outputs == 1 else ''}, but received shape {_validation._format_shape(shape)}. "
            "Set num_outputs to the number of target columns."
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = self._columns(y_true, y_pred)
        weights = _weights_like(sample_weight, y_true)
        residuals = y_true - y_pred
        shifted = y_true - ops.convert_to_tensor(self.shift, dtype=y_true.dtype)
        self._record(
            {
                "weight": ops.sum(weights, axis=0),
                "residual_sum": ops.sum(weights * residuals, axis=0),
                "residual_square_sum": ops.sum(weights * residuals * residuals, axis=0),
                "target_sum": ops.sum(weights * shifted, axis=0),
                "target_square_sum": ops.sum(weights * shifted * shifted, axis=0),
                "update_count": 1.0,
            }
        )

    def _value(self, statistics):
        epsilon = _MACHINE_EPSILON[keras.backend.standardize_dtype(self.dtype)]
        statistics = _widened(statistics)
        weight = statistics["weight"]
        rounding = _ZERO_VARIANCE_UNITS * epsilon * ops.sqrt(ops.maximum(statistics["update_count"], 1.0))

        def variance_and_zero(total, square_total):
            mean = ops.divide_no_nan(total, weight)
            mean_square = ops.divide_no_nan(square_total, weight)
            # Rounding can leave a variance a few ulps below 0.
            variance = ops.maximum(mean_square - mean * mean, 0.0)
            return variance, ops.less_equal(variance, rounding * mean_square)

        residual_variance, residual_zero = variance_and_zero(statistics["residual_sum"], statistics["residual_square_sum"])
        target_variance, target_zero = variance_and_zero(statistics["target_sum"], statistics["target_square_sum"])
        scores = 1.0 - ops.divide_no_nan(residual_variance, target_variance)
        scores = ops.where(target_zero, ops.zeros_like(scores), scores)
        scores = ops.where(residual_zero, ops.ones_like(scores), scores)
        scores = ops.where(ops.greater(weight, 0.0), scores, ops.zeros_like(scores))
        return ops.cast(ops.mean(scores), self.dtype)

    def get_config(self):
        return {**super().get_config(), "num_outputs": self.num_outputs, "shift": self.shift}


@keras.saving.register_keras_serializable(package="keras_tailor")
class SymmetricMAPE(WeightedMean):
    """Streaming symmetric mean absolute percentage error (sMAPE), as a fraction in [0, 2].

    Formula, with `w_i` the weight of element `i`:

        smape = sum_i(w_i * 2 * |y_true_i - y_pred_i| / (|y_true_i| + |y_pred_i|)) / sum_i(w_i)

    An element with `y_true = y_pred = 0` is a perfect prediction and adds 0,
    where the formula would give 0 / 0. It is the only case with a zero
    denominator. The result is a fraction, not a percentage: multiply by 100
    to compare with `keras.metrics.MeanAbsolutePercentageError`. For targets
    of shape `(N, K)` it is the weighted mean over all `N * K` elements, which
    with one weight per sample is the weighted mean of each sample's mean.

    With no samples, or only samples of weight 0, the result is 0. Lower is
    better.

    Args:
        name: the metric name, the key in `History`. Defaults to `"symmetric_mape"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = SymmetricMAPE()
    >>> metric.update_state([100.0, 0.0, 50.0, 0.0], [110.0, 0.0, 40.0, 5.0])
    >>> round(float(metric.result()), 6)
    0.579365
    """

    _direction = "down"

    def __init__(self, name="symmetric_mape", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _aligned(y_true, y_pred)
        # Dividing both by the larger magnitude first keeps |y_true - y_pred|
        # finite when the two are near the largest float and of opposite signs.
        scale = ops.maximum(ops.abs(y_true), ops.abs(y_pred))
        safe_scale = ops.where(ops.greater(scale, 0.0), scale, ops.ones_like(scale))
        true_scaled, pred_scaled = y_true / safe_scale, y_pred / safe_scale
        ratios = ops.divide_no_nan(2.0 * ops.abs(true_scaled - pred_scaled), ops.abs(true_scaled) + ops.abs(pred_scaled))
        self._accumulate(ratios, sample_weight)


@keras.saving.register_keras_serializable(package="keras_tailor")
class WeightedMAPE(SummedStatistics):
    """Streaming weighted mean absolute percentage error (WMAPE): total absolute error over total absolute target.

    Formula, with `w_i` the weight of element `i`:

        wmape = sum_i(w_i * |y_true_i - y_pred_i|) / max(sum_i(w_i * |y_true_i|), epsilon)

    with `epsilon = 2.22e-16`, the float64 machine epsilon, which scikit-learn
    1.9.1's `mean_absolute_percentage_error` uses per element. Unlike the mean
    of per-element percentages, one target near 0 does not dominate the
    result. When every target is 0 the result is large but finite, and 0 if
    every prediction is 0 too. The result is a fraction, not a percentage.

    With no samples, or only samples of weight 0, the result is 0. Lower is
    better.

    Args:
        name: the metric name, the key in `History`. Defaults to `"weighted_mape"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = WeightedMAPE()
    >>> metric.update_state([100.0, 0.0, 50.0, 0.0], [110.0, 0.0, 40.0, 5.0])
    >>> round(float(metric.result()), 6)
    0.166667
    """

    _direction = "down"

    def __init__(self, name="weighted_mape", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.absolute_error = self._add_statistic("absolute_error")
        self.absolute_target = self._add_statistic("absolute_target")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _aligned(y_true, y_pred)
        weights = _weights_like(sample_weight, y_true)
        self._record(
            {
                "absolute_error": ops.sum(weights * ops.abs(y_true - y_pred)),
                "absolute_target": ops.sum(weights * ops.abs(y_true)),
            }
        )

    def _value(self, statistics):
        statistics = _widened(statistics)
        denominator = ops.maximum(statistics["absolute_target"], _PERCENTAGE_EPSILON)
        return ops.cast(statistics["absolute_error"] / denominator, self.dtype)
