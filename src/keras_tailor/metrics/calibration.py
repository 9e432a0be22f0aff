"""Calibration metrics: the expected calibration error and the Brier score, from sums over every batch.

Both metrics read the same inputs, with `N` samples:

- Binary: `y_pred` of shape `(N,)` or `(N, 1)` is the probability of class 1,
  or its logit with `from_logits=True`. `y_true` contains 0/1 class ids of
  shape `(N,)` or `(N, 1)`, or one-hot rows of shape `(N, 2)`.
- Multiclass: `y_pred` of shape `(N, C)`, with `C >= 2` known when the model
  is built, contains one probability per class, or logits with
  `from_logits=True`, which a softmax turns into probabilities. `y_true`
  contains class ids of shape `(N,)` or `(N, 1)`, or one-hot rows of shape
  `(N, C)`. A two-column `y_pred` is multiclass.

A one-hot row counts as its largest entry, so a soft label counts as its most
likely class. Float class ids must be whole numbers. Any other pair of shapes
raises `ValueError` naming both, and nothing is broadcast: a rank above 2, a
`y_true` whose last axis is neither 1 nor the number of classes, or different
sample counts.

Values are checked when they can be read, which means outside a compiled
function: eager TensorFlow, un-jitted JAX and eager PyTorch, which includes
`model.fit` on PyTorch. There, class ids outside `[0, C)` and, with
`from_logits=False`, probabilities outside `[0, 1]` raise `ValueError`. Inside
a compiled function (`model.fit` on TensorFlow and JAX) they cannot be read,
so an out-of-range class id counts as a class that no column of `y_pred`
predicts.

`sample_weight` is one weight per sample: a scalar, or a tensor of shape
`(N,)` or `(N, 1)`. A sample of weight `w` counts as `w` copies of it, so
integer weights give the value of the data set with repeated rows.
"""

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor._streaming import SummedStatistics, WeightedMean
from keras_tailor.metrics import _labels

__all__ = ["BrierScore", "ExpectedCalibrationError"]

NORMS = ("l1", "l2", "max")
_EXAMPLE_ROWS = 40
_EXAMPLE_CLASSES = 3


def _example_logits():
    """Return 40 integer labels of 3 classes and logits whose largest entry is right about 60% of the time.

    Logits, not probabilities: `keras_tailor.testing` builds these metrics with
    `from_logits=True`, the non-default value of that argument.
    """
    rng = np.random.default_rng(21)
    labels = rng.integers(0, _EXAMPLE_CLASSES, size=_EXAMPLE_ROWS)
    logits = rng.normal(scale=1.5, size=(_EXAMPLE_ROWS, _EXAMPLE_CLASSES))
    logits[np.arange(_EXAMPLE_ROWS), labels] += 1.0
    return labels.astype("int32"), logits.astype("float32")


# Reading labels and probabilities.


def _compute_dtype(tensor):
    """Return float64 for float64 input and float32 otherwise, so float16 input is not squared in float16."""
    return "float64" if keras.backend.standardize_dtype(tensor.dtype) == "float64" else "float32"


def _check_class_ids(tensor, num_classes, context):
    """Raise `ValueError` if the readable values of `tensor` are not whole numbers in `[0, num_classes)`."""
    original = _labels._concrete_value(tensor)
    if original is None or original.size == 0:
        return
    values = original.astype("float64")
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values >= num_classes)
    if bad.any():
        index = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"Invalid y_true: class ids must be whole numbers in [0, {num_classes}) {context}, but received "
            f"{original.ravel()[index].item()!r} at flat index {index}."
        )


def _check_probabilities(tensor):
    """Raise `ValueError` if the readable values of `tensor` are not all in `[0, 1]`."""
    original = _labels._concrete_value(tensor)
    if original is None or original.size == 0:
        return
    values = original.astype("float64")
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        index = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"Invalid y_pred: probabilities must be in [0, 1], but received {original.ravel()[index].item()!r} "
            f"at flat index {index}. Pass from_logits=True if y_pred contains logits."
        )


def _true_class_ids(y_true, y_pred, num_classes, binary):
    """Return the true class of each sample as an int32 tensor of shape `(N,)`, or raise on a wrong shape."""
    rank = len(y_true.shape)
    if rank == 2 and y_true.shape[-1] == num_classes:
        return _labels._first_largest_index(ops.cast(y_true, "float32"), num_classes)
    if rank == 1 or (rank == 2 and y_true.shape[-1] == 1):
        context = "for a single probability of class 1 per sample" if binary else f"for y_pred with {num_classes} columns"
        _check_class_ids(y_true, num_classes, context)
        y_true = _labels._squeeze_last(y_true)
        if _labels._is_float(y_true):
            y_true = ops.round(y_true)
        return ops.cast(y_true, "int32")
    raise _labels._shape_error(
        f"y_true must have shape (N,) or (N, 1) with class ids, or (N, {num_classes}) with one-hot rows, "
        f"for y_pred of this shape",
        y_true,
        y_pred,
        "Pass labels in one of these shapes.",
    )


def _read_inputs(y_true, y_pred, from_logits):
    """Return `(probabilities, true_ids)`: probabilities `(N,)` of class 1 when binary, else `(N, C)`.

    The probabilities are float32, or float64 for float64 predictions.
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_true.shape) == 0 or len(y_pred.shape) == 0 or len(y_pred.shape) > 2:
        raise _labels._shape_error(
            "y_true and y_pred must have one row per sample and y_pred a rank of 1 or 2",
            y_true,
            y_pred,
            "Pass (N,) or (N, 1) probabilities of class 1, or (N, C) probabilities of C classes.",
        )
    classes = 2 if len(y_pred.shape) == 1 else y_pred.shape[-1]
    if classes is None:
        raise _labels._shape_error(
            "the number of classes, the last axis of y_pred, must be known when the model is built",
            y_true,
            y_pred,
            "Give the model's output layer a fixed number of units.",
        )
    binary = len(y_pred.shape) == 1 or classes == 1
    classes = 2 if binary else classes
    _labels._check_sample_counts(
        y_true, y_pred, "y_true and y_pred must have the same number of samples", "Pass one label per prediction."
    )
    true_ids = _true_class_ids(y_true, y_pred, classes, binary)
    y_pred = ops.cast(y_pred, _compute_dtype(y_pred))
    if binary:
        y_pred = _labels._squeeze_last(y_pred)
        probabilities = ops.sigmoid(y_pred) if from_logits else y_pred
    else:
        probabilities = ops.softmax(y_pred, axis=-1) if from_logits else y_pred
    if not from_logits:
        _check_probabilities(probabilities)
    return probabilities, true_ids


def _sample_weights(sample_weight, probabilities):
    return _labels.sample_weights(sample_weight, ops.zeros((ops.shape(probabilities)[0],), probabilities.dtype), probabilities.dtype)


def _confidences_and_hits(probabilities, true_ids):
    """Return the confidence of each sample and a 0/1 hit that is 1 when the predicted event happened.

    Binary: the probability of class 1 and whether the label is 1. Multiclass:
    the largest probability (the top label) and whether that class, the lowest
    one on a tie, is the label.
    """
    if len(probabilities.shape) == 1:
        return probabilities, ops.cast(ops.equal(true_ids, 1), probabilities.dtype)
    classes = probabilities.shape[-1]
    predicted = _labels._first_largest_index(probabilities, classes)
    # A row with a NaN gets index `classes`. Clamping it keeps the gather in range and its confidence NaN.
    gather_index = ops.expand_dims(ops.minimum(predicted, classes - 1), -1)
    confidences = ops.squeeze(ops.take_along_axis(probabilities, gather_index, axis=-1), -1)
    return confidences, ops.cast(ops.equal(predicted, true_ids), probabilities.dtype)


# Metric classes.


@keras.saving.register_keras_serializable(package="keras_tailor")
class ExpectedCalibrationError(SummedStatistics):
    """Streaming expected calibration error: how far confidence is from accuracy, bin by bin.

    The confidences `c_i` are split into `num_bins` bins of equal width,
    `[0, 1/M), [1/M, 2/M), ..., [(M - 1)/M, 1]` with `M = num_bins`. Per bin
    `b`, with `w_i` the sample weights, the state sums

        n_b = sum_{i in b}(w_i), C_b = sum_{i in b}(w_i * c_i), A_b = sum_{i in b}(w_i * a_i)

    where `a_i` is 1 if the event whose probability is `c_i` happened, else 0.
    With `W = sum_b(n_b)`, the result for each `norm` is:

        "l1":  sum_b(|A_b - C_b|) / W                    (the usual ECE)
        "l2":  sqrt(sum_b((A_b - C_b)**2 / n_b) / W)
        "max": max_b(|A_b - C_b| / n_b)                  (the maximum calibration error)

    that is, the gaps between mean accuracy and mean confidence of each bin,
    weighted by the bin's share of the weight, or their maximum. Empty bins
    count as a gap of 0.

    For binary input, `c_i` is the probability of class 1 and `a_i` whether the
    label is 1, as in `torchmetrics.classification.BinaryCalibrationError`
    1.9.0. For multiclass input, `c_i` is the largest probability and `a_i`
    whether its class, the lowest class id on a tie, is the label (the
    top-label calibration error), as in `MulticlassCalibrationError` 1.9.0.
    Without sample weights the result equals those. The one difference is at a
    confidence of exactly 1.0: torchmetrics 1.9.0 puts it in a bin of its own
    after the last one, and this metric puts it in the last bin.

    With no samples, or only samples of weight 0, the result is 0. Lower is
    better. The module docstring lists the accepted shapes of `y_true` and
    `y_pred`.

    Args:
        num_bins: the number of bins of equal width over [0, 1], an integer
            >= 1. Defaults to 15.
        norm: `"l1"`, `"l2"` or `"max"`, as above. Defaults to `"l1"`.
        from_logits: whether `y_pred` contains logits rather than
            probabilities. Binary logits go through a sigmoid, multiclass
            logits through a softmax. Defaults to False.
        name: the metric name, the key in `History`. Defaults to
            `"expected_calibration_error"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = ExpectedCalibrationError(num_bins=5)
    >>> metric.update_state([0, 1, 1, 0, 1], [0.1, 0.8, 0.65, 0.4, 0.9])
    >>> round(float(metric.result()), 6)
    0.23
    """

    _direction = "down"

    def __init__(self, num_bins=15, norm="l1", from_logits=False, name="expected_calibration_error", dtype=None):
        self.num_bins = _validation.check_integer("num_bins", num_bins, 1)
        self.norm = _validation.check_choice("norm", norm, NORMS)
        self.from_logits = _validation.check_bool("from_logits", from_logits)
        super().__init__(name=name, dtype=dtype)
        self.bin_weight = self._add_statistic("bin_weight", (self.num_bins,))
        self.bin_confidence = self._add_statistic("bin_confidence", (self.num_bins,))
        self.bin_accuracy = self._add_statistic("bin_accuracy", (self.num_bins,))

    @staticmethod
    def example_inputs():
        """Return `(y_true, y_pred)` for `keras_tailor.testing`: integer labels of 3 classes and logits."""
        return _example_logits()

    def _bin_ids(self, confidences):
        """Return the bin of each confidence: how many of the inner edges 1/M, ..., (M - 1)/M it reaches.

        Comparing with the edges, rather than taking `floor(c * M)`, gives the
        same bin for a confidence on an edge whatever the rounding of `c * M`.
        Values below 0 fall in the first bin and values above 1 in the last.
        """
        edges = np.arange(1, self.num_bins, dtype="float64") / self.num_bins
        edges = ops.convert_to_tensor(edges, dtype=confidences.dtype)
        reached = ops.greater_equal(ops.expand_dims(confidences, -1), ops.expand_dims(edges, 0))
        return ops.sum(ops.cast(reached, "int32"), axis=-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        probabilities, true_ids = _read_inputs(y_true, y_pred, self.from_logits)
        confidences, hits = _confidences_and_hits(probabilities, true_ids)
        weights = _sample_weights(sample_weight, probabilities)
        # An elementwise product and a sum, not a matrix product, so that no
        # backend adds the weights in reduced precision (TF32 on NVIDIA GPUs).
        bins = ops.one_hot(self._bin_ids(confidences), self.num_bins, dtype=probabilities.dtype)
        weighted_bins = bins * ops.expand_dims(weights, -1)
        self._record(
            {
                "bin_weight": ops.sum(weighted_bins, axis=0),
                "bin_confidence": ops.sum(weighted_bins * ops.expand_dims(confidences, -1), axis=0),
                "bin_accuracy": ops.sum(weighted_bins * ops.expand_dims(hits, -1), axis=0),
            }
        )

    def _value(self, statistics):
        counts = statistics["bin_weight"]
        gaps = statistics["bin_accuracy"] - statistics["bin_confidence"]
        if self.norm == "l1":
            return ops.divide_no_nan(ops.sum(ops.abs(gaps)), ops.sum(counts))
        if self.norm == "l2":
            return ops.sqrt(ops.divide_no_nan(ops.sum(ops.divide_no_nan(gaps * gaps, counts)), ops.sum(counts)))
        return ops.max(ops.divide_no_nan(ops.abs(gaps), counts))

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "norm": self.norm, "from_logits": self.from_logits}


@keras.saving.register_keras_serializable(package="keras_tailor")
class BrierScore(WeightedMean):
    """Streaming Brier score: the weighted mean squared gap between predicted probabilities and outcomes.

    Formula, with `w_i` the weight of sample `i`. For binary input, with `p_i`
    the probability of class 1 and `y_i` the 0/1 label:

        brier = sum_i(w_i * (y_i - p_i)**2) / sum_i(w_i)

    which equals `sklearn.metrics.brier_score_loss(y_true, y_proba,
    sample_weight=...)` in scikit-learn 1.9.1, in [0, 1]. For multiclass input
    with `C` columns, `p_ik` the probability of class `k` and `o_ik` the
    one-hot label:

        brier = sum_i(w_i * sum_k((o_ik - p_ik)**2)) / sum_i(w_i)

    in [0, 2]. For `C >= 3` this equals scikit-learn 1.9.1's
    `brier_score_loss(y_true, y_proba, labels=range(C))`. For `C = 2` it is
    twice that value, and twice the binary score of the same predictions,
    because scikit-learn's default `scale_by_half="auto"` halves the sum when
    `y_proba` has fewer than 3 columns. It always equals
    `brier_score_loss(..., labels=range(C), scale_by_half=False)`.

    With no samples, or only samples of weight 0, the result is 0, where
    scikit-learn raises `ValueError`. Lower is better. The module docstring
    lists the accepted shapes of `y_true` and `y_pred`.

    Args:
        from_logits: whether `y_pred` contains logits rather than
            probabilities. Binary logits go through a sigmoid, multiclass
            logits through a softmax. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"brier_score"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = BrierScore()
    >>> metric.update_state([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])
    >>> round(float(metric.result()), 6)
    0.0375
    """

    _direction = "down"

    def __init__(self, from_logits=False, name="brier_score", dtype=None):
        self.from_logits = _validation.check_bool("from_logits", from_logits)
        super().__init__(name=name, dtype=dtype)

    @staticmethod
    def example_inputs():
        """Return `(y_true, y_pred)` for `keras_tailor.testing`: integer labels of 3 classes and logits."""
        return _example_logits()

    def update_state(self, y_true, y_pred, sample_weight=None):
        probabilities, true_ids = _read_inputs(y_true, y_pred, self.from_logits)
        if len(probabilities.shape) == 1:
            squared_errors = ops.square(ops.cast(true_ids, probabilities.dtype) - probabilities)
        else:
            outcomes = ops.one_hot(true_ids, probabilities.shape[-1], dtype=probabilities.dtype)
            squared_errors = ops.sum(ops.square(outcomes - probabilities), axis=-1)
        self._accumulate(squared_errors, _sample_weights(sample_weight, probabilities))

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}
