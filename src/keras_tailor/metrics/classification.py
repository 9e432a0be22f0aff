"""Classification metrics computed from one confusion matrix summed over every batch.

Each metric here keeps a single state variable: a confusion matrix of summed
sample weights, added with `aggregation="sum"`. Counts add across batches and
replicas, so any split of the data gives the value of the whole set, and
`result()` is a pure function of the matrix. `keras_tailor.metrics._labels`
documents the accepted inputs: class ids, one-hot rows, probabilities, logits,
or one probability of class 1 per sample.

The formulas follow scikit-learn 1.9.1 (`sklearn.metrics`). Every value that
scikit-learn leaves undefined or sets with `zero_division` is 0 here, and so is
every scalar result with no samples or only samples of weight 0, where
scikit-learn raises `ValueError`. Each class documents its cases. Counts of unit weights are exact in float32 up to 2**24
(about 16.8 million) per cell. Pass `dtype="float64"` for larger totals on
TensorFlow, or on JAX with `jax_enable_x64` set.
"""

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor._streaming import SummedStatistics
from keras_tailor.metrics import _labels

__all__ = [
    "BalancedAccuracy",
    "CohenKappa",
    "ConfusionMatrix",
    "FBeta",
    "HammingLoss",
    "MatthewsCorrelation",
    "MultiLabelConfusionMatrix",
    "Precision",
    "Recall",
]

AVERAGES = ("micro", "macro", "weighted", None)
WEIGHTAGES = (None, "linear", "quadratic")
MODES = ("multiclass", "multilabel")
_EXAMPLE_ROWS = 40
_EXAMPLE_CLASSES = 3
_EXAMPLE_LABELS = 3


def _single_label_example():
    """Return 40 integer labels of 3 classes and softmax probabilities that are right about 60% of the time."""
    rng = np.random.default_rng(11)
    labels = rng.integers(0, _EXAMPLE_CLASSES, size=_EXAMPLE_ROWS)
    logits = rng.normal(size=(_EXAMPLE_ROWS, _EXAMPLE_CLASSES))
    logits[np.arange(_EXAMPLE_ROWS), labels] += 1.0
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return labels.astype("int32"), probabilities.astype("float32")


def _multilabel_example():
    """Return 40 rows of 3 indicator labels and logits that lean towards them.

    Logits, not probabilities: `keras_tailor.testing` builds the metric with
    `from_logits=True` (a non-default value) and `threshold=0.25`, where
    probabilities, all above the logit cut of -1.1, would count as positive.
    """
    rng = np.random.default_rng(12)
    labels = rng.integers(0, 2, size=(_EXAMPLE_ROWS, _EXAMPLE_LABELS))
    logits = rng.normal(size=(_EXAMPLE_ROWS, _EXAMPLE_LABELS)) + 3.0 * (labels - 0.5)
    return labels.astype("int32"), logits.astype("float32")


# Formulas on a confusion matrix whose rows are true classes and columns predicted ones.


def _shares(totals):
    """Return `totals / sum(totals)`, or zeros when the sum is 0.

    Dividing by the sum of the same vector gives exactly 1.0 to a class with
    every sample, so the degenerate cases below compare equal to 0 exactly.
    """
    return ops.divide_no_nan(totals, ops.sum(totals))


def _disagreement_weights(num_classes, weightage, dtype):
    rows, columns = np.meshgrid(np.arange(num_classes), np.arange(num_classes), indexing="ij")
    if weightage == "linear":
        weights = np.abs(rows - columns)
    elif weightage == "quadratic":
        weights = (rows - columns) ** 2
    else:
        weights = (rows != columns).astype("int64")
    return ops.convert_to_tensor(weights, dtype=dtype)


def _cohen_kappa(matrix, weightage):
    # Shares of the total, not counts, keep every product below 1 in float32.
    # scikit-learn multiplies counts, which grow as the square of the total.
    observed = _shares(ops.reshape(matrix, (-1,)))
    expected = ops.reshape(ops.outer(_shares(ops.sum(matrix, axis=1)), _shares(ops.sum(matrix, axis=0))), (-1,))
    weights = ops.reshape(_disagreement_weights(matrix.shape[0], weightage, matrix.dtype), (-1,))
    observed_disagreement = ops.sum(weights * observed)
    expected_disagreement = ops.sum(weights * expected)
    return ops.divide_no_nan(expected_disagreement - observed_disagreement, expected_disagreement)


def _matthews_correlation(matrix):
    true_shares = _shares(ops.sum(matrix, axis=1))
    predicted_shares = _shares(ops.sum(matrix, axis=0))
    accuracy = ops.divide_no_nan(ops.trace(matrix), ops.sum(matrix))
    covariance = accuracy - ops.sum(true_shares * predicted_shares)
    true_variance = 1.0 - ops.sum(true_shares * true_shares)
    predicted_variance = 1.0 - ops.sum(predicted_shares * predicted_shares)
    # Rounding can leave a variance a few ulps below 0, where the square root would be NaN.
    scale = ops.sqrt(ops.maximum(true_variance * predicted_variance, 0.0))
    return ops.divide_no_nan(covariance, scale)


def _balanced_accuracy(matrix):
    support = ops.sum(matrix, axis=1)
    recall = ops.divide_no_nan(ops.diagonal(matrix), support)
    present = ops.cast(ops.greater(support, 0), matrix.dtype)
    return ops.divide_no_nan(ops.sum(recall), ops.sum(present))


def _averaged(matrix, average, score):
    """Return `score(true_positives, predicted, support)` per class, or its average of kind `average`."""
    true_positives = ops.diagonal(matrix)
    predicted = ops.sum(matrix, axis=0)
    support = ops.sum(matrix, axis=1)
    if average == "micro":
        return score(ops.sum(true_positives), ops.sum(predicted), ops.sum(support))
    per_class = score(true_positives, predicted, support)
    if average == "macro":
        return ops.mean(per_class)
    if average == "weighted":
        return ops.divide_no_nan(ops.sum(per_class * support), ops.sum(support))
    return per_class


def _precision(true_positives, predicted, support):
    return ops.divide_no_nan(true_positives, predicted)


def _recall(true_positives, predicted, support):
    return ops.divide_no_nan(true_positives, support)


def _f_beta(true_positives, predicted, support, beta):
    beta_squared = beta * beta
    return ops.divide_no_nan((1.0 + beta_squared) * true_positives, beta_squared * support + predicted)


def _copy_of_state(matrix):
    """Return a copy of the state matrix, so that a later update cannot change a result already returned.

    On TensorFlow and PyTorch a variable's value can share memory with it. Keras
    3.15.1 keeps each epoch's result in `History` as a numpy array, so without
    the copy the validation pass, which reuses the metric, overwrites the
    training matrix recorded there.
    """
    return ops.copy(matrix)


# Metric classes.


class _ConfusionState(SummedStatistics):
    """Base of the metrics here: one summed matrix of sample weights, and a result computed from it alone.

    Subclasses define `_counts(y_true, y_pred, sample_weight)`, which returns
    one batch's matrix, and `_value_of_matrix(matrix)`.
    """

    def __init__(self, shape, threshold, from_logits, name, dtype):
        self.threshold = _validation.check_open_unit_interval("threshold", threshold)
        self.from_logits = _validation.check_bool("from_logits", from_logits)
        super().__init__(name=name, dtype=dtype)
        self.confusion_matrix = self._add_statistic("confusion_matrix", shape)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._record({"confusion_matrix": self._counts(y_true, y_pred, sample_weight)})

    def _value(self, statistics):
        return self._value_of_matrix(statistics["confusion_matrix"])

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold, "from_logits": self.from_logits}


class _SingleLabelMetric(_ConfusionState):
    """Base of the single-label metrics: a `(num_classes, num_classes)` matrix, rows true, columns predicted."""

    def __init__(self, num_classes, threshold, from_logits, name, dtype):
        self.num_classes = _validation.check_integer("num_classes", num_classes, 2)
        super().__init__((self.num_classes, self.num_classes), threshold, from_logits, name, dtype)

    @staticmethod
    def example_arguments():
        """Return constructor arguments for `keras_tailor.testing`, which cannot choose a class count."""
        return {"num_classes": _EXAMPLE_CLASSES}

    @staticmethod
    def example_inputs():
        """Return `(y_true, y_pred)` for `keras_tailor.testing`: integer labels and softmax probabilities."""
        return _single_label_example()

    def _counts(self, y_true, y_pred, sample_weight):
        true_ids, pred_ids = _labels.class_ids(y_true, y_pred, self.num_classes, self.threshold, self.from_logits)
        return _labels.confusion_counts(true_ids, pred_ids, self.num_classes, sample_weight, self.dtype)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


class _MultiLabelMetric(_ConfusionState):
    """Base of the multilabel metrics: a `(num_labels, 2, 2)` matrix `[[tn, fp], [fn, tp]]` per label."""

    def __init__(self, num_labels, threshold, from_logits, name, dtype):
        self.num_labels = _validation.check_integer("num_labels", num_labels, 1)
        super().__init__((self.num_labels, 2, 2), threshold, from_logits, name, dtype)

    @staticmethod
    def example_arguments():
        """Return constructor arguments for `keras_tailor.testing`, which cannot choose a label count."""
        return {"num_labels": _EXAMPLE_LABELS}

    @staticmethod
    def example_inputs():
        """Return `(y_true, y_pred)` for `keras_tailor.testing`: 0/1 indicators and logits."""
        return _multilabel_example()

    def _counts(self, y_true, y_pred, sample_weight):
        truth, predicted = _labels.label_decisions(y_true, y_pred, self.num_labels, self.threshold, self.from_logits)
        return _labels.multilabel_counts(truth, predicted, sample_weight, self.dtype)

    def get_config(self):
        return {**super().get_config(), "num_labels": self.num_labels}


@keras.saving.register_keras_serializable(package="keras_tailor")
class ConfusionMatrix(_SingleLabelMetric):
    """Streaming confusion matrix of summed sample weights.

    Formula, with `t_i` the true class of sample `i`, `p_i` its predicted
    class and `w_i` its weight:

        result[j, k] = sum_i(w_i * [t_i == j and p_i == k])

    Rows are true classes and columns predicted classes, as in
    `sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(num_classes))`.
    The result is all zeros before any update. Keras 3.15.1 has no
    confusion-matrix metric: `keras.metrics.MeanIoU` keeps one but returns
    only the IoU. A matrix is neither better nor worse than another, so this
    metric declares no direction, and `EarlyStopping` cannot monitor it.

    Args:
        num_classes: the number of classes, an integer >= 2.
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"confusion_matrix"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = ConfusionMatrix(num_classes=3)
    >>> metric.update_state([0, 1, 2, 2], [0, 2, 2, 1], sample_weight=[1.0, 2.0, 0.5, 1.0])
    >>> keras.ops.convert_to_numpy(metric.result()).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 1.0, 0.5]]
    """

    _direction = None

    def __init__(self, num_classes, threshold=0.5, from_logits=False, name="confusion_matrix", dtype=None):
        super().__init__(num_classes, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _copy_of_state(matrix)


@keras.saving.register_keras_serializable(package="keras_tailor")
class CohenKappa(_SingleLabelMetric):
    """Streaming Cohen's kappa, unweighted or with linear or quadratic disagreement weights.

    Formula, with `c` the confusion matrix divided by its total, `e` the outer
    product of its row and column sums (the agreement expected by chance), and
    `W[j, k]` the disagreement weight: `[j != k]`, `|j - k|` (linear) or
    `(j - k)**2` (quadratic):

        kappa = 1 - sum(W * c) / sum(W * e)

    which is `(p_o - p_e) / (1 - p_e)` when unweighted. This equals
    `sklearn.metrics.cohen_kappa_score(y_true, y_pred, weights=weightage,
    sample_weight=...)` in scikit-learn 1.9.1. When `y_true` and `y_pred`
    contain one and the same single class, kappa is undefined, and the result
    is 0, where scikit-learn returns its `replace_undefined_by` value (NaN
    unless set). With no samples, or only samples of weight 0, the result is
    0, where scikit-learn raises `ValueError`. Higher is better, up to 1.

    Replaces `tfa.metrics.CohenKappa` of the deprecated TensorFlow Addons, which
    runs on TensorFlow only. Keras 3.15.1 has no kappa metric.

    Args:
        num_classes: the number of classes, an integer >= 2.
        weightage: None, `"linear"` or `"quadratic"`: how far apart two
            classes are, for ordinal classes. Defaults to None (all
            disagreements weigh 1).
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"cohen_kappa"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = CohenKappa(num_classes=3, weightage="quadratic")
    >>> metric.update_state([0, 1, 2, 2, 1], [0, 2, 2, 1, 1])
    >>> round(float(metric.result()), 6)
    0.642857
    """

    _direction = "up"

    def __init__(
        self, num_classes, weightage=None, threshold=0.5, from_logits=False, name="cohen_kappa", dtype=None
    ):
        self.weightage = _validation.check_choice("weightage", weightage, WEIGHTAGES)
        super().__init__(num_classes, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _cohen_kappa(matrix, self.weightage)

    def get_config(self):
        return {**super().get_config(), "weightage": self.weightage}


@keras.saving.register_keras_serializable(package="keras_tailor")
class MatthewsCorrelation(_SingleLabelMetric):
    """Streaming Matthews correlation coefficient, binary and multiclass.

    Formula, with `t` and `p` the true and predicted class shares (row and
    column sums of the confusion matrix divided by its total) and `a` the
    weighted accuracy (its trace divided by its total):

        mcc = (a - sum(t * p)) / sqrt((1 - sum(t * t)) * (1 - sum(p * p)))

    This is the multiclass generalisation that `sklearn.metrics.matthews_corrcoef`
    computes in scikit-learn 1.9.1, whose documentation cites Gorodkin (2004),
    "Comparing two K-category assignments by a K-category correlation
    coefficient". With two classes it is the phi coefficient
    `(tp * tn - fp * fn) / sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn))`. When
    all true or all predicted classes are the same, the denominator is 0 and
    the result is 0, as scikit-learn returns. With no samples, or only samples
    of weight 0, the result is 0, where scikit-learn raises `ValueError`.
    Higher is better, from -1 to 1.

    Replaces `tfa.metrics.MatthewsCorrelationCoefficient` of the deprecated
    TensorFlow Addons, which runs on TensorFlow only. Keras 3.15.1 has none.

    Args:
        num_classes: the number of classes, an integer >= 2.
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"matthews_correlation"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = MatthewsCorrelation(num_classes=2)
    >>> metric.update_state([[0], [1], [1], [0], [1]], [[0.2], [0.9], [0.4], [0.7], [0.8]])
    >>> round(float(metric.result()), 6)
    0.166667
    """

    _direction = "up"

    def __init__(self, num_classes, threshold=0.5, from_logits=False, name="matthews_correlation", dtype=None):
        super().__init__(num_classes, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _matthews_correlation(matrix)


@keras.saving.register_keras_serializable(package="keras_tailor")
class BalancedAccuracy(_SingleLabelMetric):
    """Streaming balanced accuracy: the mean recall over the classes present in `y_true`.

    Formula, with `M` the confusion matrix, `s_j = sum_k(M[j, k])` the
    weighted support of class `j`, and `J` the classes with `s_j > 0`:

        balanced_accuracy = mean over j in J of M[j, j] / s_j

    This equals `sklearn.metrics.balanced_accuracy_score(y_true, y_pred,
    sample_weight=...)` in scikit-learn 1.9.1, which also leaves out classes
    that occur only in `y_pred`. With no samples, or only samples of weight 0,
    the result is 0, where scikit-learn raises `ValueError`. Higher is better,
    up to 1.

    Keras 3.15.1 has no balanced accuracy metric.

    Args:
        num_classes: the number of classes, an integer >= 2.
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"balanced_accuracy"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = BalancedAccuracy(num_classes=3)
    >>> metric.update_state([0, 0, 0, 1, 2], [0, 0, 1, 1, 0])
    >>> round(float(metric.result()), 6)
    0.555556
    """

    _direction = "up"

    def __init__(self, num_classes, threshold=0.5, from_logits=False, name="balanced_accuracy", dtype=None):
        super().__init__(num_classes, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _balanced_accuracy(matrix)


class _AveragedScore(_SingleLabelMetric):
    """Base of precision, recall and F-beta: a per-class score and its average."""

    def __init__(self, num_classes, average, threshold, from_logits, name, dtype):
        self.average = _validation.check_choice("average", average, AVERAGES)
        super().__init__(num_classes, threshold, from_logits, name, dtype)

    def get_config(self):
        return {**super().get_config(), "average": self.average}




@keras.saving.register_keras_serializable(package="keras_tailor")
class Precision(_AveragedScore):
    """Streaming multiclass precision: of the samples predicted as a class, the weighted share that are it.

    Formula per class `j`, with `M` the confusion matrix:

        precision_j = M[j, j] / sum_i(M[i, j])

    `average` selects how the per-class values combine, as in
    `sklearn.metrics.precision_recall_fscore_support(y_true, y_pred,
    labels=range(num_classes), average=..., zero_division=0)` in scikit-learn 1.9.1:

    - `"micro"`: the score of the counts summed over classes. Each sample has
      one true and one predicted class, so micro precision, recall and F-beta
      all equal the weighted accuracy.
    - `"macro"`: the unweighted mean over all `num_classes` classes. A class
      with no true and no predicted samples counts as 0. scikit-learn does the
      same when `labels` lists every class, but with `labels=None` it leaves out
      classes absent from both `y_true` and `y_pred`.
    - `"weighted"`: the mean weighted by each class's support in `y_true`.
    - None: one value per class, a tensor of shape `(num_classes,)`.

    Every division by 0 gives 0, scikit-learn's `zero_division=0`, so the
    result is 0 before any update.

    Corrects `keras.metrics.Precision` in Keras 3.15.1, which thresholds every
    column of `y_pred` on its own, so softmax probabilities of three or more
    classes are not read as one predicted class per sample.

    Args:
        num_classes: the number of classes, an integer >= 2.
        average: `"micro"`, `"macro"`, `"weighted"` or None, as above.
            Defaults to `"micro"`.
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"precision"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = Precision(num_classes=3, average="macro")
    >>> metric.update_state([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    >>> round(float(metric.result()), 6)
    0.888889
    """

    _direction = "up"

    def __init__(self, num_classes, average="micro", threshold=0.5, from_logits=False, name="precision", dtype=None):
        super().__init__(num_classes, average, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _averaged(matrix, self.average, _precision)


@keras.saving.register_keras_serializable(package="keras_tailor")
class Recall(_AveragedScore):
    """Streaming multiclass recall: of the samples of a class, the weighted share predicted as it.

    Formula per class `j`, with `M` the confusion matrix:

        recall_j = M[j, j] / sum_k(M[j, k])

    `average` selects how the per-class values combine, as in
    `sklearn.metrics.precision_recall_fscore_support(y_true, y_pred,
    labels=range(num_classes), average=..., zero_division=0)` in scikit-learn 1.9.1:

    - `"micro"`: the score of the counts summed over classes. Each sample has
      one true and one predicted class, so micro precision, recall and F-beta
      all equal the weighted accuracy.
    - `"macro"`: the unweighted mean over all `num_classes` classes. A class
      with no true and no predicted samples counts as 0. scikit-learn does the
      same when `labels` lists every class, but with `labels=None` it leaves out
      classes absent from both `y_true` and `y_pred`.
    - `"weighted"`: the mean weighted by each class's support in `y_true`.
    - None: one value per class, a tensor of shape `(num_classes,)`.

    Every division by 0 gives 0, scikit-learn's `zero_division=0`, so the
    result is 0 before any update.

    Corrects `keras.metrics.Recall` in Keras 3.15.1, which thresholds every
    column of `y_pred` on its own, so softmax probabilities of three or more
    classes are not read as one predicted class per sample.

    Args:
        num_classes: the number of classes, an integer >= 2.
        average: `"micro"`, `"macro"`, `"weighted"` or None, as above.
            Defaults to `"micro"`.
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"recall"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = Recall(num_classes=3, average="macro")
    >>> metric.update_state([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    >>> round(float(metric.result()), 6)
    0.833333
    """

    _direction = "up"

    def __init__(self, num_classes, average="micro", threshold=0.5, from_logits=False, name="recall", dtype=None):
        super().__init__(num_classes, average, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _averaged(matrix, self.average, _recall)


@keras.saving.register_keras_serializable(package="keras_tailor")
class FBeta(_AveragedScore):
    """Streaming multiclass F-beta score, the weighted harmonic mean of precision and recall.

    Formula per class `j`, with `tp_j = M[j, j]`, `s_j` its support (row sum)
    and `q_j` its predicted count (column sum):

        f_beta_j = (1 + beta**2) * tp_j / (beta**2 * s_j + q_j)

    which is `(1 + beta**2) * P * R / (beta**2 * P + R)` with `P` and `R` the
    class's precision and recall. `beta=1` gives F1.

    `average` selects how the per-class values combine, as in
    `sklearn.metrics.precision_recall_fscore_support(y_true, y_pred,
    labels=range(num_classes), average=..., zero_division=0)` in scikit-learn 1.9.1:

    - `"micro"`: the score of the counts summed over classes. Each sample has
      one true and one predicted class, so micro precision, recall and F-beta
      all equal the weighted accuracy.
    - `"macro"`: the unweighted mean over all `num_classes` classes. A class
      with no true and no predicted samples counts as 0. scikit-learn does the
      same when `labels` lists every class, but with `labels=None` it leaves out
      classes absent from both `y_true` and `y_pred`.
    - `"weighted"`: the mean weighted by each class's support in `y_true`.
    - None: one value per class, a tensor of shape `(num_classes,)`.

    Every division by 0 gives 0, scikit-learn's `zero_division=0`, so the
    result is 0 before any update.

    Corrects `keras.metrics.FBetaScore` and `keras.metrics.F1Score` in Keras
    3.15.1: they raise on `(N,)` integer labels and broadcast `(N, 1)` integer
    labels against `(N, C)` predictions into a wrong value, where this metric
    reads class ids of either shape.

    Args:
        num_classes: the number of classes, an integer >= 2.
        beta: the weight of recall relative to precision, a finite number > 0.
            Defaults to 1.0.
        average: `"micro"`, `"macro"`, `"weighted"` or None, as above.
            Defaults to `"micro"`.
        threshold: for a single float prediction per sample with
            `num_classes=2`, the probability above which the sample is class 1.
            A number in (0, 1). Defaults to 0.5.
        from_logits: whether a single float prediction per sample is a logit
            rather than a probability. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"f_beta"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = FBeta(num_classes=3, beta=2.0, average=None)
    >>> metric.update_state([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    >>> [round(v, 6) for v in keras.ops.convert_to_numpy(metric.result()).tolist()]
    [1.0, 0.555556, 0.909091]
    """

    _direction = "up"

    def __init__(
        self, num_classes, beta=1.0, average="micro", threshold=0.5, from_logits=False, name="f_beta", dtype=None
    ):
        self.beta = float(_validation.check_positive("beta", beta))
        super().__init__(num_classes, average, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _averaged(matrix, self.average, lambda tp, predicted, support: _f_beta(tp, predicted, support, self.beta))

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


@keras.saving.register_keras_serializable(package="keras_tailor")
class HammingLoss(_ConfusionState):
    """Streaming Hamming loss: the weighted share of wrong labels.

    Formula, with `w_i` the weight of sample `i`. For `mode="multiclass"`,
    with `t_i` and `p_i` its true and predicted class:

        hamming_loss = sum_i(w_i * [t_i != p_i]) / sum_i(w_i)

    which is 1 minus the weighted accuracy. For `mode="multilabel"`, with `L`
    labels and `t_il`, `p_il` the true and predicted 0/1 decisions:

        hamming_loss = sum_i(w_i * sum_l([t_il != p_il])) / (L * sum_i(w_i))

    Both equal `sklearn.metrics.hamming_loss(y_true, y_pred, sample_weight=...)`
    in scikit-learn 1.9.1. With no samples, or only samples of weight 0, the
    result is 0, where scikit-learn raises `ValueError`. Lower is better.

    Replaces `tfa.metrics.HammingLoss` of the deprecated TensorFlow Addons,
    which runs on TensorFlow only. Keras 3.15.1 has none.

    Args:
        mode: `"multiclass"` (one class per sample, needs `num_classes`) or
            `"multilabel"` (independent 0/1 labels, needs `num_labels`).
            Defaults to `"multiclass"`.
        num_classes: for `mode="multiclass"`, the number of classes, an
            integer >= 2. Must be None for `"multilabel"`.
        num_labels: for `mode="multilabel"`, the number of labels, an integer
            >= 1. Must be None for `"multiclass"`.
        threshold: the probability above which a single float prediction (in
            multiclass mode with `num_classes=2`) or a multilabel prediction is
            positive. A number in (0, 1). Defaults to 0.5.
        from_logits: whether those predictions are logits rather than
            probabilities. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"hamming_loss"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Raises:
        ValueError: an invalid argument, or a count given for the other mode.

    Example:

    >>> metric = HammingLoss(mode="multilabel", num_labels=3)
    >>> metric.update_state([[1, 0, 1], [0, 1, 0]], [[0.8, 0.2, 0.4], [0.1, 0.7, 0.9]])
    >>> round(float(metric.result()), 6)
    0.333333
    """

    _direction = "down"

    def __init__(
        self,
        mode="multiclass",
        num_classes=None,
        num_labels=None,
        threshold=0.5,
        from_logits=False,
        name="hamming_loss",
        dtype=None,
    ):
        self.mode = _validation.check_choice("mode", mode, MODES)
        if mode == "multiclass":
            _reject_other_count("num_labels", num_labels, mode)
            self.num_classes = _validation.check_integer("num_classes", num_classes, 2)
            self.num_labels = None
            shape = (self.num_classes, self.num_classes)
        else:
            _reject_other_count("num_classes", num_classes, mode)
            self.num_labels = _validation.check_integer("num_labels", num_labels, 1)
            self.num_classes = None
            shape = (self.num_labels, 2, 2)
        super().__init__(shape, threshold, from_logits, name, dtype)

    @staticmethod
    def example_arguments():
        """Return constructor arguments for `keras_tailor.testing`, which cannot choose a class count."""
        return {"num_classes": _EXAMPLE_CLASSES}

    @staticmethod
    def example_inputs():
        """Return `(y_true, y_pred)` for `keras_tailor.testing`, multiclass like `example_arguments()`."""
        return _single_label_example()

    def _counts(self, y_true, y_pred, sample_weight):
        if self.mode == "multiclass":
            true_ids, pred_ids = _labels.class_ids(y_true, y_pred, self.num_classes, self.threshold, self.from_logits)
            return _labels.confusion_counts(true_ids, pred_ids, self.num_classes, sample_weight, self.dtype)
        truth, predicted = _labels.label_decisions(y_true, y_pred, self.num_labels, self.threshold, self.from_logits)
        return _labels.multilabel_counts(truth, predicted, sample_weight, self.dtype)

    def _value_of_matrix(self, matrix):
        if self.mode == "multiclass":
            return ops.divide_no_nan(ops.sum(matrix) - ops.trace(matrix), ops.sum(matrix))
        # Each label's 2x2 matrix counts every sample once, so the total is L * sum(w_i).
        wrong = ops.sum(matrix[:, 0, 1]) + ops.sum(matrix[:, 1, 0])
        return ops.divide_no_nan(wrong, ops.sum(matrix))

    def get_config(self):
        return {
            **super().get_config(),
            "mode": self.mode,
            "num_classes": self.num_classes,
            "num_labels": self.num_labels,
        }


def _reject_other_count(name, value, mode):
    if value is not None:
        raise ValueError(f"Invalid {name}: received {value!r}, expected None because mode={mode!r} does not use it.")


@keras.saving.register_keras_serializable(package="keras_tailor")
class MultiLabelConfusionMatrix(_MultiLabelMetric):
    """Streaming confusion matrix per label, `[[tn, fp], [fn, tp]]` of summed sample weights.

    Formula for label `l`, with `t_il` and `p_il` the true and predicted 0/1
    decisions of sample `i` and `w_i` its weight:

        result[l] = [[sum_i(w_i * (1 - t_il) * (1 - p_il)), sum_i(w_i * (1 - t_il) * p_il)],
                     [sum_i(w_i * t_il * (1 - p_il)),       sum_i(w_i * t_il * p_il)]]

    This equals `sklearn.metrics.multilabel_confusion_matrix(y_true, y_pred,
    sample_weight=...)` in scikit-learn 1.9.1. The result is all zeros before
    any update. A matrix is neither better nor worse than another, so this
    metric declares no direction, and `EarlyStopping` cannot monitor it.

    Replaces `tfa.metrics.MultiLabelConfusionMatrix` of the deprecated
    TensorFlow Addons, which runs on TensorFlow only. Keras 3.15.1 has none.

    Args:
        num_labels: the number of labels, an integer >= 1.
        threshold: the probability above which a prediction is positive. A
            number in (0, 1). Defaults to 0.5.
        from_logits: whether the predictions are logits rather than
            probabilities. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"multilabel_confusion_matrix"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = MultiLabelConfusionMatrix(num_labels=2)
    >>> metric.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.3], [0.6, 0.2], [0.7, 0.8]])
    >>> keras.ops.convert_to_numpy(metric.result()).tolist()
    [[[0.0, 1.0], [0.0, 2.0]], [[1.0, 0.0], [1.0, 1.0]]]
    """

    _direction = None

    def __init__(self, num_labels, threshold=0.5, from_logits=False, name="multilabel_confusion_matrix", dtype=None):
        super().__init__(num_labels, threshold, from_logits, name, dtype)

    def _value_of_matrix(self, matrix):
        return _copy_of_state(matrix)
