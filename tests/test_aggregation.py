"""Weighted means of `keras_tailor.metrics.aggregation`, against SciPy.

Every reference value comes from SciPy 1.17.1 (`scipy.stats.gmean` and
`scipy.stats.hmean` with `weights`), named beside each use, or from a
hand-worked number. No expected value comes from the metrics themselves.
"""

import inspect
import json

import keras
import numpy as np
import pytest
import scipy
from conftest import to_numpy
from scipy import stats

from keras_tailor.metrics.aggregation import GeometricMean, HarmonicMean
from keras_tailor.testing import check_components, checks_for

ROWS = 37
# Uneven batches, with batches of one at both ends and in the middle.
SPLITS = ([ROWS], [1, 1, 7, 1, 12, 15])
JAX_FLOAT64_WARNING = pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")
ALL_METRICS = (GeometricMean, HarmonicMean)
# SciPy 1.17.1: the weighted means of the metrics here.
REFERENCES = {GeometricMean: stats.gmean, HarmonicMean: stats.hmean}
CLASS_IDS = [cls.__name__ for cls in ALL_METRICS]


def positive_data(rows=ROWS, seed=0):
    """Return float32 values spread over four orders of magnitude and weights with two zeros."""
    rng = np.random.default_rng(seed)
    values = np.exp(rng.uniform(-4.0, 5.0, size=rows))
    weights = rng.uniform(0.1, 2.0, size=rows)
    weights[[3, 11]] = 0.0
    return values.astype("float32"), weights.astype("float32")


def stream(metric, values, weights=None, splits=None):
    """Update `metric` batch by batch over `splits` and return its result as a float."""
    splits = splits or [len(values)]
    start = 0
    for size in splits:
        stop = start + size
        metric.update_state(values[start:stop], None if weights is None else weights[start:stop])
        start = stop
    assert start == len(values)
    return float(to_numpy(metric.result()))


def test_scipy_reference_version():
    # The references and the documented differences were read in this version.
    assert scipy.__version__ == "1.17.1"


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven"])
@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_matches_scipy(cls, splits, weighted):
    values, weights = positive_data()
    weights = weights if weighted else None
    expected = REFERENCES[cls](values.astype("float64"), weights=weights)

    actual = stream(cls(), values, weights, splits)

    assert actual == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_batches_of_one_equal_one_shot(cls):
    values, weights = positive_data(rows=16)
    expected = stream(cls(), values, weights)

    actual = stream(cls(), values, weights, [1] * 16)

    assert actual == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_merged_shards_equal_one_shot(cls):
    values, weights = positive_data()
    expected = stream(cls(), values, weights)
    first, second = cls(), cls()
    stream(first, values[:20], weights[:20], [3, 17])
    stream(second, values[20:], weights[20:], [1, 15, 1])

    first.merge_state(second)

    assert float(to_numpy(first.result())) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_sample_weight_broadcast_over_values(cls):
    # One weight per row of a (N, 3) batch weights all 3 values of that row.
    values, weights = positive_data(rows=12)
    matrix = np.stack([values, values * 2.0, values / 3.0], axis=1)
    expected = REFERENCES[cls](matrix.ravel().astype("float64"), weights=np.repeat(weights, 3))

    for shaped in (weights, weights[:, None]):
        metric = cls()
        metric.update_state(matrix, sample_weight=shaped)

        assert float(to_numpy(metric.result())) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_scalar_sample_weight_keeps_mean(cls):
    values, _ = positive_data()
    expected = REFERENCES[cls](values.astype("float64"))

    metric = cls()
    metric.update_state(values, sample_weight=2.5)

    assert float(to_numpy(metric.result())) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    "cls, expected",
    [(GeometricMean, 2.828427), (HarmonicMean, 2.285714)],
    ids=CLASS_IDS,
)
def test_docstring_example(cls, expected):
    # Hand-worked: exp((log 1 + 3 log 4) / 4) = 4**0.75, and 4 / (1 + 3/4).
    metric = cls()

    metric.update_state([1.0, 4.0], sample_weight=[1.0, 3.0])

    assert round(float(to_numpy(metric.result())), 6) == expected


# ---------------------------------------------------------------- zeros, negatives, NaN and infinity


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_zero_value_gives_zero(cls):
    values, weights = positive_data()
    values[7] = 0.0
    # SciPy 1.17.1 returns 0 for a zero value too.
    assert REFERENCES[cls](values.astype("float64"), weights=weights) == 0.0

    assert stream(cls(), values, weights, SPLITS[1]) == 0.0


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_zero_value_of_weight_zero_ignored(cls):
    values, weights = positive_data()
    values[3] = 0.0
    has_weight = weights > 0
    expected = REFERENCES[cls](values[has_weight].astype("float64"), weights=weights[has_weight])

    assert stream(cls(), values, weights, SPLITS[1]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_nan_or_infinity_of_weight_zero_ignored(cls):
    values, weights = positive_data()
    values[3], values[11] = np.nan, np.inf
    has_weight = weights > 0
    expected = REFERENCES[cls](values[has_weight].astype("float64"), weights=weights[has_weight])

    assert stream(cls(), values, weights) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_nan_value_gives_nan(cls):
    values, _ = positive_data()
    values[5] = np.nan

    # SciPy 1.17.1 returns NaN too, as keras.metrics.Mean does.
    assert np.isnan(REFERENCES[cls](values.astype("float64")))
    assert np.isnan(stream(cls(), values))


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_infinite_value_matches_scipy(cls):
    values = np.array([1.0, np.inf, 4.0], "float32")
    # SciPy 1.17.1: gmean is inf, hmean 3 / (1 + 0 + 1/4).
    expected = REFERENCES[cls](values.astype("float64"))

    assert stream(cls(), values) == pytest.approx(expected, rel=1e-6)


def test_all_infinite_harmonic_mean_infinite():
    assert stream(HarmonicMean(), np.full(3, np.inf, "float32")) == np.inf


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_negative_value_raises(cls):
    values, weights = positive_data()
    values[9] = -0.5

    with pytest.raises(ValueError) as caught:
        stream(cls(), values, weights)

    message = str(caught.value)
    assert f"Invalid values: {cls.__name__} is defined for values >= 0" in message
    assert "received -0.5 at flat index 9" in message


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_scipy_negative_value_nan(cls):
    # The documented difference: SciPy 1.17.1 returns NaN, with a warning, where the metrics raise.
    with pytest.warns(RuntimeWarning):
        assert np.isnan(REFERENCES[cls](np.array([-1.0, 2.0])))


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_negative_value_compiled_gives_zero(cls, backend):
    values = np.array([[2.0, -1.0], [3.0, 4.0]], "float32")
    metric = cls()
    if backend == "jax":
        import jax

        variables = jax.jit(metric.stateless_update_state)([v.value for v in metric.variables], values)
        result = float(metric.stateless_result(variables))
    elif backend == "tensorflow":
        import tensorflow as tf

        tf.function(metric.update_state)(values)
        result = float(to_numpy(metric.result()))
    else:
        pytest.skip("PyTorch runs update_state eagerly, where a negative value raises")

    assert result == 0.0


# ---------------------------------------------------------------- empty, zero weights, dtypes


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_empty_metric_returns_zero(cls):
    assert float(to_numpy(cls().result())) == 0.0


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_zero_weights_return_zero(cls):
    values, _ = positive_data()

    assert stream(cls(), values, np.zeros(ROWS, "float32"), SPLITS[1]) == 0.0


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_empty_batch_adds_nothing(cls):
    values, weights = positive_data()
    expected = stream(cls(), values, weights)
    metric = cls()
    metric.update_state(np.zeros((0,), "float32"))

    assert stream(metric, values, weights) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_integer_values_accepted(cls):
    expected = REFERENCES[cls](np.array([1.0, 2.0, 8.0]))

    assert stream(cls(), np.array([1, 2, 8], "int32")) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_reset_state_clears_sums(cls):
    values, _ = positive_data()
    metric = cls()
    metric.update_state(values)

    metric.reset_state()

    assert float(to_numpy(metric.result())) == 0.0


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_float64_dtype_matches_scipy(cls):
    values, weights = positive_data()
    expected = REFERENCES[cls](values.astype("float64"), weights=weights)
    metric = cls(dtype="float64")

    actual = stream(metric, values, weights, SPLITS[1])

    assert metric.dtype == "float64"
    assert actual == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_float16_dtype_close(cls):
    values, weights = positive_data()
    expected = REFERENCES[cls](values.astype("float64"), weights=weights)

    actual = stream(cls(dtype="float16"), values, weights, SPLITS[1])

    assert actual == pytest.approx(expected, rel=1e-2)


# ---------------------------------------------------------------- config and serialization


@JAX_FLOAT64_WARNING
@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_config_keeps_every_argument(cls):
    arguments = {"name": "aggregated", "dtype": "float64"}
    parameters = set(inspect.signature(cls).parameters)

    config = cls(**arguments).get_config()

    assert set(arguments) == parameters
    assert {key: config[key] for key in arguments} == arguments


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_serialization_round_trip(cls):
    metric = cls(name="aggregated", dtype="float16")

    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(metric)))
    restored = keras.saving.deserialize_keras_object(serialized)

    assert serialized["registered_name"] == f"keras_tailor>{cls.__name__}"
    assert type(restored) is cls
    assert restored.get_config() == metric.get_config()


def test_update_state_signature_like_mean():
    expected = list(inspect.signature(keras.metrics.Mean.update_state).parameters)

    for cls in ALL_METRICS:
        assert list(inspect.signature(cls.update_state).parameters) == expected


def test_no_direction_declared():
    # Whether a higher mean is better depends on the values, as for keras.metrics.Mean.
    for cls in ALL_METRICS:
        assert not hasattr(cls, "_direction")
        assert "depends on the values" in cls._no_direction


def test_state_aggregation_is_sum():
    for cls in ALL_METRICS:
        assert {variable.aggregation for variable in cls().variables} == {"sum"}, cls.__name__


# ---------------------------------------------------------------- contract checker


# A metric of values takes update_state(values, sample_weight=None), as
# keras.metrics.Mean does, so model.compile cannot use it and the checks that
# compile a model report themselves skipped. The checker feeds the values alone
# to the others.
CHECKS_SKIPPED_FOR_VALUES = ("model_round_trip", "mixed_precision", "metric_history", "metric_distribution")


@pytest.fixture(scope="module")
def checker_reports():
    """Run the contract checker once on both metrics, on this backend."""
    reports = check_components(list(ALL_METRICS))
    return {report.label.rsplit(":", 1)[1]: report for report in reports}


@pytest.mark.parametrize("cls", ALL_METRICS, ids=CLASS_IDS)
def test_checker_passes_values_metric(checker_reports, cls, backend):
    report = checker_reports[cls.__name__]

    assert report.passed, report.format()
    assert len(report.results) == len(checks_for("metric"))
    for name in ("config", "registration", "numerics", "metric_streaming"):
        assert report.result(name).status == "passed", report.format()
    for name in CHECKS_SKIPPED_FOR_VALUES:
        assert report.result(name).status == "skipped", name
        assert "model.compile cannot use it" in report.result(name).message
    assert report.result("metric_direction").status == "skipped"
    assert report.result("metric_stateless").status == ("passed" if backend == "jax" else "skipped")
