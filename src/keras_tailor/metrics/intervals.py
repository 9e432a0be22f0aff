"""Streaming metrics for quantile predictions and the prediction intervals built from two of them.

`y_pred` has one column per predicted quantile, as for
`keras_tailor.losses.quantile.Pinball` with a list of quantiles. An interval
is the pair of columns at `lower_index` and `upper_index`, the lower and upper
bounds, and `y_true` has shape `(N,)` or `(N, 1)`. Every metric here keeps a
weighted sum and a sum of weights, aggregated across replicas with `"sum"`,
so batching and replicas give the value of the whole data set.
"""

import numbers

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor._streaming import WeightedMean
from keras_tailor.authoring import _spec, metric
from keras_tailor.losses import quantile

def _quantile_examples():
    """Return example `(y_true, y_pred)` for `keras_tailor.testing`: 32 targets and 4 increasing quantile columns.

    The columns sit at fixed offsets from a noisy center, so with
    `lower_index=1, upper_index=-2` the interval is the middle pair and with
    the defaults the outer pair, and some targets fall outside each.
    """
    rng = np.random.default_rng(21)
    y_true = rng.normal(size=(32, 1))
    center = y_true + rng.normal(scale=0.8, size=(32, 1))
    y_pred = center + np.asarray([[-1.6, -0.7, 0.7, 1.6]])
    return y_true.astype("float32"), y_pred.astype("float32")


PinballMetric = metric(
    quantile.pinball,
    direction="down",
    name="PinballMetric",
    package="keras_tailor",
    validate=quantile._validate_pinball,
    doc="""Streaming, sample-weighted mean of the per-sample pinball loss.

    Formula, with `l_i` the pinball loss of sample `i` (the mean over its
    quantile columns, see `keras_tailor.losses.quantile.pinball`) and `w_i`
    its weight:

        result = sum_i(w_i * l_i) / sum_i(w_i)

    over every batch since the last `reset_state`, which for one quantile is
    scikit-learn's `mean_pinball_loss(..., sample_weight=w, alpha=q)`. A
    metric that has seen no weight returns 0. Lower is better.

    Args:
        quantiles: a number in (0, 1), or a strictly increasing list of them,
            one per column of `y_pred`. Defaults to 0.5.
        name: the metric name, the key in `History`. Defaults to `"pinball"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = PinballMetric(quantiles=[0.25, 0.75])
    >>> metric.update_state([[2.0], [2.0]], [[1.0, 4.0], [2.0, 2.0]], sample_weight=[3.0, 1.0])
    >>> float(metric.result())
    0.28125
    """,
)


def _check_column_index(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"Invalid {name}: received {value!r} of type {type(value).__name__}, "
            "expected an integer column index of y_pred (negative counts from the end)."
        )


def _validate_interval_columns(lower_index=0, upper_index=-1):
    _check_column_index("lower_index", lower_index)
    _check_column_index("upper_index", upper_index)
    # Indices of opposite signs can only be compared once the column count is known.
    if (lower_index >= 0) == (upper_index >= 0) and lower_index > upper_index:
        raise ValueError(
            f"Invalid lower_index and upper_index: received lower_index={lower_index!r} and "
            f"upper_index={upper_index!r}, expected lower_index <= upper_index, because "
            "quantile columns are in increasing order."
        )


def _interval_bounds(y_true, y_pred, lower_index, upper_index):
    """Return the targets and the lower and upper bound columns, all of the shape of `y_pred` without its last axis."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not keras.backend.standardize_dtype(y_pred.dtype).startswith(("float", "bfloat")):
        y_pred = ops.cast(y_pred, keras.config.floatx())
    y_true = ops.cast(y_true, y_pred.dtype)
    true_shape = tuple(y_true.shape)
    pred_shape = tuple(y_pred.shape)
    shapes = (
        f"y_true.shape={_validation._format_shape(true_shape)} and "
        f"y_pred.shape={_validation._format_shape(pred_shape)}"
    )

    columns = pred_shape[-1] if pred_shape else 0
    if columns is not None:
        lower = lower_index + columns if lower_index < 0 else lower_index
        upper = upper_index + columns if upper_index < 0 else upper_index
        if not (0 <= lower < columns and 0 <= upper < columns):
            raise ValueError(
                f"lower_index={lower_index} and upper_index={upper_index} must both be column "
                f"indices of y_pred, which has {columns} columns, but received {shapes}."
            )
        if lower > upper:
            raise ValueError(
                f"lower_index={lower_index} selects column {lower}, which is after column {upper} "
                f"selected by upper_index={upper_index}, but received {shapes}. Pass indices of the "
                "lower and upper bound columns in that order."
            )

    if len(true_shape) == len(pred_shape) and true_shape[-1] in (1, None):
        y_true = ops.squeeze(y_true, axis=-1)
    aligned_shape = tuple(y_true.shape)
    compatible = len(aligned_shape) == len(pred_shape) - 1 and all(
        a is None or b is None or a == b for a, b in zip(aligned_shape, pred_shape[:-1])
    )
    if not compatible:
        raise ValueError(
            "y_true must have the shape of y_pred without its last axis, or that shape with a "
            f"trailing axis of size 1, but received {shapes}."
        )
    return y_true, y_pred[..., lower_index], y_pred[..., upper_index]


def interval_coverage(y_true, y_pred, lower_index=0, upper_index=-1):
    """Return 1 where the target lies in its closed prediction interval, else 0, per sample.

    Formula, with `l` and `u` the columns of `y_pred` at `lower_index` and
    `upper_index`:

        covered = 1 if l <= y <= u else 0

    Both ends count as inside. A zero-width interval (`l = u`, for example
    both indices naming the one column of a point prediction) covers only an
    exact hit, and a crossed interval (`l > u`) covers nothing.

    Args:
        y_true: targets of shape `(...)` or `(..., 1)`.
        y_pred: predicted quantiles of shape `(..., K)`.
        lower_index: the column of the lower bound. Defaults to 0, the first.
        upper_index: the column of the upper bound. Defaults to -1, the last.

    Returns:
        0.0 or 1.0 per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: an index is not an integer, is out of range for `y_pred`,
            or names a column after the other, or `y_true` does not have the
            shape of `y_pred` without its last axis (up to a trailing 1).

    Example:

    >>> [float(v) for v in interval_coverage([1.0, 5.0, -1.0, 2.0], [[0.0, 2.0]] * 4)]
    [1.0, 0.0, 0.0, 1.0]
    """
    _validate_interval_columns(lower_index, upper_index)
    y_true, lower, upper = _interval_bounds(y_true, y_pred, lower_index, upper_index)
    inside = ops.logical_and(ops.less_equal(lower, y_true), ops.less_equal(y_true, upper))
    return ops.cast(inside, lower.dtype)


@keras.saving.register_keras_serializable(package="keras_tailor")
class IntervalCoverage(WeightedMean):
    """Streaming, sample-weighted fraction of targets inside their prediction interval.

    Formula, with `l_i` and `u_i` the columns of `y_pred` at `lower_index`
    and `upper_index` for sample `i`, and `w_i` its weight:

        result = sum_i(w_i * 1{l_i <= y_i <= u_i}) / sum_i(w_i)

    For a central interval between the `alpha / 2` and `1 - alpha / 2`
    quantiles, a calibrated model covers a fraction `1 - alpha` of targets.
    A metric that has seen no weight returns 0.

    Direction: none is declared, because neither higher nor lower is better.
    Coverage is best at its nominal level, and 100% coverage is easy to reach
    with wide intervals. So `EarlyStopping` and `ModelCheckpoint` with
    `mode="auto"` raise for it in Keras 3.15.1 and ask for `mode="max"` or
    `"min"`. To select a model, monitor `IntervalScore`, which rewards both
    coverage and narrow intervals.

    Args:
        lower_index: the column of the lower bound. Defaults to 0.
        upper_index: the column of the upper bound. Defaults to -1, the last
            column. Negative indices count from the end; equal resolved
            indices give a zero-width interval.
        name: the metric name, the key in `History`. Defaults to `"interval_coverage"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Raises:
        ValueError: an index is not an integer, or both have one sign and
            `lower_index > upper_index`. Indices out of range for `y_pred`
            raise in `update_state`.

    Example:

    >>> metric = IntervalCoverage()
    >>> metric.update_state([1.0, 5.0, -1.0, 2.0], [[0.0, 0.5, 2.0]] * 4)
    >>> float(metric.result())
    0.5
    """

    # No `_direction` attribute on purpose: Keras 3.15.1 minimizes any metric
    # that has the attribute and is not "up", even when it is None.
    # `keras_tailor.testing` reads the reason below instead.
    _no_direction = "coverage is best at its nominal level, so monitor IntervalScore to select a model"

    def __init__(self, lower_index=0, upper_index=-1, name="interval_coverage", dtype=None):
        _validate_interval_columns(lower_index, upper_index)
        self._dtype_argument = dtype
        super().__init__(name=name, dtype=dtype)
        self.lower_index = int(lower_index)
        self.upper_index = int(upper_index)

    @staticmethod
    def example_inputs():
        """Return example `(y_true, y_pred)` for `keras_tailor.testing`: targets and 4 quantile columns."""
        return _quantile_examples()

    def update_state(self, y_true, y_pred, sample_weight=None):
        covered = interval_coverage(y_true, y_pred, self.lower_index, self.upper_index)
        self._accumulate(covered, sample_weight)

    def get_config(self):
        return {
            "lower_index": self.lower_index,
            "upper_index": self.upper_index,
            "name": self.name,
            "dtype": _spec.dtype_to_config(self._dtype_argument),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _validate_interval_score(alpha=0.1, lower_index=0, upper_index=-1):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(
            f"Invalid alpha: received {alpha!r}, expected a number in (0, 1), the probability "
            "outside the central interval (0.1 for a 90% interval)."
        )
    _validate_interval_columns(lower_index, upper_index)


def interval_score(y_true, y_pred, alpha=0.1, lower_index=0, upper_index=-1):
    """Compute the interval score of a central prediction interval per sample.

    Formula, with `l` and `u` the columns of `y_pred` at `lower_index` and
    `upper_index`, the `alpha / 2` and `1 - alpha / 2` quantiles:

        score = (u - l) + (2 / alpha) * (l - y) * 1{y < l}
                        + (2 / alpha) * (y - u) * 1{y > u}

    The width counts in full and each miss adds `2 / alpha` times its
    distance, so the expected score is lowest for the true quantiles (the
    score is proper).
    It is in the units of `y`, and it equals `2 / alpha` times the sum of the
    pinball losses of `l` at `alpha / 2` and of `u` at `1 - alpha / 2`. A
    crossed interval (`l > u`) is scored as given, at least
    `(l - u) * (2 / alpha - 1)`, which is positive. This is the score of one
    interval, not the weighted interval score over several.

    Args:
        y_true: targets of shape `(...)` or `(..., 1)`.
        y_pred: predicted quantiles of shape `(..., K)`.
        alpha: the probability outside the interval, a number in (0, 1).
            Defaults to 0.1, a 90% interval from the 0.05 and 0.95 quantiles.
        lower_index: the column of the lower bound. Defaults to 0.
        upper_index: the column of the upper bound. Defaults to -1, the last.

    Returns:
        The score per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `alpha` is not in (0, 1), or the indices or shapes are
            invalid as for `interval_coverage`.

    References:
        T. Gneiting and A. E. Raftery, "Strictly Proper Scoring Rules,
        Prediction, and Estimation", JASA 102(477), 2007.

    Example:

    >>> [float(v) for v in interval_score([1.0, 5.0, -1.0], [[0.0, 2.0]] * 3, alpha=0.5)]
    [2.0, 14.0, 6.0]
    """
    _validate_interval_score(alpha, lower_index, upper_index)
    y_true, lower, upper = _interval_bounds(y_true, y_pred, lower_index, upper_index)
    below = ops.maximum(lower - y_true, 0.0)
    above = ops.maximum(y_true - upper, 0.0)
    return (upper - lower) + (2.0 / alpha) * (below + above)


IntervalScore = metric(
    interval_score,
    direction="down",
    name="IntervalScore",
    package="keras_tailor",
    validate=_validate_interval_score,
    examples=_quantile_examples,
    doc="""Streaming, sample-weighted mean interval score of a central prediction interval.

    Formula, with `l_i` and `u_i` the columns of `y_pred` at `lower_index`
    and `upper_index`, the `alpha / 2` and `1 - alpha / 2` quantiles, and
    `w_i` the weight of sample `i`:

        s_i = (u_i - l_i) + (2 / alpha) * ((l_i - y_i) * 1{y_i < l_i}
                                           + (y_i - u_i) * 1{y_i > u_i})
        result = sum_i(w_i * s_i) / sum_i(w_i)

    over every batch since the last `reset_state`. Lower is better: narrow
    intervals score well only while they still cover. This is the interval
    score of Gneiting and Raftery (2007) for one interval, not the weighted
    interval score over several. A metric that has seen no weight returns 0.

    Args:
        alpha: the probability outside the interval, a number in (0, 1).
            Defaults to 0.1. Set it to match the quantile columns: columns for
            0.1 and 0.9 need `alpha=0.2`.
        lower_index: the column of the lower bound. Defaults to 0.
        upper_index: the column of the upper bound. Defaults to -1.
        name: the metric name, the key in `History`. Defaults to `"interval_score"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    References:
        T. Gneiting and A. E. Raftery, "Strictly Proper Scoring Rules,
        Prediction, and Estimation", JASA 102(477), 2007.

    Example:

    >>> metric = IntervalScore(alpha=0.5)
    >>> metric.update_state([[1.0], [5.0]], [[0.0, 2.0], [0.0, 2.0]], sample_weight=[3.0, 1.0])
    >>> float(metric.result())
    5.0
    """,
)
