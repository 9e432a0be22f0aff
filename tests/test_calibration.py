"""Calibration metrics of `keras_tailor.metrics.calibration`, against torchmetrics and scikit-learn.

The calibration error references come from torchmetrics 1.9.0
(`torchmetrics.functional.classification.binary_calibration_error` and
`multiclass_calibration_error`), the Brier score references from scikit-learn
1.9.1 (`sklearn.metrics.brier_score_loss`), each named beside its use, and
the rest from numpy formulas written from the definition or hand-worked
numbers. No expected value comes from the metrics themselves. torchmetrics
takes no sample weights, so weighted runs are compared with unweighted runs
over rows repeated as often as their integer weight.
"""

import inspect
import json

import keras
import numpy as np
import pytest
import sklearn
import torch
import torchmetrics
from conftest import to_numpy
from sklearn.metrics import brier_score_loss
from torchmetrics.functional.classification import binary_calibration_error, multiclass_calibration_error

from keras_tailor.metrics.calibration import BrierScore, ExpectedCalibrationError
from keras_tailor.testing import check_components, checks_for

CLASSES = 4
ROWS = 37
NORMS = ("l1", "l2", "max")
# Uneven batches, with batches of one at both ends and in the middle. Batches
# of one throughout are slow in eager mode, so only test_batches_of_one_equal_one_shot uses them.
SPLITS = ([ROWS], [1, 1, 7, 1, 12, 15])
JAX_FLOAT64_WARNING = pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))


def multiclass_data(rows=ROWS, classes=CLASSES, seed=0):
    """Return integer labels, float32 logits that are right about half the time, and integer weights 0 to 3."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=rows)
    logits = rng.normal(scale=1.5, size=(rows, classes))
    logits[np.arange(rows), labels] += 1.0
    weights = rng.integers(0, 4, size=rows)
    weights[[3, 11]] = 0
    return labels.astype("int32"), logits.astype("float32"), weights.astype("float32")


def binary_data(rows=ROWS, seed=1):
    """Return 0/1 labels, float32 logits of class 1 that lean towards them, and integer weights 0 to 3."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=rows)
    logits = rng.normal(scale=1.5, size=rows) + (labels - 0.5)
    weights = rng.integers(0, 4, size=rows)
    weights[[3, 11]] = 0
    return labels.astype("int32"), logits.astype("float32"), weights.astype("float32")


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


def torchmetrics_multiclass(labels, probabilities, num_bins, norm):
    # torchmetrics 1.9.0: torchmetrics.functional.classification.multiclass_calibration_error.
    preds = torch.tensor(np.asarray(probabilities, "float32"))
    return float(multiclass_calibration_error(preds, torch.tensor(labels, dtype=torch.long), preds.shape[1], num_bins, norm))


def torchmetrics_binary(labels, probability, num_bins, norm):
    # torchmetrics 1.9.0: torchmetrics.functional.classification.binary_calibration_error.
    preds = torch.tensor(np.asarray(probability, "float32"))
    return float(binary_calibration_error(preds, torch.tensor(labels, dtype=torch.long), num_bins, norm))


def test_reference_versions():
    # The references and the documented differences were read in these versions.
    assert sklearn.__version__ == "1.9.1"
    assert torchmetrics.__version__ == "1.9.0"


# ---------------------------------------------------------------- expected calibration error


@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven"])
@pytest.mark.parametrize("norm", NORMS)
def test_ece_multiclass_matches_torchmetrics(norm, splits):
    labels, logits, _ = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    expected = torchmetrics_multiclass(labels, probabilities, 10, norm)

    actual = stream(ExpectedCalibrationError(num_bins=10, norm=norm), labels, probabilities, splits=splits)

    assert_close(actual, expected)


@pytest.mark.parametrize("shape", [(ROWS,), (ROWS, 1)], ids=["vector", "column"])
@pytest.mark.parametrize("norm", NORMS)
def test_ece_binary_matches_torchmetrics(norm, shape):
    labels, logits, _ = binary_data()
    probability = sigmoid(logits).astype("float32")
    expected = torchmetrics_binary(labels, probability, 15, norm)

    actual = stream(ExpectedCalibrationError(norm=norm), labels[:, None], probability.reshape(shape), splits=SPLITS[1])

    assert_close(actual, expected)


@pytest.mark.parametrize("norm", NORMS)
def test_ece_weights_equal_repeated_rows(norm):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    repeats = weights.astype(int)
    expected = torchmetrics_multiclass(np.repeat(labels, repeats), np.repeat(probabilities, repeats, axis=0), 8, norm)

    for splits in SPLITS:
        actual = stream(ExpectedCalibrationError(num_bins=8, norm=norm), labels, probabilities, weights, splits)

        assert_close(actual, expected)


@pytest.mark.parametrize("norm", NORMS)
def test_ece_binary_weights_equal_repeated_rows(norm):
    labels, logits, weights = binary_data()
    probability = sigmoid(logits).astype("float32")
    repeats = weights.astype(int)
    expected = torchmetrics_binary(np.repeat(labels, repeats), np.repeat(probability, repeats), 6, norm)

    actual = stream(ExpectedCalibrationError(num_bins=6, norm=norm), labels, probability, weights, SPLITS[1])

    assert_close(actual, expected)


@pytest.mark.parametrize("norm", NORMS)
def test_ece_matches_numpy_definition(norm):
    # The docstring's formula written in numpy, with float weights that are not whole numbers.
    labels, logits, _ = multiclass_data(seed=5)
    weights = np.random.default_rng(6).uniform(0.0, 2.0, size=ROWS).astype("float32")
    probabilities = softmax(logits)
    confidence = probabilities.max(axis=1)
    hits = (probabilities.argmax(axis=1) == labels).astype(float)
    bins = np.minimum((confidence * 5).astype(int), 4)
    counts = np.bincount(bins, weights, minlength=5)
    gaps = np.bincount(bins, weights * hits, minlength=5) - np.bincount(bins, weights * confidence, minlength=5)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_bin = np.where(counts > 0, np.abs(gaps) / counts, 0.0)
    expected = {
        "l1": np.abs(gaps).sum() / counts.sum(),
        "l2": np.sqrt((per_bin**2 * counts).sum() / counts.sum()),
        "max": per_bin.max(),
    }[norm]

    actual = stream(ExpectedCalibrationError(num_bins=5, norm=norm), labels, probabilities.astype("float32"), weights, SPLITS[1])

    assert_close(actual, expected)


def test_ece_from_logits_same_as_probabilities():
    labels, logits, weights = multiclass_data()
    expected = stream(ExpectedCalibrationError(), labels, softmax(logits).astype("float32"), weights)

    actual = stream(ExpectedCalibrationError(from_logits=True), labels, logits, weights, SPLITS[1])

    assert_close(actual, expected)


def test_ece_binary_from_logits_matches_torchmetrics():
    labels, logits, _ = binary_data()
    # torchmetrics 1.9.0 applies a sigmoid itself to predictions outside [0, 1].
    expected = torchmetrics_binary(labels, logits, 15, "l1")

    actual = stream(ExpectedCalibrationError(from_logits=True), labels, logits, splits=SPLITS[1])

    assert_close(actual, expected)


@pytest.mark.parametrize(
    "to_labels",
    [
        lambda labels: labels[:, None],
        lambda labels: labels.astype("float32"),
        lambda labels: np.eye(CLASSES, dtype="float32")[labels],
        lambda labels: np.eye(CLASSES, dtype="int32")[labels],
    ],
    ids=["ids_column", "float_ids", "one_hot", "int_one_hot"],
)
def test_ece_label_formats_agree(to_labels):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    expected = stream(ExpectedCalibrationError(norm="l2"), labels, probabilities, weights)

    actual = stream(ExpectedCalibrationError(norm="l2"), to_labels(labels), probabilities, weights, SPLITS[1])

    assert_close(actual, expected)


def test_ece_binary_one_hot_labels():
    labels, logits, _ = binary_data()
    probability = sigmoid(logits).astype("float32")
    expected = torchmetrics_binary(labels, probability, 15, "l1")

    actual = stream(ExpectedCalibrationError(), np.eye(2, dtype="float32")[labels], probability)

    assert_close(actual, expected)


def test_ece_docstring_example():
    # Hand-worked with 5 bins: gaps 0.1, 0.4, 0.35 and |2 - 1.7| = 0.3 in bins 0, 2, 3 and 4: 1.15 / 5.
    metric = ExpectedCalibrationError(num_bins=5)

    metric.update_state([0, 1, 1, 0, 1], [0.1, 0.8, 0.65, 0.4, 0.9])

    assert round(float(to_numpy(metric.result())), 6) == 0.23


def test_ece_edge_confidence_starts_bin():
    # Hand-worked with 4 bins: 0.25 is in bin 1 with 0.3, and 1.0 is in bin 3 with 0.8.
    # Bin 1 has accuracy 1 and mean confidence 0.275, bin 3 accuracy 0.5 and mean confidence 0.9.
    probability = np.array([0.25, 0.3, 1.0, 0.8], "float32")
    labels = np.array([1, 1, 1, 0])

    actual = stream(ExpectedCalibrationError(num_bins=4, norm="max"), labels, probability)

    assert float(actual) == pytest.approx(0.725, abs=1e-6)


def test_ece_confidence_one_differs_from_torchmetrics():
    # The documented difference: torchmetrics 1.9.0 gives a confidence of exactly 1.0 a bin of its own.
    probability = np.array([1.0, 0.8, 0.9, 0.85], "float32")
    labels = np.array([0, 1, 1, 1])
    # Hand-worked with one bin: accuracy 3/4, mean confidence 3.55/4, gap 0.8875 - 0.75.
    expected = 0.1375

    actual = stream(ExpectedCalibrationError(num_bins=1), labels, probability)

    assert float(actual) == pytest.approx(expected, abs=1e-6)
    # Bins [0, 1) with gap 3 - 2.55 and [1, 1] with gap 1: (0.45 + 1) / 4.
    assert torchmetrics_binary(labels, probability, 1, "l1") == pytest.approx(0.3625, abs=1e-6)


def test_ece_tie_counts_lowest_class():
    # The top label of [0.4, 0.4, 0.2] is class 0, so label 0 is a hit and label 1 a miss.
    probabilities = np.array([[0.4, 0.4, 0.2], [0.4, 0.4, 0.2]], "float32")

    actual = stream(ExpectedCalibrationError(num_bins=1), np.array([0, 1]), probabilities)

    assert float(actual) == pytest.approx(0.1, abs=1e-6)


# ---------------------------------------------------------------- Brier score


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", [(ROWS,), (ROWS, 1)], ids=["vector", "column"])
def test_brier_binary_matches_sklearn(shape, weighted):
    labels, logits, weights = binary_data()
    probability = sigmoid(logits).astype("float32")
    weights = np.random.default_rng(2).uniform(0.0, 2.0, size=ROWS).astype("float32") if weighted else None
    # scikit-learn 1.9.1: sklearn.metrics.brier_score_loss with one probability per sample.
    expected = brier_score_loss(labels, probability, sample_weight=weights)

    for splits in SPLITS:
        assert_close(stream(BrierScore(), labels, probability.reshape(shape), weights, splits), expected)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_brier_multiclass_matches_sklearn(weighted):
    labels, logits, _ = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    weights = np.random.default_rng(3).uniform(0.0, 2.0, size=ROWS).astype("float32") if weighted else None
    # scikit-learn 1.9.1: brier_score_loss with 4 columns sums over classes and does not halve.
    expected = brier_score_loss(labels, probabilities, sample_weight=weights, labels=range(CLASSES))

    for splits in SPLITS:
        assert_close(stream(BrierScore(), labels, probabilities, weights, splits), expected)


def test_brier_multiclass_matches_numpy_definition():
    labels, logits, weights = multiclass_data(seed=7)
    probabilities = softmax(logits)
    squared = ((np.eye(CLASSES)[labels] - probabilities) ** 2).sum(axis=1)
    expected = (weights * squared).sum() / weights.sum()

    actual = stream(BrierScore(from_logits=True), labels, logits, weights, SPLITS[1])

    assert_close(actual, expected)


def test_brier_two_columns_twice_sklearn():
    labels, logits, weights = binary_data()
    probability = sigmoid(logits)
    two_columns = np.stack([1.0 - probability, probability], axis=1).astype("float32")
    # scikit-learn 1.9.1: brier_score_loss halves below 3 columns by default, not with scale_by_half=False.
    halved = brier_score_loss(labels, two_columns, sample_weight=weights, labels=[0, 1])
    unscaled = brier_score_loss(labels, two_columns, sample_weight=weights, labels=[0, 1], scale_by_half=False)
    binary = float(stream(BrierScore(), labels, probability.astype("float32"), weights))

    actual = float(stream(BrierScore(), labels, two_columns, weights, SPLITS[1]))

    assert actual == pytest.approx(unscaled, rel=1e-5)
    assert actual == pytest.approx(2.0 * halved, rel=1e-5)
    assert actual == pytest.approx(2.0 * binary, rel=1e-5)


def test_brier_binary_logits_match_sklearn():
    labels, logits, _ = binary_data()
    # scikit-learn 1.9.1: sklearn.metrics.brier_score_loss.
    expected = brier_score_loss(labels, sigmoid(logits.astype("float64")))

    assert_close(stream(BrierScore(from_logits=True), labels[:, None], logits[:, None]), expected)


@pytest.mark.parametrize(
    "to_labels",
    [lambda labels: labels[:, None], lambda labels: np.eye(CLASSES, dtype="float32")[labels]],
    ids=["ids_column", "one_hot"],
)
def test_brier_label_formats_agree(to_labels):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    # scikit-learn 1.9.1: sklearn.metrics.brier_score_loss.
    expected = brier_score_loss(labels, probabilities, sample_weight=weights, labels=range(CLASSES))

    assert_close(stream(BrierScore(), to_labels(labels), probabilities, weights), expected)


def test_brier_docstring_example():
    metric = BrierScore()

    metric.update_state([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])

    # scikit-learn 1.9.1 documents the same input with 0.0375.
    assert round(float(to_numpy(metric.result())), 6) == 0.0375


# ---------------------------------------------------------------- sharding, edge cases


ALL_FACTORIES = [
    *[pytest.param(lambda norm=norm: ExpectedCalibrationError(num_bins=7, norm=norm), id=f"ece_{norm}") for norm in NORMS],
    pytest.param(lambda: BrierScore(), id="brier"),
]


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_batches_of_one_equal_one_shot(build):
    labels, logits, weights = multiclass_data(rows=16)
    probabilities = softmax(logits).astype("float32")
    expected = stream(build(), labels, probabilities, weights)

    actual = stream(build(), labels, probabilities, weights, [1] * 16)

    assert_close(actual, expected)


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_merged_shards_equal_one_shot(build):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    expected = stream(build(), labels, probabilities, weights)
    first, second = build(), build()
    stream(first, labels[:20], probabilities[:20], weights[:20], [3, 17])
    stream(second, labels[20:], probabilities[20:], weights[20:], [1, 15, 1])

    first.merge_state(second)

    assert_close(to_numpy(first.result()), expected)


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_empty_metric_returns_zero(build):
    assert float(to_numpy(build().result())) == 0.0


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_zero_weights_return_zero(build):
    labels, logits, _ = multiclass_data()

    actual = stream(build(), labels, softmax(logits).astype("float32"), np.zeros(ROWS, "float32"), SPLITS[1])

    assert float(actual) == 0.0


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_empty_batch_adds_nothing(build):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    expected = stream(build(), labels, probabilities, weights)
    metric = build()
    metric.update_state(np.zeros((0,), "int32"), np.zeros((0, CLASSES), "float32"))

    actual = stream(metric, labels, probabilities, weights)

    assert_close(actual, expected)


@pytest.mark.parametrize("norm", NORMS)
def test_ece_single_class_matches_torchmetrics(norm):
    labels = np.full(ROWS, 2)
    probabilities = softmax(multiclass_data()[1]).astype("float32")

    actual = stream(ExpectedCalibrationError(num_bins=10, norm=norm), labels, probabilities)

    assert np.isfinite(actual)
    assert_close(actual, torchmetrics_multiclass(labels, probabilities, 10, norm))


def test_brier_single_class_matches_sklearn():
    labels = np.ones(ROWS, "int32")
    probability = sigmoid(binary_data()[1]).astype("float32")
    # scikit-learn 1.9.1: brier_score_loss with pos_label=1, because y_true alone does not name the positive class.
    expected = brier_score_loss(labels, probability, pos_label=1)

    assert_close(stream(BrierScore(), labels, probability), expected)


def test_perfect_predictions_score_zero():
    labels = np.array([0, 2, 1, 1])
    one_hot = np.eye(3, dtype="float32")[labels]

    assert float(stream(BrierScore(), labels, one_hot)) == 0.0
    for norm in NORMS:
        assert float(stream(ExpectedCalibrationError(norm=norm), labels, one_hot)) == 0.0


def test_sklearn_zero_weights_raise():
    # The documented difference: scikit-learn 1.9.1 raises where BrierScore returns 0.
    with pytest.raises(ValueError, match="at least one non-zero"):
        brier_score_loss([0, 1], [0.2, 0.7], sample_weight=[0.0, 0.0])


def test_reset_state_clears_bins():
    labels, logits, _ = multiclass_data()
    metric = ExpectedCalibrationError()
    metric.update_state(labels, softmax(logits).astype("float32"))

    metric.reset_state()

    assert float(to_numpy(metric.result())) == 0.0
    assert not to_numpy(metric.bin_weight).any()


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("build", [ALL_FACTORIES[1], ALL_FACTORIES[3]])
def test_float64_dtype_same_value(build):
    labels, logits, weights = multiclass_data()
    probabilities = softmax(logits).astype("float32")
    expected = stream(build(), labels, probabilities, weights)
    metric = build()
    metric = type(metric).from_config({**metric.get_config(), "dtype": "float64"})

    actual = stream(metric, labels, probabilities, weights, SPLITS[1])

    assert metric.dtype == "float64"
    assert_close(actual, expected)


def test_out_of_range_label_compiled(backend):
    # A compiled evaluate cannot read the values, so label 7 is a class no column predicts. PyTorch runs eagerly and raises.
    model = keras.Sequential([keras.Input((3,)), keras.layers.Identity()])
    # The loss ignores the labels, so only the metric reads the out-of-range one.
    model.compile(loss=lambda y_true, y_pred: keras.ops.mean(y_pred, axis=-1), metrics=[BrierScore()])
    labels = np.array([0, 7], "int32")
    probabilities = np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]], "float32")

    if backend == "torch":
        with pytest.raises(ValueError, match="received 7 at flat index 1"):
            model.evaluate(probabilities, labels, verbose=0)
        return
    values = model.evaluate(probabilities, labels, verbose=0, return_dict=True)

    # Hand-worked: 0.25 + 0.09 + 0.04 for the first row, and 0.01 + 0.36 + 0.09 against no class.
    assert values["brier_score"] == pytest.approx((0.38 + 0.46) / 2, abs=1e-6)


# ---------------------------------------------------------------- bad arguments and inputs


INVALID_ARGUMENTS = [
    (lambda v: ExpectedCalibrationError(num_bins=v), "num_bins", 0, "an integer >= 1"),
    (lambda v: ExpectedCalibrationError(num_bins=v), "num_bins", 1.5, "an integer >= 1"),
    (lambda v: ExpectedCalibrationError(num_bins=v), "num_bins", True, "an integer >= 1"),
    (lambda v: ExpectedCalibrationError(num_bins=v), "num_bins", "15", "an integer >= 1"),
    (lambda v: ExpectedCalibrationError(norm=v), "norm", "l3", "'l1', 'l2', 'max'"),
    (lambda v: ExpectedCalibrationError(norm=v), "norm", None, "'l1', 'l2', 'max'"),
    (lambda v: ExpectedCalibrationError(from_logits=v), "from_logits", "yes", "True or False"),
    (lambda v: BrierScore(from_logits=v), "from_logits", 1, "True or False"),
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


SHAPE_CASES = [
    (np.zeros((5, 3), "float32"), np.full((5, 4), 0.25, "float32"), ["(N, 4) with one-hot rows", "y_true.shape=(5, 3)", "y_pred.shape=(5, 4)"]),
    (np.zeros((5, 3), "float32"), np.full((5,), 0.5, "float32"), ["(N, 2) with one-hot rows", "y_true.shape=(5, 3)", "y_pred.shape=(5,)"]),
    (np.zeros((5,), "int32"), np.full((5, 2, 3), 0.3, "float32"), ["rank of 1 or 2", "y_pred.shape=(5, 2, 3)"]),
    (np.zeros((4,), "int32"), np.full((5, 3), 0.3, "float32"), ["same number of samples", "y_true.shape=(4,)", "y_pred.shape=(5, 3)"]),
    (np.int32(1), np.full((3,), 0.3, "float32"), ["one row per sample", "y_true.shape=()"]),
    (np.zeros((5, 1, 1), "int32"), np.full((5, 3), 0.3, "float32"), ["y_true must have shape", "y_true.shape=(5, 1, 1)"]),
]


@pytest.mark.parametrize("cls", [ExpectedCalibrationError, BrierScore], ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "y_true, y_pred, expected",
    SHAPE_CASES,
    ids=["one_hot_wrong_width", "one_hot_with_binary", "rank_three", "sample_counts_differ", "scalar_label", "label_rank_three"],
)
def test_ambiguous_shape_raises(cls, y_true, y_pred, expected):
    with pytest.raises(ValueError) as caught:
        cls().update_state(y_true, y_pred)

    for part in expected:
        assert part in str(caught.value)


@pytest.mark.parametrize("cls", [ExpectedCalibrationError, BrierScore], ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "y_true, y_pred, expected",
    [
        (np.array([0, 3, 1]), np.full((3, 3), 0.3, "float32"), ["Invalid y_true", "[0, 3)", "with 3 columns", "received 3 at flat index 1"]),
        (np.array([0, 1, 2]), np.full((3,), 0.3, "float32"), ["Invalid y_true", "[0, 2)", "class 1", "received 2 at flat index 2"]),
        (np.array([0.0, 0.5, 1.0], "float32"), np.full((3,), 0.3, "float32"), ["Invalid y_true", "whole numbers", "received 0.5"]),
        (np.array([0, 1]), np.array([0.2, 1.5], "float32"), ["Invalid y_pred", "in [0, 1]", "received 1.5 at flat index 1", "from_logits=True"]),
        (np.array([0, 1]), np.array([[0.2, 0.8], [-0.1, 1.1]], "float32"), ["Invalid y_pred", "received -0.1"]),
    ],
    ids=["label_too_large", "binary_label_two", "label_fraction", "probability_above_one", "probability_negative"],
)
def test_invalid_value_raises(cls, y_true, y_pred, expected):
    with pytest.raises(ValueError) as caught:
        cls().update_state(y_true, y_pred)

    for part in expected:
        assert part in str(caught.value)


def test_logits_accepted_with_from_logits():
    # The same values that raise as probabilities are valid logits.
    metric = BrierScore(from_logits=True)

    metric.update_state(np.array([0, 1]), np.array([[0.2, 0.8], [-0.1, 1.1]], "float32"))

    assert np.isfinite(float(to_numpy(metric.result())))


def test_per_class_sample_weight_raises():
    with pytest.raises(ValueError) as caught:
        ExpectedCalibrationError().update_state(np.zeros(4, "int32"), np.full((4, 3), 0.3, "float32"), np.ones((4, 3), "float32"))

    assert "sample_weight.shape=(4, 3)" in str(caught.value)


# ---------------------------------------------------------------- config and serialization


CONFIG_CASES = [
    (ExpectedCalibrationError, {"num_bins": 20, "norm": "max", "from_logits": True, "name": "ece", "dtype": "float64"}),
    (ExpectedCalibrationError, {"num_bins": 1, "norm": "l2", "from_logits": False, "name": "rms_ce", "dtype": "float16"}),
    (BrierScore, {"from_logits": True, "name": "brier", "dtype": "float64"}),
]


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls, arguments", CONFIG_CASES, ids=["ece", "ece_float16", "brier"])
def test_config_keeps_every_argument(cls, arguments):
    parameters = set(inspect.signature(cls).parameters)

    config = cls(**arguments).get_config()

    assert set(arguments) == parameters
    assert {key: config[key] for key in arguments} == arguments


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls, arguments", CONFIG_CASES, ids=["ece", "ece_float16", "brier"])
def test_serialization_round_trip(cls, arguments):
    metric = cls(**arguments)

    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(metric)))
    restored = keras.saving.deserialize_keras_object(serialized)

    assert serialized["registered_name"] == f"keras_tailor>{cls.__name__}"
    assert type(restored) is cls
    assert restored.get_config() == metric.get_config()


def test_merge_rejects_other_bins():
    with pytest.raises(ValueError, match="num_bins=15 here and 10"):
        ExpectedCalibrationError().merge_state(ExpectedCalibrationError(num_bins=10))


def test_directions_declared():
    assert ExpectedCalibrationError._direction == "down"
    assert BrierScore._direction == "down"


def test_state_aggregation_is_sum():
    for metric in (ExpectedCalibrationError(num_bins=3), BrierScore()):
        assert {variable.aggregation for variable in metric.variables} == {"sum"}, metric.name
    assert tuple(ExpectedCalibrationError(num_bins=3).bin_weight.shape) == (3,)


# ---------------------------------------------------------------- contract checker


@pytest.fixture(scope="module")
def checker_reports():
    """Run the contract checker once on both metrics, on this backend."""
    reports = check_components([ExpectedCalibrationError, BrierScore])
    return {report.label.rsplit(":", 1)[1]: report for report in reports}


@pytest.mark.parametrize("cls", [ExpectedCalibrationError, BrierScore], ids=lambda cls: cls.__name__)
def test_metric_passes_checker(checker_reports, cls, backend):
    report = checker_reports[cls.__name__]

    assert report.passed, report.format()
    assert len(report.results) == len(checks_for("metric"))
    assert report.result("numerics").message.endswith("and all weights 0")
    if backend != "torch":
        # MirroredStrategy or DataParallel over 2 virtual CPU devices ran, rather than being skipped.
        assert report.result("metric_distribution").status == "passed", report.format()
