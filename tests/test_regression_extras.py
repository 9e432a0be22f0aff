"""Regression metrics of `keras_tailor.metrics.regression_extras`, against scikit-learn and numpy formulas.

Explained variance references come from scikit-learn 1.9.1
(`sklearn.metrics.explained_variance_score`), named beside each use. The
percentage errors have no scikit-learn counterpart, so their references are
numpy formulas written here from the definitions in the docstrings, or
hand-worked numbers. No expected value comes from the metrics themselves.
"""

import inspect
import json

import keras
import numpy as np
import pytest
import sklearn
from conftest import to_numpy
from sklearn.metrics import explained_variance_score

from keras_tailor.metrics.regression_extras import ExplainedVariance, SymmetricMAPE, WeightedMAPE
from keras_tailor.testing import check_components, checks_for

ROWS = 37
OUTPUTS = 3
# Uneven batches, with batches of one at both ends and in the middle.
SPLITS = ([ROWS], [1, 1, 7, 1, 12, 15])
JAX_FLOAT64_WARNING = pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")
ALL_METRICS = (ExplainedVariance, SymmetricMAPE, WeightedMAPE)


def regression_data(rows=ROWS, outputs=OUTPUTS, seed=0):
    """Return float32 targets with column means 0, 5 and -20, noisy biased predictions, and weights with two zeros."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(rows, outputs)) * np.arange(1, outputs + 1) + np.array([0.0, 5.0, -20.0])[:outputs]
    y_pred = 0.8 * y_true + rng.normal(scale=0.7, size=(rows, outputs)) + 0.3
    weights = rng.uniform(0.1, 2.0, size=rows)
    weights[[3, 11]] = 0.0
    return y_true.astype("float32"), y_pred.astype("float32"), weights.astype("float32")


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


def assert_close(actual, expected, rtol=1e-5):
    np.testing.assert_allclose(actual, np.asarray(expected, dtype="float64"), rtol=rtol, atol=2e-6)


def smape_reference(y_true, y_pred, weights=None):
    """Return the weighted mean of 2|e| / (|y_true| + |y_pred|) over all elements, 0 where both are 0."""
    y_true, y_pred = np.asarray(y_true, "float64"), np.asarray(y_pred, "float64")
    denominator = np.abs(y_true) + np.abs(y_pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(denominator > 0, 2.0 * np.abs(y_true - y_pred) / denominator, 0.0)
    weights = np.ones(len(ratios)) if weights is None else np.asarray(weights, "float64")
    weights = np.broadcast_to(weights.reshape(-1, *[1] * (ratios.ndim - 1)), ratios.shape)
    return (weights * ratios).sum() / weights.sum()


def wmape_reference(y_true, y_pred, weights=None):
    """Return sum(w * |e|) / max(sum(w * |y_true|), float64 epsilon)."""
    y_true, y_pred = np.asarray(y_true, "float64"), np.asarray(y_pred, "float64")
    weights = np.ones(len(y_true)) if weights is None else np.asarray(weights, "float64")
    weights = np.broadcast_to(weights.reshape(-1, *[1] * (y_true.ndim - 1)), y_true.shape)
    return (weights * np.abs(y_true - y_pred)).sum() / max((weights * np.abs(y_true)).sum(), np.finfo(np.float64).eps)


def test_sklearn_reference_version():
    # The references and the documented differences were read in this version.
    assert sklearn.__version__ == "1.9.1"


# ---------------------------------------------------------------- explained variance


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven"])
def test_explained_variance_matches_sklearn(splits, weighted):
    y_true, y_pred, weights = regression_data()
    weights = weights if weighted else None
    # scikit-learn 1.9.1: explained_variance_score, uniform average over the 3 columns.
    expected = explained_variance_score(y_true, y_pred, sample_weight=weights, multioutput="uniform_average")

    actual = stream(ExplainedVariance(num_outputs=OUTPUTS), y_true, y_pred, weights, splits)

    assert_close(actual, expected)


@pytest.mark.parametrize(
    "to_targets",
    [lambda column: column[:, 0], lambda column: column],
    ids=["vector", "column"],
)
def test_explained_variance_single_output(to_targets):
    y_true, y_pred, weights = regression_data(outputs=1)
    # scikit-learn 1.9.1: sklearn.metrics.explained_variance_score.
    expected = explained_variance_score(y_true[:, 0], y_pred[:, 0], sample_weight=weights)

    actual = stream(ExplainedVariance(), to_targets(y_true), to_targets(y_pred), weights, SPLITS[1])

    assert_close(actual, expected)


def test_explained_variance_ignores_constant_bias():
    y_true, y_pred, _ = regression_data(outputs=1)
    expected = stream(ExplainedVariance(), y_true, y_pred)

    actual = stream(ExplainedVariance(), y_true, y_pred + 3.0)

    assert float(actual) == pytest.approx(float(expected), abs=2e-5)


@pytest.mark.parametrize("shift", [0.0, 1.0e4, [1.0e4]], ids=["zero", "mean", "list"])
def test_large_offset_with_shift(shift):
    # 1000 float32 targets of mean 1e4 and standard deviation 1, in 10 batches.
    rng = np.random.default_rng(8)
    y_true = (1.0e4 + rng.normal(size=1000)).astype("float32")
    y_pred = (y_true + rng.normal(scale=0.5, size=1000)).astype("float32")
    # scikit-learn 1.9.1: explained_variance_score in float64 on the same float32 values.
    expected = explained_variance_score(y_true.astype("float64"), y_pred.astype("float64"))

    actual = float(stream(ExplainedVariance(shift=shift), y_true, y_pred, splits=[100] * 10))

    if shift == 0.0:
        # The documented case: the variance about 0 is below float32 rounding, so the score is 0.
        assert actual == 0.0
    else:
        assert actual == pytest.approx(expected, abs=1e-6)


def test_shift_per_column():
    y_true, y_pred, weights = regression_data()
    offset = np.array([0.0, 3.0e3, -5.0e3], "float32")
    # scikit-learn 1.9.1: explained_variance_score, whose value no offset changes.
    expected = explained_variance_score(y_true + offset, y_pred + offset, sample_weight=weights)

    actual = stream(ExplainedVariance(OUTPUTS, shift=offset.tolist()), y_true + offset, y_pred + offset, weights, SPLITS[1])

    assert_close(actual, expected, rtol=1e-4)


@pytest.mark.parametrize("constant", [4.0, 3.7, -1234.5])
@pytest.mark.parametrize(
    "y_pred_of, expected",
    [
        (lambda y: y.copy(), 1.0),
        (lambda y: y + 2.0, 1.0),
        (lambda y: y + np.linspace(0.0, 1.0, len(y), dtype="float32")[:, None], 0.0),
    ],
    ids=["perfect", "constant_error", "varying_error"],
)
def test_constant_target_force_finite(y_pred_of, expected, constant):
    y_true = np.full((ROWS, 1), constant, "float32")
    y_pred = y_pred_of(y_true).astype("float32")
    weights = regression_data()[2]

    actual = float(stream(ExplainedVariance(), y_true, y_pred, weights, SPLITS[1]))

    assert actual == expected


@pytest.mark.parametrize(
    "y_pred_of, expected",
    [(lambda y: y + 2.0, 1.0), (lambda y: y + np.linspace(0.0, 1.0, len(y))[:, None], 0.0)],
    ids=["constant_error", "varying_error"],
)
def test_sklearn_constant_target_cases(y_pred_of, expected):
    # scikit-learn 1.9.1 with force_finite=True, on a constant that float64 weighted means keep exact.
    y_true = np.full((ROWS, 1), 4.0)
    weights = regression_data()[2].astype("float64")

    assert explained_variance_score(y_true, y_pred_of(y_true), sample_weight=weights) == expected


def test_sklearn_float32_constant_target_not_finite_case():
    # The documented difference: on float32 input scikit-learn 1.9.1 counts rounding error as variance.
    y_true = np.full((ROWS, 1), 3.7, "float32")
    y_pred = y_true + np.linspace(0.0, 1.0, ROWS, dtype="float32")[:, None]

    assert explained_variance_score(y_true, y_pred, sample_weight=regression_data()[2]) < -1.0e9


def test_constant_column_averaged_uniformly():
    y_true, y_pred, weights = regression_data()
    y_true[:, 1] = -2.0
    y_true, y_pred, weights = (array.astype("float64") for array in (y_true, y_pred, weights))
    # scikit-learn 1.9.1 in float64: the constant column scores 0, and the mean is over all 3 columns.
    expected = explained_variance_score(y_true, y_pred, sample_weight=weights)
    two_columns = explained_variance_score(y_true[:, [0, 2]], y_pred[:, [0, 2]], sample_weight=weights)

    actual = stream(ExplainedVariance(OUTPUTS), y_true.astype("float32"), y_pred.astype("float32"), weights, SPLITS[1])

    assert_close(actual, expected)
    assert_close(actual, two_columns * 2 / 3)


def test_explained_variance_docstring_example():
    metric = ExplainedVariance()

    metric.update_state([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])

    # scikit-learn 1.9.1 documents 0.957... for the same input.
    assert round(float(to_numpy(metric.result())), 6) == 0.957173


def test_explained_variance_wrong_width_raises():
    with pytest.raises(ValueError) as caught:
        ExplainedVariance(num_outputs=2).update_state(np.zeros((4, 3)), np.zeros((4, 3)))

    message = str(caught.value)
    assert "shape (N, 2) for num_outputs=2" in message
    assert "received shape (4, 3)" in message


def test_explained_variance_vector_needs_one_output():
    with pytest.raises(ValueError, match=r"received shape \(4,\)"):
        ExplainedVariance(num_outputs=2).update_state(np.zeros(4), np.zeros(4))


# ---------------------------------------------------------------- percentage errors


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "cls, reference",
    [(SymmetricMAPE, smape_reference), (WeightedMAPE, wmape_reference)],
    ids=["smape", "wmape"],
)
def test_percentage_errors_match_formula(cls, reference, weighted):
    y_true, y_pred, weights = regression_data()
    y_true[[5, 9], 0] = 0.0
    y_pred[5, 0] = 0.0
    weights = weights if weighted else None
    expected = reference(y_true, y_pred, weights)

    for splits in SPLITS:
        assert_close(stream(cls(), y_true, y_pred, weights, splits), expected)


@pytest.mark.parametrize("cls", [SymmetricMAPE, WeightedMAPE], ids=lambda cls: cls.__name__)
def test_column_sample_weight_same(cls):
    y_true, y_pred, weights = regression_data()

    expected = stream(cls(), y_true, y_pred, weights)
    actual = stream(cls(), y_true, y_pred, weights[:, None])

    assert_close(actual, expected)


@pytest.mark.parametrize("cls", [SymmetricMAPE, WeightedMAPE], ids=lambda cls: cls.__name__)
def test_element_sample_weight_matches_formula(cls):
    y_true, y_pred, _ = regression_data(outputs=2)
    weights = np.random.default_rng(4).uniform(0.0, 1.0, size=y_true.shape).astype("float32")
    expected = {
        SymmetricMAPE: lambda: (weights * 2 * np.abs(y_true - y_pred) / (np.abs(y_true) + np.abs(y_pred))).sum() / weights.sum(),
        WeightedMAPE: lambda: (weights * np.abs(y_true - y_pred)).sum() / (weights * np.abs(y_true)).sum(),
    }[cls]()

    assert_close(stream(cls(), y_true, y_pred, weights), expected)


def test_smape_zero_pairs_count_as_perfect():
    # Hand-worked: 2 * 10 / 210, 0 for the zero pair, 2 * 10 / 90 and 2 * 5 / 5, over 4 elements.
    metric = SymmetricMAPE()

    metric.update_state([100.0, 0.0, 50.0, 0.0], [110.0, 0.0, 40.0, 5.0])

    assert round(float(to_numpy(metric.result())), 6) == 0.579365


def test_smape_all_zero_pairs_zero():
    assert float(stream(SymmetricMAPE(), np.zeros((5, 2), "float32"), np.zeros((5, 2), "float32"))) == 0.0


def test_smape_bounds_and_overflow():
    # Opposite signs give the maximum 2, also near the largest float32, where y_true - y_pred overflows.
    y_true = np.array([3.0e38, -1.0, 1.0e-30], "float32")
    y_pred = np.array([-3.0e38, 1.0, 0.0], "float32")

    actual = float(stream(SymmetricMAPE(), y_true, y_pred))

    assert actual == pytest.approx(2.0, rel=1e-6)


def test_wmape_docstring_example():
    # Hand-worked: (10 + 0 + 10 + 5) / (100 + 50).
    metric = WeightedMAPE()

    metric.update_state([100.0, 0.0, 50.0, 0.0], [110.0, 0.0, 40.0, 5.0])

    assert round(float(to_numpy(metric.result())), 6) == 0.166667


def test_wmape_zero_targets_large_but_finite():
    y_true = np.zeros(4, "float32")
    y_pred = np.array([0.0, 1.0e-3, 0.0, 2.0e-3], "float32")

    actual = float(stream(WeightedMAPE(), y_true, y_pred))

    assert np.isfinite(actual)
    assert actual == pytest.approx(3.0e-3 / np.finfo(np.float64).eps, rel=1e-5)
    assert float(stream(WeightedMAPE(), y_true, np.zeros(4, "float32"))) == 0.0


def test_percentage_errors_broadcast_column_targets():
    y_true, y_pred, _ = regression_data(outputs=1)

    for cls in (SymmetricMAPE, WeightedMAPE):
        assert_close(stream(cls(), y_true[:, 0], y_pred), stream(cls(), y_true, y_pred))


@pytest.mark.parametrize("cls", [SymmetricMAPE, WeightedMAPE], ids=lambda cls: cls.__name__)
def test_percentage_shape_mismatch_raises(cls):
    with pytest.raises(ValueError) as caught:
        cls().update_state(np.zeros((4, 1)), np.zeros((4, 3)))

    assert "y_true.shape=(4, 1)" in str(caught.value)
    assert "y_pred.shape=(4, 3)" in str(caught.value)


# ---------------------------------------------------------------- sharding, edge cases


ALL_FACTORIES = [
    pytest.param(lambda: ExplainedVariance(OUTPUTS), id="explained_variance"),
    pytest.param(lambda: ExplainedVariance(OUTPUTS, shift=[0.0, 5.0, -20.0]), id="explained_variance_shift"),
    pytest.param(lambda: SymmetricMAPE(), id="smape"),
    pytest.param(lambda: WeightedMAPE(), id="wmape"),
]


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_batches_of_one_equal_one_shot(build):
    y_true, y_pred, weights = regression_data(rows=16)
    expected = stream(build(), y_true, y_pred, weights)

    actual = stream(build(), y_true, y_pred, weights, [1] * 16)

    assert_close(actual, expected)


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_merged_shards_equal_one_shot(build):
    y_true, y_pred, weights = regression_data()
    expected = stream(build(), y_true, y_pred, weights)
    first, second = build(), build()
    stream(first, y_true[:20], y_pred[:20], weights[:20], [3, 17])
    stream(second, y_true[20:], y_pred[20:], weights[20:], [1, 15, 1])

    first.merge_state(second)

    assert_close(to_numpy(first.result()), expected)


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_empty_metric_returns_zero(build):
    assert float(to_numpy(build().result())) == 0.0


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_zero_weights_return_zero(build):
    y_true, y_pred, _ = regression_data()

    assert float(stream(build(), y_true, y_pred, np.zeros(ROWS, "float32"), SPLITS[1])) == 0.0


@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_empty_batch_adds_nothing(build):
    y_true, y_pred, weights = regression_data()
    expected = stream(build(), y_true, y_pred, weights)
    metric = build()
    metric.update_state(np.zeros((0, OUTPUTS), "float32"), np.zeros((0, OUTPUTS), "float32"))

    assert_close(stream(metric, y_true, y_pred, weights), expected)


def test_sklearn_zero_weights_raise():
    # The documented difference: scikit-learn 1.9.1 raises where ExplainedVariance returns 0.
    with pytest.raises(ValueError, match="at least one non-zero"):
        explained_variance_score([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0])


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("build", ALL_FACTORIES)
def test_float64_dtype_same_value(build):
    y_true, y_pred, weights = regression_data()
    expected = stream(build(), y_true, y_pred, weights)
    metric = build()
    metric = type(metric).from_config({**metric.get_config(), "dtype": "float64"})

    actual = stream(metric, y_true, y_pred, weights, SPLITS[1])

    assert metric.dtype == "float64"
    assert_close(actual, expected)


# Without a shift, the float16 sums of squares of the column of mean -20 round
# away its variance, so only the shifted ExplainedVariance is compared.
@pytest.mark.parametrize("build", ALL_FACTORIES[1:])
def test_float16_dtype_close(build):
    # A float16 state keeps about 3 digits per sum, and the variances cancel some of them.
    y_true, y_pred, weights = regression_data()
    expected = stream(build(), y_true, y_pred, weights)
    metric = build()
    metric = type(metric).from_config({**metric.get_config(), "dtype": "float16"})

    actual = stream(metric, y_true, y_pred, weights, SPLITS[1])

    assert metric.dtype == "float16"
    np.testing.assert_allclose(actual, expected, rtol=1e-1)


# ---------------------------------------------------------------- bad arguments


INVALID_ARGUMENTS = [
    (lambda v: ExplainedVariance(num_outputs=v), "num_outputs", 0, "an integer >= 1"),
    (lambda v: ExplainedVariance(num_outputs=v), "num_outputs", 2.0, "an integer >= 1"),
    (lambda v: ExplainedVariance(num_outputs=v), "num_outputs", True, "an integer >= 1"),
    (lambda v: ExplainedVariance(shift=v), "shift", float("nan"), "a finite number"),
    (lambda v: ExplainedVariance(shift=v), "shift", float("inf"), "a finite number"),
    (lambda v: ExplainedVariance(shift=v), "shift", "1.0", "a finite number"),
    (lambda v: ExplainedVariance(shift=v), "shift", None, "a finite number"),
    (lambda v: ExplainedVariance(num_outputs=2, shift=v), "shift", [1.0, 2.0, 3.0], "a list of num_outputs=2 finite numbers"),
    (lambda v: ExplainedVariance(num_outputs=2, shift=v), "shift", [1.0, float("nan")], "a finite number"),
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
    assert valid in message
    if not isinstance(value, list):
        assert repr(value) in message
    elif len(value) == 3:
        assert repr(value) in message
    else:
        assert "nan" in message


def test_tensor_shift_raises():
    with pytest.raises(ValueError, match="Invalid shift: received a tensor"):
        ExplainedVariance(shift=keras.ops.convert_to_tensor(1.0))


# ---------------------------------------------------------------- config and serialization


CONFIG_CASES = [
    (ExplainedVariance, {"num_outputs": 2, "shift": [1.5, -3.0], "name": "ev", "dtype": "float64"}),
    (ExplainedVariance, {"num_outputs": 1, "shift": 250.0, "name": "ev16", "dtype": "float16"}),
    (SymmetricMAPE, {"name": "smape", "dtype": "float64"}),
    (WeightedMAPE, {"name": "wmape", "dtype": "float64"}),
]
CONFIG_IDS = ["explained_variance", "explained_variance_float16", "smape", "wmape"]


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls, arguments", CONFIG_CASES, ids=CONFIG_IDS)
def test_config_keeps_every_argument(cls, arguments):
    parameters = set(inspect.signature(cls).parameters)

    config = cls(**arguments).get_config()

    assert set(arguments) == parameters
    assert {key: config[key] for key in arguments} == arguments


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls, arguments", CONFIG_CASES, ids=CONFIG_IDS)
def test_serialization_round_trip(cls, arguments):
    metric = cls(**arguments)

    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(metric)))
    restored = keras.saving.deserialize_keras_object(serialized)

    assert serialized["registered_name"] == f"keras_tailor>{cls.__name__}"
    assert type(restored) is cls
    assert restored.get_config() == metric.get_config()


def test_merge_rejects_other_shift():
    with pytest.raises(ValueError, match="shift=0.0 here and 1.0"):
        ExplainedVariance().merge_state(ExplainedVariance(shift=1.0))


def test_directions_declared():
    directions = {cls.__name__: cls._direction for cls in ALL_METRICS}

    assert directions == {"ExplainedVariance": "up", "SymmetricMAPE": "down", "WeightedMAPE": "down"}


def test_state_aggregation_is_sum():
    for metric in (ExplainedVariance(OUTPUTS), SymmetricMAPE(), WeightedMAPE()):
        assert {variable.aggregation for variable in metric.variables} == {"sum"}, metric.name


# ---------------------------------------------------------------- contract checker


@pytest.fixture(scope="module")
def checker_reports():
    """Run the contract checker once on every metric here, on this backend."""
    reports = check_components(list(ALL_METRICS))
    return {report.label.rsplit(":", 1)[1]: report for report in reports}


@pytest.mark.parametrize("cls", ALL_METRICS, ids=lambda cls: cls.__name__)
def test_metric_passes_checker(checker_reports, cls, backend):
    report = checker_reports[cls.__name__]

    assert report.passed, report.format()
    assert len(report.results) == len(checks_for("metric"))
    if backend != "torch":
        # MirroredStrategy or DataParallel over 2 virtual CPU devices ran, rather than being skipped.
        assert report.result("metric_distribution").status == "passed", report.format()


def test_checker_varies_shift(checker_reports):
    config = checker_reports["ExplainedVariance"].result("config")

    assert config.status == "passed"
    assert "left at default" not in config.message
