"""Confusion-matrix metrics of `keras_tailor.metrics.classification`, against scikit-learn.

Every reference value comes from scikit-learn 1.9.1 (`sklearn/metrics/_classification.py`),
named beside each use, or from a hand-worked number. No expected value comes
from the metrics themselves.
"""

import inspect
import json
import warnings

import keras
import numpy as np
import pytest
import sklearn
from conftest import to_numpy
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from keras_tailor.metrics.classification import (
    BalancedAccuracy,
    CohenKappa,
    ConfusionMatrix,
    FBeta,
    HammingLoss,
    MatthewsCorrelation,
    MultiLabelConfusionMatrix,
    Precision,
    Recall,
)
from keras_tailor.testing import check_components, checks_for

CLASSES = 4
LABELS = 3
ROWS = 37
# Uneven batches, with batches of one at both ends and in the middle.
SPLITS = ([ROWS], [1, 1, 7, 1, 12, 15], [1] * 6 + [31])
# JAX without jax_enable_x64 warns that it stores a dtype="float64" metric in float32.
JAX_FLOAT64_WARNING = pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")
ALL_METRICS = (
    ConfusionMatrix,
    CohenKappa,
    MatthewsCorrelation,
    BalancedAccuracy,
    Precision,
    Recall,
    FBeta,
    HammingLoss,
    MultiLabelConfusionMatrix,
)


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))


def multiclass_data(rows=ROWS, classes=CLASSES, seed=0):
    """Return integer labels, logits that are right about half the time, and weights with two zeros."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=rows)
    logits = rng.normal(size=(rows, classes))
    logits[np.arange(rows), labels] += 1.0
    weights = rng.uniform(0.1, 2.0, size=rows)
    weights[[3, 11]] = 0.0
    return labels.astype("int32"), logits.astype("float32"), weights.astype("float32")


def multilabel_data(rows=ROWS, labels=LABELS, seed=1):
    """Return 0/1 indicators, logits that lean towards them, and weights with two zeros."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, size=(rows, labels))
    logits = rng.normal(size=(rows, labels)) + 2.0 * (truth - 0.5)
    weights = rng.uniform(0.1, 2.0, size=rows)
    weights[[3, 11]] = 0.0
    return truth.astype("int32"), logits.astype("float32"), weights.astype("float32")


def stream(metric, y_true, y_pred, weights=None, splits=None):
    """Update `metric` batch by batch over `splits` and return its result as a float64 array."""
    splits = splits or [len(y_true)]
    start = 0
    for size in splits:
        stop = start + size
        metric.update_state(y_true[start:stop], y_pred[start:stop], None if weights is None else weights[start:stop])
        start = stop
    assert start == len(y_true)
    return np.asarray(to_numpy(metric.result()), dtype="float64")


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, np.asarray(expected, dtype="float64"), rtol=1e-5, atol=2e-6)


def test_sklearn_reference_version():
    # The references and the documented differences were read in this version.
    assert sklearn.__version__ == "1.9.1"


# ---------------------------------------------------------------- scikit-learn references


def reference_kappa(weightage):
    # scikit-learn 1.9.1: sklearn.metrics.cohen_kappa_score(weights=...).
    return lambda t, p, w: skm.cohen_kappa_score(t, p, labels=range(CLASSES), weights=weightage, sample_weight=w)


def reference_prf(position, average, beta=1.0):
    # scikit-learn 1.9.1: sklearn.metrics.precision_recall_fscore_support(labels=range(C), zero_division=0).
    def reference(t, p, w):
        values = skm.precision_recall_fscore_support(
            t, p, labels=range(CLASSES), average=average, beta=beta, sample_weight=w, zero_division=0
        )
        return values[position]

    return reference


MULTICLASS_CASES = [
    pytest.param(
        lambda: ConfusionMatrix(CLASSES),
        # scikit-learn 1.9.1: sklearn.metrics.confusion_matrix.
        lambda t, p, w: skm.confusion_matrix(t, p, labels=range(CLASSES), sample_weight=w),
        id="confusion_matrix",
    ),
    *[
        pytest.param(lambda weightage=weightage: CohenKappa(CLASSES, weightage=weightage), reference_kappa(weightage), id=f"kappa_{weightage}")
        for weightage in (None, "linear", "quadratic")
    ],
    pytest.param(
        lambda: MatthewsCorrelation(CLASSES),
        # scikit-learn 1.9.1: sklearn.metrics.matthews_corrcoef.
        lambda t, p, w: skm.matthews_corrcoef(t, p, sample_weight=w),
        id="matthews",
    ),
    pytest.param(
        lambda: BalancedAccuracy(CLASSES),
        # scikit-learn 1.9.1: sklearn.metrics.balanced_accuracy_score.
        lambda t, p, w: skm.balanced_accuracy_score(t, p, sample_weight=w),
        id="balanced_accuracy",
    ),
    *[
        pytest.param(lambda average=average: Precision(CLASSES, average=average), reference_prf(0, average), id=f"precision_{average}")
        for average in ("micro", "macro", "weighted", None)
    ],
    *[
        pytest.param(lambda average=average: Recall(CLASSES, average=average), reference_prf(1, average), id=f"recall_{average}")
        for average in ("micro", "macro", "weighted", None)
    ],
    *[
        pytest.param(
            lambda average=average, beta=beta: FBeta(CLASSES, beta=beta, average=average),
            reference_prf(2, average, beta),
            id=f"fbeta_{beta}_{average}",
        )
        for average in ("micro", "macro", "weighted", None)
        for beta in (0.5, 1.0, 2.0)
    ],
    pytest.param(
        lambda: HammingLoss(num_classes=CLASSES),
        # scikit-learn 1.9.1: sklearn.metrics.hamming_loss.
        lambda t, p, w: skm.hamming_loss(t, p, sample_weight=w),
        id="hamming_multiclass",
    ),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("build, reference", MULTICLASS_CASES)
def test_multiclass_matches_sklearn(build, reference, weighted):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits)
    weights = weights if weighted else None
    expected = reference(labels, probabilities.argmax(axis=1), weights)

    for splits in SPLITS:
        actual = stream(build(), labels, probabilities, weights, splits)

        assert_close(actual, expected)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_matthews_binary_matches_sklearn(weighted):
    labels, logits, weights = multiclass_data(classes=2, seed=2)
    probability = softmax(logits)[:, 1:]
    weights = weights if weighted else None
    # scikit-learn 1.9.1: sklearn.metrics.matthews_corrcoef.
    expected = skm.matthews_corrcoef(labels, (probability[:, 0] > 0.5).astype(int), sample_weight=weights)

    for splits in SPLITS:
        assert_close(stream(MatthewsCorrelation(2), labels, probability, weights, splits), expected)


MULTILABEL_CASES = [
    pytest.param(
        lambda: MultiLabelConfusionMatrix(LABELS),
        # scikit-learn 1.9.1: sklearn.metrics.multilabel_confusion_matrix.
        lambda t, p, w: skm.multilabel_confusion_matrix(t, p, sample_weight=w),
        id="multilabel_confusion_matrix",
    ),
    pytest.param(
        lambda: HammingLoss(mode="multilabel", num_labels=LABELS),
        # scikit-learn 1.9.1: sklearn.metrics.hamming_loss on indicator matrices.
        lambda t, p, w: skm.hamming_loss(t, p, sample_weight=w),
        id="hamming_multilabel",
    ),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("build, reference", MULTILABEL_CASES)
def test_multilabel_matches_sklearn(build, reference, weighted):
    truth, logits, weights = multilabel_data()
    probabilities = sigmoid(logits)
    weights = weights if weighted else None
    expected = reference(truth, (probabilities > 0.5).astype(int), weights)

    for splits in SPLITS:
        assert_close(stream(build(), truth, probabilities, weights, splits), expected)


# ---------------------------------------------------------------- docstring examples


def test_confusion_matrix_docstring_example():
    metric = ConfusionMatrix(num_classes=3)

    metric.update_state([0, 1, 2, 2], [0, 2, 2, 1], sample_weight=[1.0, 2.0, 0.5, 1.0])

    assert to_numpy(metric.result()).tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 1.0, 0.5]]


@pytest.mark.parametrize(
    "metric, y_true, y_pred, expected",
    [
        # Hand-worked: both errors have quadratic weight 1, so the observed disagreement
        # is 2/5. The chance disagreement is 28/25, and 1 - (2/5) / (28/25) = 0.642857.
        (CohenKappa(num_classes=3, weightage="quadratic"), [0, 1, 2, 2, 1], [0, 2, 2, 1, 1], 0.642857),
        # Hand-worked: tp=2, tn=1, fp=1, fn=1: (2 - 1) / sqrt(3 * 3 * 2 * 2) = 1/6.
        (MatthewsCorrelation(num_classes=2), [[0], [1], [1], [0], [1]], [[0.2], [0.9], [0.4], [0.7], [0.8]], 0.166667),
        # Hand-worked: recalls 2/3, 1 and 0 over classes 0, 1, 2: 5/9.
        (BalancedAccuracy(num_classes=3), [0, 0, 0, 1, 2], [0, 0, 1, 1, 0], 0.555556),
        # Hand-worked: precisions 1, 1 and 2/3: 8/9.
        (Precision(num_classes=3, average="macro"), [0, 1, 2, 2, 1], [0, 2, 2, 2, 1], 0.888889),
        # Hand-worked: recalls 1, 1/2 and 1: 5/6.
        (Recall(num_classes=3, average="macro"), [0, 1, 2, 2, 1], [0, 2, 2, 2, 1], 0.833333),
        # Hand-worked: 2 wrong labels of 6.
        (HammingLoss(mode="multilabel", num_labels=3), [[1, 0, 1], [0, 1, 0]], [[0.8, 0.2, 0.4], [0.1, 0.7, 0.9]], 0.333333),
    ],
    ids=["kappa", "matthews", "balanced_accuracy", "precision", "recall", "hamming"],
)
def test_scalar_docstring_examples(metric, y_true, y_pred, expected):
    metric.update_state(y_true, y_pred)

    assert round(float(to_numpy(metric.result())), 6) == expected


def test_fbeta_docstring_example():
    # Hand-worked with beta=2: class 1 has tp=1, support 2, predicted 1: 5 / (4 * 2 + 1) = 5/9.
    metric = FBeta(num_classes=3, beta=2.0, average=None)

    metric.update_state([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])

    assert [round(v, 6) for v in to_numpy(metric.result()).tolist()] == [1.0, 0.555556, 0.909091]


def test_multilabel_matrix_docstring_example():
    metric = MultiLabelConfusionMatrix(num_labels=2)

    metric.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.3], [0.6, 0.2], [0.7, 0.8]])

    assert to_numpy(metric.result()).tolist() == [[[0.0, 1.0], [0.0, 2.0]], [[1.0, 0.0], [1.0, 1.0]]]


# ---------------------------------------------------------------- label and prediction formats


def reference_matrix(labels, predicted, weights=None, classes=CLASSES):
    # scikit-learn 1.9.1: sklearn.metrics.confusion_matrix.
    return skm.confusion_matrix(labels, predicted, labels=range(classes), sample_weight=weights)


@pytest.mark.parametrize(
    "to_labels",
    [
        lambda labels: labels,
        lambda labels: labels[:, None],
        lambda labels: labels.astype("int64"),
        lambda labels: labels[:, None].astype("float32"),
        lambda labels: np.eye(CLASSES, dtype="float32")[labels],
        lambda labels: np.eye(CLASSES, dtype="int32")[labels],
    ],
    ids=["ids", "ids_column", "int64_ids", "float_ids_column", "one_hot", "int_one_hot"],
)
def test_label_formats_same_matrix(to_labels):
    labels, logits, weights = multiclass_data()
    expected = reference_matrix(labels, logits.argmax(axis=1), weights)

    actual = stream(ConfusionMatrix(CLASSES), to_labels(labels), softmax(logits), weights, SPLITS[1])

    assert_close(actual, expected)


@pytest.mark.parametrize(
    "from_logits, to_predictions",
    [
        (False, softmax),
        (True, lambda logits: logits),
        (False, lambda logits: logits.argmax(axis=1).astype("int32")),
        (False, lambda logits: logits.argmax(axis=1)[:, None].astype("int64")),
        (True, lambda logits: logits.argmax(axis=1).astype("int32")),
    ],
    ids=["probabilities", "logits", "ids", "ids_column", "ids_from_logits"],
)
def test_prediction_formats_same_matrix(from_logits, to_predictions):
    labels, logits, weights = multiclass_data()
    expected = reference_matrix(labels, logits.argmax(axis=1), weights)

    actual = stream(ConfusionMatrix(CLASSES, from_logits=from_logits), labels, to_predictions(logits), weights, SPLITS[1])

    assert_close(actual, expected)


@pytest.mark.parametrize("shape", [(ROWS,), (ROWS, 1)], ids=["vector", "column"])
def test_binary_probability_uses_threshold(shape):
    labels, logits, _ = multiclass_data(classes=2, seed=3)
    probability = sigmoid(logits[:, 1] - logits[:, 0])
    expected = reference_matrix(labels, (probability > 0.3).astype(int), classes=2)

    actual = stream(ConfusionMatrix(2, threshold=0.3), labels[:, None], probability.reshape(shape), splits=SPLITS[1])

    assert_close(actual, expected)


def test_binary_logits_use_threshold():
    labels, logits, _ = multiclass_data(classes=2, seed=4)
    logit = (logits[:, 1] - logits[:, 0])[:, None]
    expected = reference_matrix(labels, (sigmoid(logit[:, 0]) > 0.7).astype(int), classes=2)

    actual = stream(ConfusionMatrix(2, threshold=0.7, from_logits=True), labels, logit)

    assert_close(actual, expected)


def test_binary_float_ids_read_as_classes():
    labels = np.array([0, 1, 1, 0, 1])
    predicted = np.array([[0.0], [1.0], [0.0], [1.0], [1.0]], dtype="float32")

    actual = stream(ConfusionMatrix(2), labels, predicted)

    assert_close(actual, [[1, 1], [1, 2]])


def test_tie_goes_to_lowest_class():
    scores = np.array([[0.4, 0.4, 0.2], [0.1, 0.45, 0.45], [0.3, 0.3, 0.3]], dtype="float32")

    actual = stream(ConfusionMatrix(3), np.array([0, 1, 2]), scores)

    assert_close(actual, [[1, 0, 0], [0, 1, 0], [1, 0, 0]])


def test_nan_scores_count_in_no_cell():
    scores = np.array([[0.7, 0.2, 0.1], [np.nan, np.nan, np.nan], [np.nan, 0.1, 0.9], [0.1, 0.8, 0.1]], dtype="float32")

    actual = stream(ConfusionMatrix(3), np.array([0, 1, 2, 1]), scores)

    assert_close(actual, [[1, 0, 0], [0, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("to_weights", [lambda w: w, lambda w: w[:, None]], ids=["vector", "column"])
def test_sample_weight_shapes_agree(to_weights):
    labels, logits, weights = multiclass_data()
    expected = reference_matrix(labels, logits.argmax(axis=1), weights)

    assert_close(stream(ConfusionMatrix(CLASSES), labels, logits, to_weights(weights)), expected)


def test_scalar_sample_weight_scales_counts():
    labels, logits, _ = multiclass_data()
    expected = 2.5 * reference_matrix(labels, logits.argmax(axis=1))

    metric = ConfusionMatrix(CLASSES)
    metric.update_state(labels, logits, sample_weight=2.5)

    assert_close(to_numpy(metric.result()), expected)


@pytest.mark.parametrize(
    "from_logits, to_predictions",
    [
        (False, sigmoid),
        (True, lambda logits: logits),
        (False, lambda logits: (logits > 0).astype("int32")),
        (False, lambda logits: logits > 0),
    ],
    ids=["probabilities", "logits", "int_indicators", "bool_indicators"],
)
def test_multilabel_prediction_formats(from_logits, to_predictions):
    truth, logits, weights = multilabel_data()
    # scikit-learn 1.9.1: sklearn.metrics.multilabel_confusion_matrix.
    expected = skm.multilabel_confusion_matrix(truth, (logits > 0).astype(int), sample_weight=weights)

    actual = stream(MultiLabelConfusionMatrix(LABELS, from_logits=from_logits), truth, to_predictions(logits), weights, SPLITS[1])

    assert_close(actual, expected)


def test_multilabel_threshold_moves_cut():
    truth, logits, _ = multilabel_data()
    probabilities = sigmoid(logits)
    # scikit-learn 1.9.1: sklearn.metrics.multilabel_confusion_matrix.
    expected = skm.multilabel_confusion_matrix(truth, (probabilities > 0.8).astype(int))

    assert_close(stream(MultiLabelConfusionMatrix(LABELS, threshold=0.8), truth, probabilities), expected)


def test_multilabel_single_label_vectors():
    truth, logits, _ = multilabel_data(labels=1)
    # scikit-learn 1.9.1: sklearn.metrics.multilabel_confusion_matrix reads one column as binary
    # classes 0 and 1, so labels=[1] selects the matrix of the positive label.
    expected = skm.multilabel_confusion_matrix(truth[:, 0], (logits[:, 0] > 0).astype(int), labels=[1])

    assert_close(stream(MultiLabelConfusionMatrix(1), truth[:, 0], sigmoid(logits[:, 0])), expected)


# ---------------------------------------------------------------- edge cases


SCALAR_FACTORIES = [
    pytest.param(lambda: CohenKappa(3), id="kappa"),
    pytest.param(lambda: CohenKappa(3, weightage="quadratic"), id="kappa_quadratic"),
    pytest.param(lambda: MatthewsCorrelation(3), id="matthews"),
    pytest.param(lambda: BalancedAccuracy(3), id="balanced_accuracy"),
    pytest.param(lambda: Precision(3, average="macro"), id="precision"),
    pytest.param(lambda: Recall(3, average="weighted"), id="recall"),
    pytest.param(lambda: FBeta(3, average="micro"), id="fbeta"),
    pytest.param(lambda: HammingLoss(num_classes=3), id="hamming"),
]


@pytest.mark.parametrize("build", SCALAR_FACTORIES)
def test_empty_metric_returns_zero(build):
    assert float(to_numpy(build().result())) == 0.0


@pytest.mark.parametrize("build", SCALAR_FACTORIES)
def test_zero_weights_return_zero(build):
    labels, logits, _ = multiclass_data(classes=3)

    actual = stream(build(), labels, logits, np.zeros(ROWS, dtype="float32"))

    assert float(actual) == 0.0


@pytest.mark.parametrize(
    "reference",
    [skm.cohen_kappa_score, skm.matthews_corrcoef, skm.balanced_accuracy_score, skm.hamming_loss],
    ids=["kappa", "matthews", "balanced_accuracy", "hamming"],
)
def test_sklearn_zero_weights_raise(reference):
    # The documented difference: scikit-learn 1.9.1 raises where the metrics here return 0.
    with pytest.raises(ValueError, match="at least one non-zero"):
        reference([0, 1], [0, 1], sample_weight=[0.0, 0.0])


def test_empty_matrices_are_zero():
    assert to_numpy(ConfusionMatrix(3).result()).tolist() == [[0.0] * 3] * 3
    assert to_numpy(MultiLabelConfusionMatrix(2).result()).tolist() == [[[0.0, 0.0], [0.0, 0.0]]] * 2
    assert to_numpy(FBeta(3, average=None).result()).tolist() == [0.0] * 3


@pytest.mark.parametrize(
    "metric, y_true, y_pred",
    [
        (CohenKappa(3), np.zeros((0,), "int32"), np.zeros((0, 3), "float32")),
        (ConfusionMatrix(3), np.zeros((0, 3), "float32"), np.zeros((0, 3), "float32")),
        (HammingLoss(mode="multilabel", num_labels=2), np.zeros((0, 2), "int32"), np.zeros((0, 2), "float32")),
    ],
    ids=["ids", "one_hot", "multilabel"],
)
def test_empty_batch_adds_nothing(metric, y_true, y_pred):
    metric.update_state(y_true, y_pred)

    assert not to_numpy(metric.result()).any()


# scikit-learn warns that a single label makes its matrix 1x1 and that kappa is undefined.
@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("weightage", [None, "linear", "quadratic"])
def test_kappa_single_class_zero(weightage):
    labels = np.full(6, 1)

    actual = stream(CohenKappa(3, weightage=weightage), labels, np.eye(3, dtype="float32")[labels])

    # scikit-learn 1.9.1: cohen_kappa_score returns its replace_undefined_by value here.
    assert float(actual) == skm.cohen_kappa_score(labels, labels, weights=weightage, replace_undefined_by=0.0)
    assert float(actual) == 0.0


def test_sklearn_kappa_single_class_nan():
    # The documented difference: by default scikit-learn 1.9.1 returns NaN where CohenKappa returns 0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        assert np.isnan(skm.cohen_kappa_score([1, 1, 1], [1, 1, 1]))


def test_kappa_opposite_single_classes():
    # One rater gives class 0 throughout and the other class 1: agreement 0, chance agreement 0, kappa 0.
    actual = stream(CohenKappa(2), np.zeros(4, "int32"), np.ones(4, "int32"))

    # scikit-learn 1.9.1: sklearn.metrics.cohen_kappa_score.
    assert float(actual) == pytest.approx(skm.cohen_kappa_score([0] * 4, [1] * 4), abs=1e-7)


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@pytest.mark.parametrize(
    "labels, predicted",
    [([2, 2, 2, 2], [2, 2, 2, 2]), ([0, 1, 2, 1], [1, 1, 1, 1]), ([1, 1, 1, 1], [0, 1, 2, 2])],
    ids=["one_class", "one_predicted", "one_true"],
)
def test_matthews_degenerate_zero(labels, predicted):
    actual = stream(MatthewsCorrelation(3), np.array(labels), np.array(predicted))

    # scikit-learn 1.9.1: sklearn.metrics.matthews_corrcoef returns 0.0 when a variance is 0.
    assert skm.matthews_corrcoef(labels, predicted) == 0.0
    assert float(actual) == 0.0


@pytest.mark.parametrize(
    "build, position",
    [
        (lambda: Precision(CLASSES, average="macro"), 0),
        (lambda: Recall(CLASSES, average="macro"), 1),
        (lambda: FBeta(CLASSES, average="macro"), 2),
    ],
    ids=["precision", "recall", "fbeta"],
)
def test_macro_counts_absent_class_zero(build, position):
    # Class 3 occurs in neither labels nor predictions, and class 2 only in predictions.
    labels = np.array([0, 1, 1, 0, 1, 0])
    predicted = np.array([0, 1, 2, 0, 0, 2])
    # scikit-learn 1.9.1: precision_recall_fscore_support(labels=range(4), zero_division=0).
    expected = skm.precision_recall_fscore_support(
        labels, predicted, labels=range(CLASSES), average="macro", zero_division=0
    )[position]
    present_only = skm.precision_recall_fscore_support(labels, predicted, average="macro", zero_division=0)[position]

    actual = float(stream(build(), labels, predicted))

    assert actual == pytest.approx(expected, rel=1e-6)
    # With labels=None scikit-learn leaves class 3 out, as the docstring of Precision states.
    assert actual != pytest.approx(present_only, rel=1e-6)


def test_balanced_accuracy_skips_predicted_only_class():
    labels = np.array([0, 0, 1, 1, 1])
    predicted = np.array([0, 2, 1, 1, 0])
    with warnings.catch_warnings():
        # scikit-learn 1.9.1 warns "y_pred contains classes not in y_true" and leaves class 2 out.
        warnings.simplefilter("ignore", UserWarning)
        expected = skm.balanced_accuracy_score(labels, predicted)

    assert float(stream(BalancedAccuracy(3), labels, predicted)) == pytest.approx(expected, rel=1e-6)


def test_weighted_average_uses_support():
    # Supports 3 and 1, recalls 2/3 and 0: (3 * 2/3 + 1 * 0) / 4 = 0.5.
    actual = stream(Recall(2, average="weighted"), np.array([0, 0, 0, 1]), np.array([0, 0, 1, 0]))

    assert float(actual) == pytest.approx(0.5, rel=1e-6)


def test_micro_scores_equal_accuracy():
    labels, logits, weights = multiclass_data()
    # scikit-learn 1.9.1: sklearn.metrics.accuracy_score.
    accuracy = skm.accuracy_score(labels, logits.argmax(axis=1), sample_weight=weights)

    for build in (Precision, Recall, FBeta):
        assert float(stream(build(CLASSES), labels, logits, weights)) == pytest.approx(accuracy, rel=1e-5)


def test_reset_state_clears_matrix():
    labels, logits, _ = multiclass_data()
    metric = ConfusionMatrix(CLASSES)
    metric.update_state(labels, logits)

    metric.reset_state()

    assert not to_numpy(metric.result()).any()


def test_result_survives_later_update():
    # Keras keeps each result in History, so a returned matrix must not share the state's memory.
    metric = ConfusionMatrix(2)
    metric.update_state([0], [0])
    first = to_numpy(metric.result())

    metric.update_state([1], [1])

    assert first.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_history_keeps_training_matrix():
    labels, logits, _ = multiclass_data()
    rng = np.random.default_rng(5)
    features, validation_features = rng.normal(size=(2, ROWS, 4)).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=[ConfusionMatrix(CLASSES)])

    history = model.fit(features, labels, validation_data=(validation_features, labels), verbose=0).history

    training = reference_matrix(labels, model.predict(features, verbose=0).argmax(axis=1))
    validation = reference_matrix(labels, model.predict(validation_features, verbose=0).argmax(axis=1))
    assert_close(history["confusion_matrix"][-1], training)
    assert_close(history["val_confusion_matrix"][-1], validation)


@JAX_FLOAT64_WARNING
def test_float64_dtype_matches_sklearn():
    labels, logits, weights = multiclass_data()
    # scikit-learn 1.9.1: sklearn.metrics.cohen_kappa_score.
    expected = skm.cohen_kappa_score(labels, logits.argmax(axis=1), weights="quadratic", sample_weight=weights)
    metric = CohenKappa(CLASSES, weightage="quadratic", dtype="float64")

    actual = stream(metric, labels, logits, weights, SPLITS[1])

    assert metric.dtype == "float64"
    assert float(actual) == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------- bad hyperparameters


INVALID_ARGUMENTS = [
    (lambda v: ConfusionMatrix(v), "num_classes", 1, "an integer >= 2"),
    (lambda v: CohenKappa(v), "num_classes", 2.0, "an integer >= 2"),
    (lambda v: MatthewsCorrelation(v), "num_classes", True, "an integer >= 2"),
    (lambda v: BalancedAccuracy(v), "num_classes", None, "an integer >= 2"),
    (lambda v: Precision(v), "num_classes", "3", "an integer >= 2"),
    (lambda v: FBeta(3, beta=v), "beta", 0.0, "a finite number > 0"),
    (lambda v: FBeta(3, beta=v), "beta", -1.0, "a finite number > 0"),
    (lambda v: FBeta(3, beta=v), "beta", float("nan"), "a finite number > 0"),
    (lambda v: FBeta(3, beta=v), "beta", float("inf"), "a finite number > 0"),
    (lambda v: ConfusionMatrix(2, threshold=v), "threshold", 0.0, "a number in the open interval (0, 1)"),
    (lambda v: CohenKappa(2, threshold=v), "threshold", 1.0, "a number in the open interval (0, 1)"),
    (lambda v: Recall(2, threshold=v), "threshold", 1.5, "a number in the open interval (0, 1)"),
    (lambda v: MultiLabelConfusionMatrix(2, threshold=v), "threshold", float("nan"), "a number in the open interval (0, 1)"),
    (lambda v: HammingLoss(num_classes=2, threshold=v), "threshold", "0.5", "a number in the open interval (0, 1)"),
    (lambda v: Precision(3, average=v), "average", "binary", "'micro', 'macro', 'weighted', None"),
    (lambda v: FBeta(3, average=v), "average", "samples", "'micro', 'macro', 'weighted', None"),
    (lambda v: CohenKappa(3, weightage=v), "weightage", "cubic", "None, 'linear', 'quadratic'"),
    (lambda v: HammingLoss(mode=v, num_classes=3), "mode", "binary", "'multiclass', 'multilabel'"),
    (lambda v: HammingLoss(num_classes=v), "num_classes", None, "an integer >= 2"),
    (lambda v: HammingLoss(mode="multilabel", num_labels=v), "num_labels", 0, "an integer >= 1"),
    (lambda v: HammingLoss(num_classes=3, num_labels=v), "num_labels", 3, "None because mode='multiclass'"),
    (lambda v: HammingLoss(mode="multilabel", num_classes=v, num_labels=3), "num_classes", 3, "None because mode='multilabel'"),
    (lambda v: MultiLabelConfusionMatrix(v), "num_labels", 0, "an integer >= 1"),
    (lambda v: ConfusionMatrix(3, from_logits=v), "from_logits", "yes", "True or False"),
]


@pytest.mark.parametrize(
    "build, argument, value, valid",
    INVALID_ARGUMENTS,
    ids=[f"{argument}={value!r}" for _, argument, value, _ in INVALID_ARGUMENTS],
)
def test_invalid_argument_raises(build, argument, value, valid):
    with pytest.raises(ValueError) as caught:
        build(value)

    message = str(caught.value)
    assert f"Invalid {argument}" in message
    assert repr(value) in message
    assert valid in message


# ---------------------------------------------------------------- ambiguous shapes and bad values


@pytest.mark.parametrize(
    "build, y_true, y_pred, expected",
    [
        (
            lambda: ConfusionMatrix(3),
            np.zeros((5, 1), "int32"),
            np.full((5, 1), 0.5, "float32"),
            ["fits only num_classes=2", "y_true.shape=(5, 1)", "y_pred.shape=(5, 1)"],
        ),
        (
            lambda: CohenKappa(3),
            np.zeros((5,), "int32"),
            np.full((5,), 0.5, "float32"),
            ["fits only num_classes=2", "y_true.shape=(5,)", "y_pred.shape=(5,)"],
        ),
        (
            lambda: Precision(3),
            np.zeros((5,), "int32"),
            np.full((5, 4), 0.25, "float32"),
            ["y_pred must have shape (N, 3)", "y_pred.shape=(5, 4)"],
        ),
        (
            lambda: Recall(3),
            np.zeros((5, 4), "float32"),
            np.full((5, 3), 0.3, "float32"),
            ["y_true must have shape (N,) or (N, 1)", "y_true.shape=(5, 4)"],
        ),
        (
            lambda: FBeta(3),
            np.zeros((5,), "int32"),
            np.full((5, 2, 3), 0.3, "float32"),
            ["y_pred must have shape (N, 3)", "y_pred.shape=(5, 2, 3)"],
        ),
        (
            lambda: MatthewsCorrelation(3),
            np.zeros((4,), "int32"),
            np.full((5, 3), 0.3, "float32"),
            ["same number of samples", "y_true.shape=(4,)", "y_pred.shape=(5, 3)"],
        ),
        (
            lambda: BalancedAccuracy(3),
            np.int32(1),
            np.full((3,), 0.3, "float32"),
            ["one row per sample", "y_true.shape=()"],
        ),
        (
            lambda: MultiLabelConfusionMatrix(3),
            np.zeros((5, 2), "int32"),
            np.full((5, 2), 0.3, "float32"),
            ["must both have shape (N, 3)", "y_true.shape=(5, 2)", "y_pred.shape=(5, 2)"],
        ),
        (
            lambda: HammingLoss(mode="multilabel", num_labels=3),
            np.zeros((5, 3), "int32"),
            np.full((4, 3), 0.3, "float32"),
            ["same number of samples", "y_true.shape=(5, 3)", "y_pred.shape=(4, 3)"],
        ),
        (
            lambda: MultiLabelConfusionMatrix(3),
            np.zeros((5,), "int32"),
            np.full((5, 3), 0.3, "float32"),
            ["must both have shape (N, 3)", "y_true.shape=(5,)"],
        ),
    ],
    ids=[
        "float_column_three_classes",
        "float_vector_three_classes",
        "too_many_columns",
        "labels_wrong_width",
        "rank_three",
        "sample_counts_differ",
        "scalar_label",
        "multilabel_wrong_width",
        "multilabel_counts_differ",
        "multilabel_vector_labels",
    ],
)
def test_ambiguous_shape_raises(build, y_true, y_pred, expected):
    with pytest.raises(ValueError) as caught:
        build().update_state(y_true, y_pred)

    for part in expected:
        assert part in str(caught.value)


def test_per_label_sample_weight_raises():
    with pytest.raises(ValueError) as caught:
        ConfusionMatrix(3).update_state(np.zeros(4, "int32"), np.full((4, 3), 0.3, "float32"), np.ones((4, 3), "float32"))

    assert "sample_weight.shape=(4, 3)" in str(caught.value)


@pytest.mark.parametrize(
    "y_true, y_pred, expected",
    [
        (np.array([0, 3, 1]), np.full((3, 3), 0.3, "float32"), ["Invalid y_true", "[0, 3)", "received 3 at flat index 1"]),
        (np.array([0, -1, 1]), np.full((3, 3), 0.3, "float32"), ["Invalid y_true", "received -1 at"]),
        (np.array([0.0, 1.5, 1.0], "float32"), np.full((3, 3), 0.3, "float32"), ["Invalid y_true", "whole numbers", "received 1.5"]),
        (np.array([0, 1, 2]), np.array([0, 5, 1], "int32"), ["Invalid y_pred", "received 5 at flat index 1"]),
    ],
    ids=["label_too_large", "label_negative", "label_fraction", "prediction_too_large"],
)
def test_invalid_class_id_raises(y_true, y_pred, expected):
    with pytest.raises(ValueError) as caught:
        ConfusionMatrix(3).update_state(y_true, y_pred)

    for part in expected:
        assert part in str(caught.value)


@pytest.mark.parametrize(
    "y_true, y_pred, name",
    [
        (np.array([[0, 2]]), np.array([[0.2, 0.9]], "float32"), "y_true"),
        (np.array([[0, 1]]), np.array([[0, 3]], "int32"), "y_pred"),
    ],
    ids=["labels", "predictions"],
)
def test_invalid_indicator_raises(y_true, y_pred, name):
    with pytest.raises(ValueError) as caught:
        MultiLabelConfusionMatrix(2).update_state(y_true, y_pred)

    assert f"Invalid {name}: multilabel indicators must be 0 or 1" in str(caught.value)


def test_out_of_range_label_compiled(backend):
    # A compiled evaluate cannot read the values, so the row adds to no cell. PyTorch runs eagerly and raises.
    model = keras.Sequential([keras.Input((3,)), keras.layers.Identity()])
    # The loss ignores the labels, so only the metric reads the out-of-range one.
    model.compile(loss=lambda y_true, y_pred: keras.ops.mean(y_pred, axis=-1), metrics=[ConfusionMatrix(3)])
    labels = np.array([0, 1, 7, 2], "int32")
    scores = np.eye(3, dtype="float32")[[0, 1, 1, 2]]

    if backend == "torch":
        with pytest.raises(ValueError, match="received 7 at flat index 2"):
            model.evaluate(scores, labels, verbose=0)
        return
    values = model.evaluate(scores, labels, verbose=0, return_dict=True)

    assert_close(values["confusion_matrix"], np.eye(3))


# ---------------------------------------------------------------- config and serialization


CONFIG_CASES = [
    (ConfusionMatrix, {"num_classes": 5, "threshold": 0.3, "from_logits": True, "name": "cm", "dtype": "float64"}),
    (CohenKappa, {"num_classes": 4, "weightage": "quadratic", "threshold": 0.4, "from_logits": True, "name": "qwk", "dtype": "float64"}),
    (MatthewsCorrelation, {"num_classes": 2, "threshold": 0.2, "from_logits": True, "name": "mcc", "dtype": "float64"}),
    (BalancedAccuracy, {"num_classes": 6, "threshold": 0.6, "from_logits": True, "name": "bacc", "dtype": "float64"}),
    (Precision, {"num_classes": 3, "average": None, "threshold": 0.7, "from_logits": True, "name": "p", "dtype": "float64"}),
    (Recall, {"num_classes": 3, "average": "weighted", "threshold": 0.7, "from_logits": True, "name": "r", "dtype": "float64"}),
    (FBeta, {"num_classes": 3, "beta": 0.5, "average": "macro", "threshold": 0.1, "from_logits": True, "name": "f", "dtype": "float64"}),
    (
        HammingLoss,
        {"mode": "multilabel", "num_classes": None, "num_labels": 4, "threshold": 0.9, "from_logits": True, "name": "h", "dtype": "float64"},
    ),
    (MultiLabelConfusionMatrix, {"num_labels": 4, "threshold": 0.35, "from_logits": True, "name": "mlcm", "dtype": "float64"}),
]


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls, arguments", CONFIG_CASES, ids=[cls.__name__ for cls, _ in CONFIG_CASES])
def test_config_keeps_every_argument(cls, arguments):
    parameters = set(inspect.signature(cls).parameters)

    config = cls(**arguments).get_config()

    assert set(arguments) == parameters
    assert {key: config[key] for key in arguments} == arguments


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls, arguments", CONFIG_CASES, ids=[cls.__name__ for cls, _ in CONFIG_CASES])
def test_serialization_round_trip(cls, arguments):
    metric = cls(**arguments)

    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(metric)))
    restored = keras.saving.deserialize_keras_object(serialized)

    assert serialized["registered_name"] == f"keras_tailor>{cls.__name__}"
    assert type(restored) is cls
    assert restored.get_config() == metric.get_config()
    assert cls.from_config(metric.get_config()).get_config() == metric.get_config()


def test_restored_metric_same_result():
    labels, logits, weights = multiclass_data()
    metric = CohenKappa(CLASSES, weightage="linear")
    restored = CohenKappa.from_config(metric.get_config())

    first = stream(metric, labels, logits, weights)
    second = stream(restored, labels, logits, weights)

    assert float(first) == float(second)


def test_directions_declared():
    directions = {cls.__name__: cls._direction for cls in ALL_METRICS}

    assert directions == {
        "ConfusionMatrix": None,
        "CohenKappa": "up",
        "MatthewsCorrelation": "up",
        "BalancedAccuracy": "up",
        "Precision": "up",
        "Recall": "up",
        "FBeta": "up",
        "HammingLoss": "down",
        "MultiLabelConfusionMatrix": None,
    }


@JAX_FLOAT64_WARNING
def test_state_aggregation_is_sum():
    for cls, arguments in CONFIG_CASES:
        metric = cls(**arguments)

        assert {variable.aggregation for variable in metric.variables} == {"sum"}, cls.__name__


# ---------------------------------------------------------------- contract checker


@pytest.fixture(scope="module")
def checker_reports():
    """Run the contract checker once on every metric here, on this backend."""
    reports = check_components(list(ALL_METRICS))
    return {report.label.rsplit(":", 1)[1]: report for report in reports}


@pytest.mark.parametrize("cls", ALL_METRICS, ids=[cls.__name__ for cls in ALL_METRICS])
def test_metric_passes_checker(checker_reports, cls, backend):
    report = checker_reports[cls.__name__]

    assert report.passed, report.format()
    assert len(report.results) == len(checks_for("metric"))
    if backend != "torch":
        # MirroredStrategy or DataParallel over 2 virtual CPU devices ran, rather than being skipped.
        assert report.result("metric_distribution").status == "passed", report.format()


def test_checker_feeds_example_inputs(checker_reports):
    numerics = checker_reports["CohenKappa"].result("numerics")

    assert numerics.status == "passed"
    assert "the example inputs" in numerics.message


def test_checker_skips_matrix_direction(checker_reports):
    direction = checker_reports["ConfusionMatrix"].result("metric_direction")

    assert direction.status == "skipped"
    assert "shape (3, 3)" in direction.message
