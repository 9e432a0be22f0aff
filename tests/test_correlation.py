"""Correlation metrics of `keras_tailor.metrics.correlation`, against scipy and the textbook formulas.

Pearson, Spearman and Kendall references come from scipy 1.17.1
(`scipy.stats.pearsonr`, `spearmanr`, `kendalltau`), named beside each use.
Lin's concordance correlation coefficient has no scipy function, so its
reference is the formula of Lin (1989), "A concordance correlation coefficient
to evaluate reproducibility", Biometrics 45(1), 255-268, written here in
numpy. No expected value comes from the metrics themselves.
"""

import doctest
import inspect
import json

import keras
import numpy as np
import pytest
import scipy
from conftest import to_numpy
from scipy import stats

from keras_tailor.metrics import correlation
from keras_tailor.metrics.correlation import Concordance, KendallTauB, Pearson, Spearman
from keras_tailor.testing import check_components, checks_for

ROWS = 61
# Uneven batches, with batches of one at both ends and in the middle.
SPLITS = ([ROWS], [1, 1, 9, 1, 20, 29], [1] * 7 + [54])
ALL_METRICS = (Pearson, Concordance, Spearman, KendallTauB)
# JAX without jax_enable_x64 warns that it stores a dtype="float64" metric in float32.
JAX_FLOAT64_WARNING = pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")


def regression_data(rows=ROWS, seed=0, offset=0.0):
    """Return float32 targets, predictions correlated with them (r about 0.8), and weights with two zeros."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=rows)
    y_true = offset + signal
    y_pred = offset + 0.3 + 0.8 * signal + 0.6 * rng.normal(size=rows)
    weights = rng.uniform(0.1, 2.0, size=rows)
    weights[[3, 11]] = 0.0
    return y_true.astype("float32"), y_pred.astype("float32"), weights.astype("float32")


def discrete_data(rows=ROWS, seed=1, levels=10):
    """Return float32 integer values 0..levels-1 with many ties, predictions near them, and integer weights."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, levels, size=rows)
    y_pred = np.clip(y_true + rng.integers(-3, 4, size=rows), 0, levels - 1)
    weights = rng.integers(0, 4, size=rows)
    return y_true.astype("float32"), y_pred.astype("float32"), weights.astype("float32")


def stream(metric, y_true, y_pred, weights=None, splits=None):
    """Update `metric` batch by batch over `splits` and return its result as a float."""
    splits = splits or [len(y_true)]
    start = 0
    for size in splits:
        stop = start + size
        metric.update_state(y_true[start:stop], y_pred[start:stop], None if weights is None else weights[start:stop])
        start = stop
    assert start == len(y_true)
    return float(to_numpy(metric.result()))


def lin_concordance(x, y, weights=None):
    """Lin (1989): 2 s_xy / (s_x**2 + s_y**2 + (mean_x - mean_y)**2), moments divided by the weight sum."""
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    weights = np.ones_like(x) if weights is None else np.asarray(weights, "float64")
    mean_x, mean_y = np.average(x, weights=weights), np.average(y, weights=weights)
    covariance = np.average((x - mean_x) * (y - mean_y), weights=weights)
    variance_x = np.average((x - mean_x) ** 2, weights=weights)
    variance_y = np.average((y - mean_y) ** 2, weights=weights)
    return 2.0 * covariance / (variance_x + variance_y + (mean_x - mean_y) ** 2)


def weighted_pearson(x, y, weights):
    """Pearson's r from numpy's weighted covariance matrix (`np.cov` with `aweights`)."""
    matrix = np.cov(np.asarray(x, "float64"), np.asarray(y, "float64"), aweights=np.asarray(weights, "float64"))
    return matrix[0, 1] / np.sqrt(matrix[0, 0] * matrix[1, 1])


def pearson_reference(x, y):
    # scipy 1.17.1: scipy.stats.pearsonr.
    return stats.pearsonr(np.asarray(x, "float64"), np.asarray(y, "float64")).statistic


def spearman_reference(x, y):
    # scipy 1.17.1: scipy.stats.spearmanr, midranks for ties.
    return stats.spearmanr(np.asarray(x, "float64"), np.asarray(y, "float64")).statistic


def kendall_reference(x, y):
    # scipy 1.17.1: scipy.stats.kendalltau, variant "b" (the default).
    return stats.kendalltau(np.asarray(x, "float64"), np.asarray(y, "float64")).statistic


def test_scipy_reference_version():
    # The references and the measured approximation errors were read in this version.
    assert scipy.__version__ == "1.17.1"


# ---------------------------------------------------------------- Pearson and concordance


@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven", "ones_then_rest"])
def test_pearson_matches_scipy(splits):
    y_true, y_pred, _ = regression_data()
    expected = pearson_reference(y_true, y_pred)

    actual = stream(Pearson(), y_true[:, None], y_pred[:, None], splits=splits)

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven", "ones_then_rest"])
def test_concordance_matches_lin_formula(splits):
    y_true, y_pred, _ = regression_data()
    expected = lin_concordance(y_true, y_pred)

    actual = stream(Concordance(), y_true[:, None], y_pred[:, None], splits=splits)

    assert actual == pytest.approx(expected, abs=2e-6)


def test_concordance_penalizes_shift():
    # Hand-worked: y_pred = y_true + 1 has r = 1, and ccc = 2 * 1.25 / (1.25 + 1.25 + 1) = 5/7.
    y_true = np.array([1.0, 2.0, 3.0, 4.0], "float32")

    pearson = stream(Pearson(), y_true, y_true + 1.0)
    concordance = stream(Concordance(), y_true, y_true + 1.0)

    assert pearson == pytest.approx(1.0, abs=1e-6)
    assert concordance == pytest.approx(5.0 / 7.0, abs=1e-6)


@pytest.mark.parametrize(
    "build, reference",
    [(Pearson, weighted_pearson), (Concordance, lin_concordance)],
    ids=["pearson", "concordance"],
)
@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven", "ones_then_rest"])
def test_moment_metric_real_weights(build, reference, splits):
    y_true, y_pred, weights = regression_data(seed=2)
    expected = reference(y_true, y_pred, weights)

    actual = stream(build(), y_true, y_pred, weights, splits)

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize(
    "build, reference",
    [(Pearson, pearson_reference), (Concordance, lin_concordance)],
    ids=["pearson", "concordance"],
)
def test_moment_metric_integer_weights_repeat_rows(build, reference):
    y_true, y_pred, _ = regression_data(seed=3)
    weights = np.random.default_rng(3).integers(0, 4, size=ROWS).astype("float32")
    expected = reference(np.repeat(y_true, weights.astype(int)), np.repeat(y_pred, weights.astype(int)))

    actual = stream(build(), y_true, y_pred, weights, SPLITS[1])

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("to_weights", [lambda w: w, lambda w: w[:, None]], ids=["vector", "column"])
def test_sample_weight_shapes_agree(to_weights):
    y_true, y_pred, weights = regression_data(seed=4)
    expected = weighted_pearson(y_true, y_pred, weights)

    actual = stream(Pearson(), y_true[:, None], y_pred[:, None], to_weights(weights))

    assert actual == pytest.approx(expected, abs=2e-6)


def test_scalar_sample_weight_changes_nothing():
    y_true, y_pred, _ = regression_data(seed=5)
    expected = lin_concordance(y_true, y_pred)

    metric = Concordance()
    metric.update_state(y_true, y_pred, sample_weight=2.5)

    assert float(to_numpy(metric.result())) == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize(
    "to_true, to_pred",
    [
        (lambda t: t, lambda p: p),
        (lambda t: t[:, None], lambda p: p[:, None]),
        (lambda t: t, lambda p: p[:, None]),
        (lambda t: t[:, None], lambda p: p),
    ],
    ids=["vectors", "columns", "vector_and_column", "column_and_vector"],
)
def test_target_shapes_give_data_set_value(to_true, to_pred):
    y_true, y_pred, _ = regression_data(seed=6)
    expected = pearson_reference(y_true, y_pred)

    actual = stream(Pearson(), to_true(y_true), to_pred(y_pred), splits=SPLITS[1])

    assert actual == pytest.approx(expected, abs=2e-6)


def test_keras_pearson_nan_on_columns():
    # The docstring's reason for this metric: Keras 3.15.1 gives NaN on (N, 1) targets.
    y_true, y_pred, _ = regression_data(seed=6)
    keras_metric = keras.metrics.PearsonCorrelation()
    keras_metric.update_state(y_true[:, None], y_pred[:, None])

    assert np.isnan(float(to_numpy(keras_metric.result())))
    assert np.isfinite(stream(Pearson(), y_true[:, None], y_pred[:, None]))


@pytest.mark.parametrize(
    "build, reference, tolerance",
    [
        (Pearson, pearson_reference, 2e-6),
        (Concordance, lin_concordance, 2e-6),
        # 100 bins over +-4 tie a few of the 120 pairs, a looser bound than the 0.003 measured on 20,000.
        (lambda: Spearman((-4.0, 4.0)), spearman_reference, 0.01),
    ],
    ids=["pearson", "concordance", "spearman"],
)
def test_several_columns_pool_every_entry(build, reference, tolerance):
    rng = np.random.default_rng(7)
    y_true = rng.normal(size=(40, 3)).astype("float32")
    y_pred = (0.7 * y_true + 0.5 * rng.normal(size=(40, 3))).astype("float32")
    expected = reference(y_true.ravel(), y_pred.ravel())

    actual = stream(build(), y_true, y_pred, splits=[1, 13, 26])

    assert actual == pytest.approx(expected, abs=tolerance)


# ---------------------------------------------------------------- precision with a large offset


@pytest.mark.parametrize("build, reference", [(Pearson, pearson_reference), (Concordance, lin_concordance)], ids=["pearson", "concordance"])
def test_center_resolves_large_offset(build, reference):
    # Targets around 1e4 with spread 1: raw float32 moments about 0 cannot hold the variance.
    y_true, y_pred, _ = regression_data(rows=2000, seed=8, offset=1e4)
    expected = reference(y_true, y_pred)

    actual = stream(build(center=1e4 + 10.0), y_true, y_pred, splits=[32] * 62 + [16])

    # The docstring documents 4e-5 for a mean 10 standard deviations from the center.
    assert actual == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize("build", [Pearson, Concordance], ids=["pearson", "concordance"])
def test_unresolved_variance_gives_zero(build):
    # With center=0 the float32 variance of targets around 1e4 is below rounding, so the result is 0, not noise.
    y_true, y_pred, _ = regression_data(rows=500, seed=9, offset=1e4)

    actual = stream(build(), y_true, y_pred, splits=[50] * 10)

    assert actual == 0.0


@pytest.mark.parametrize("build, reference", [(Pearson, pearson_reference), (Concordance, lin_concordance)], ids=["pearson", "concordance"])
def test_float64_state_resolves_offset(build, reference, backend):
    if backend == "jax":
        pytest.skip("JAX without jax_enable_x64 stores a float64 metric in float32")
    y_true, y_pred, _ = regression_data(rows=2000, seed=8)
    y_true, y_pred = y_true.astype("float64") + 1e4, y_pred.astype("float64") + 1e4
    expected = reference(y_true, y_pred)
    metric = build(dtype="float64")

    actual = stream(metric, y_true, y_pred, splits=[32] * 62 + [16])

    assert keras.backend.standardize_dtype(metric.result().dtype) == "float64"
    assert actual == pytest.approx(expected, abs=1e-7)


# ---------------------------------------------------------------- Spearman and Kendall's tau-b


RANK_CASES = [
    pytest.param(Spearman, spearman_reference, id="spearman"),
    pytest.param(KendallTauB, kendall_reference, id="kendall"),
]


@pytest.mark.parametrize("build, reference", RANK_CASES)
@pytest.mark.parametrize("splits", SPLITS, ids=["one_shot", "uneven", "ones_then_rest"])
def test_rank_metric_exact_with_bin_per_value(build, reference, splits):
    # Values 0..9 with value_range (0, 10) and 10 bins: each value has its own bin, so only real ties tie.
    y_true, y_pred, _ = discrete_data()
    expected = reference(y_true, y_pred)

    actual = stream(build((0.0, 10.0), num_bins=10), y_true, y_pred, splits=splits)

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("build, reference", RANK_CASES)
def test_rank_metric_integer_weights_repeat_rows(build, reference):
    y_true, y_pred, weights = discrete_data(seed=2)
    repeats = weights.astype(int)
    expected = reference(np.repeat(y_true, repeats), np.repeat(y_pred, repeats))

    actual = stream(build((0.0, 10.0), num_bins=10), y_true, y_pred, weights, SPLITS[1])

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("build, reference", RANK_CASES)
def test_rank_metric_scale_free_weights(build, reference):
    # Real weights are relative: multiplying them all by 0.37 gives the repeated-rows value.
    y_true, y_pred, weights = discrete_data(seed=3)
    expected = reference(np.repeat(y_true, weights.astype(int)), np.repeat(y_pred, weights.astype(int)))

    actual = stream(build((0.0, 10.0), num_bins=10), y_true, y_pred, 0.37 * weights)

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize(
    "build, reference, tolerance",
    [
        # The docstrings document 0.003 for Spearman and 0.023 (too high) for Kendall with 100 bins.
        (Spearman, spearman_reference, 0.003),
        (KendallTauB, kendall_reference, 0.023),
    ],
    ids=["spearman", "kendall"],
)
def test_rank_metric_approximates_continuous(build, reference, tolerance):
    rng = np.random.default_rng(10)
    signal = rng.normal(size=4000)
    y_true = signal.astype("float32")
    y_pred = (0.8 * signal + 0.6 * rng.normal(size=4000)).astype("float32")
    expected = reference(y_true, y_pred)

    actual = stream(build((-4.0, 4.0)), y_true, y_pred, splits=[1000] * 4)

    assert abs(actual - expected) <= tolerance
    assert abs(actual - expected) > 0.0


def test_kendall_bias_is_upward():
    rng = np.random.default_rng(11)
    signal = rng.normal(size=3000)
    y_true = signal.astype("float32")
    y_pred = (0.8 * signal + 0.6 * rng.normal(size=3000)).astype("float32")
    expected = kendall_reference(y_true, y_pred)

    coarse = stream(KendallTauB((-4.0, 4.0), num_bins=20), y_true, y_pred)
    fine = stream(KendallTauB((-4.0, 4.0), num_bins=400), y_true, y_pred)

    assert coarse > fine > expected
    assert fine - expected < 0.007


@pytest.mark.parametrize("build, reference", RANK_CASES)
def test_values_outside_range_clip_to_edges(build, reference):
    y_true, y_pred, _ = discrete_data(seed=4)
    y_true[[0, 5]] = [-30.0, 1e6]
    y_pred[[1, 7]] = [np.inf, -np.inf]
    expected = reference(np.clip(y_true, 0, 9), np.clip(y_pred, 0, 9))

    actual = stream(build((0.0, 10.0), num_bins=10), y_true, y_pred)

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("build, reference", RANK_CASES)
def test_pred_range_bins_predictions(build, reference):
    y_true, y_pred, _ = discrete_data(seed=5)
    expected = reference(y_true, y_pred)

    actual = stream(build((0.0, 10.0), num_bins=10, pred_range=(-500.0, 500.0)), y_true, 100.0 * y_pred - 500.0)

    assert actual == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("build, reference", RANK_CASES)
def test_nan_pair_adds_nothing(build, reference):
    y_true, y_pred, _ = discrete_data(seed=6)
    y_true_nan, y_pred_nan = y_true.copy(), y_pred.copy()
    y_true_nan[2], y_pred_nan[9] = np.nan, np.nan
    finite_rows = np.ones(ROWS, bool)
    finite_rows[[2, 9]] = False
    expected = reference(y_true[finite_rows], y_pred[finite_rows])

    actual = stream(build((0.0, 10.0), num_bins=10), y_true_nan, y_pred_nan)

    assert actual == pytest.approx(expected, abs=2e-6)


# ---------------------------------------------------------------- streaming and merging


def build_all():
    return [Pearson(center=0.5), Concordance(center=-0.25), Spearman((-3.0, 3.0), num_bins=50), KendallTauB((-3.0, 3.0), num_bins=50)]


@pytest.mark.parametrize("index", range(4), ids=[cls.__name__ for cls in ALL_METRICS])
def test_batches_of_one_equal_one_shot(index):
    y_true, y_pred, weights = regression_data(seed=12)
    one_shot = stream(build_all()[index], y_true, y_pred, weights)

    streamed = stream(build_all()[index], y_true, y_pred, weights, [1] * ROWS)

    assert streamed == pytest.approx(one_shot, abs=1e-6)


@pytest.mark.parametrize("index", range(4), ids=[cls.__name__ for cls in ALL_METRICS])
def test_merged_shards_equal_one_shot(index):
    y_true, y_pred, weights = regression_data(seed=13)
    one_shot = stream(build_all()[index], y_true, y_pred, weights)
    first, second = build_all()[index], build_all()[index]
    stream(first, y_true[:20], y_pred[:20], weights[:20], [7, 13])
    stream(second, y_true[20:], y_pred[20:], weights[20:], [1, 40])

    first.merge_state(second)

    assert float(to_numpy(first.result())) == pytest.approx(one_shot, abs=1e-6)


def test_merge_rejects_other_configuration():
    with pytest.raises(ValueError, match="num_bins=50 here and 40"):
        Spearman((0.0, 1.0), num_bins=50).merge_state(Spearman((0.0, 1.0), num_bins=40))


def test_reset_state_forgets_data():
    y_true, y_pred, _ = regression_data(seed=14)
    metric = Concordance()
    stream(metric, y_true, y_pred)

    metric.reset_state()
    again = stream(metric, y_true[:30], y_pred[:30])

    assert again == pytest.approx(lin_concordance(y_true[:30], y_pred[:30]), abs=2e-6)


def test_batch_result_is_last_batch():
    y_true, y_pred, _ = regression_data(seed=15)
    metric = Pearson()
    stream(metric, y_true, y_pred, splits=[40, 21])

    assert float(to_numpy(metric.batch_result())) == pytest.approx(pearson_reference(y_true[40:], y_pred[40:]), abs=2e-6)


# ---------------------------------------------------------------- edge cases


def every_metric():
    return [Pearson(), Concordance(), Spearman((0.0, 1.0)), KendallTauB((0.0, 1.0))]


EDGE_CASES = [
    ("no_data", None, None, None),
    ("empty_batch", np.zeros((0, 1), "float32"), np.zeros((0, 1), "float32"), None),
    ("single_sample", np.array([[0.3]], "float32"), np.array([[0.7]], "float32"), None),
    ("constant_true", np.full((9, 1), 0.3, "float32"), np.linspace(0, 1, 9, dtype="float32")[:, None], None),
    ("constant_pred", np.linspace(0, 1, 9, dtype="float32")[:, None], np.full((9, 1), 0.6, "float32"), None),
    ("all_weights_zero", np.linspace(0, 1, 9, dtype="float32"), np.linspace(1, 0, 9, dtype="float32"), np.zeros(9, "float32")),
]


@pytest.mark.parametrize("case, y_true, y_pred, weights", EDGE_CASES, ids=[case[0] for case in EDGE_CASES])
def test_undefined_cases_give_zero(case, y_true, y_pred, weights):
    for metric in every_metric():
        if y_true is not None:
            metric.update_state(y_true, y_pred, sample_weight=weights)

        assert float(to_numpy(metric.result())) == 0.0, type(metric).__name__


def test_constant_streamed_in_ones_gives_zero():
    rng = np.random.default_rng(16)
    y_true = np.full(300, 123.456, "float32")
    y_pred = rng.normal(size=300).astype("float32")
    weights = rng.uniform(0.1, 3.0, size=300).astype("float32")

    for metric in (Pearson(), Concordance()):
        assert stream(metric, y_true, y_pred, weights, [1] * 300) == 0.0, type(metric).__name__


def test_two_equal_constants_concordance_zero():
    # Lin's formula is 0 / 0 when y_true and y_pred are the same constant.
    assert stream(Concordance(), np.full(5, 2.0, "float32"), np.full(5, 2.0, "float32")) == 0.0


def test_perfect_agreement_gives_one():
    # The centers of the 20 bins, so that 1 - value is a bin center too.
    values = ((np.arange(20) + 0.5) / 20).astype("float32")

    for metric in (Pearson(), Concordance(), Spearman((0.0, 1.0), num_bins=20), KendallTauB((0.0, 1.0), num_bins=20)):
        assert stream(metric, values, values) == pytest.approx(1.0, abs=1e-6), type(metric).__name__
        metric.reset_state()
        assert stream(metric, values, -values + 1.0) == pytest.approx(-1.0, abs=1e-6), type(metric).__name__


def test_float16_state_near_reference():
    y_true, y_pred, _ = regression_data(seed=17)
    y_true, y_pred = (y_true + 4.0) / 8.0, (y_pred + 4.0) / 8.0

    for metric, reference in (
        (Pearson(center=0.5, dtype="float16"), pearson_reference),
        (Concordance(center=0.5, dtype="float16"), lin_concordance),
        (Spearman((0.0, 1.0), num_bins=30, dtype="float16"), spearman_reference),
        (KendallTauB((0.0, 1.0), num_bins=30, dtype="float16"), kendall_reference),
    ):
        value = stream(metric, y_true, y_pred)

        assert keras.backend.standardize_dtype(metric.result().dtype) == "float16"
        assert value == pytest.approx(reference(y_true, y_pred), abs=0.05), type(metric).__name__


# ---------------------------------------------------------------- bad shapes and arguments


@pytest.mark.parametrize(
    "y_true, y_pred, weights, expected",
    [
        (np.zeros((4, 1)), np.zeros((5, 1)), None, ["y_true.shape=(4, 1)", "y_pred.shape=(5, 1)"]),
        (np.zeros((5, 2)), np.zeros((5, 3)), None, ["y_true.shape=(5, 2)", "y_pred.shape=(5, 3)"]),
        (np.zeros((5,)), np.zeros((5, 2)), None, ["y_true.shape=(5,)", "y_pred.shape=(5, 2)"]),
        (np.zeros((5, 1)), np.zeros((5, 1)), np.ones((5, 3)), ["sample_weight.shape=(5, 3)", "(5, 1)"]),
        (np.zeros((5, 1)), np.zeros((5, 1)), np.ones((4,)), ["sample_weight.shape=(4,)", "(5, 1)"]),
    ],
    ids=["sample_counts", "columns", "vector_and_matrix", "weight_columns", "weight_count"],
)
def test_mismatched_shapes_raise(y_true, y_pred, weights, expected):
    for metric in every_metric():
        with pytest.raises(ValueError) as caught:
            metric.update_state(y_true.astype("float32"), y_pred.astype("float32"), sample_weight=weights)

        for part in expected:
            assert part in str(caught.value), type(metric).__name__


INVALID_ARGUMENTS = [
    (lambda v: Pearson(center=v), "center", float("nan"), "a finite number"),
    (lambda v: Concordance(center=v), "center", float("inf"), "a finite number"),
    (lambda v: Pearson(center=v), "center", "1.0", "a finite number"),
    (lambda v: Concordance(center=v), "center", None, "a finite number"),
    (lambda v: Spearman(v), "value_range", (1.0, 1.0), "a pair (low, high) of finite numbers with low < high"),
    (lambda v: KendallTauB(v), "value_range", (2.0, 1.0), "a pair (low, high) of finite numbers with low < high"),
    (lambda v: Spearman(v), "value_range", (0.0,), "a pair (low, high) of finite numbers with low < high"),
    (lambda v: Spearman(v), "value_range", (0.0, float("inf")), "a pair (low, high) of finite numbers with low < high"),
    (lambda v: KendallTauB(v), "value_range", "0,1", "a pair (low, high) of finite numbers with low < high"),
    (lambda v: Spearman(v), "value_range", None, "a pair (low, high) of finite numbers with low < high"),
    (lambda v: KendallTauB(v), "value_range", (0, True), "a pair (low, high) of finite numbers with low < high"),
    (lambda v: Spearman((0.0, 1.0), num_bins=v), "num_bins", 1, "an integer in [2, 4096]"),
    (lambda v: KendallTauB((0.0, 1.0), num_bins=v), "num_bins", 4097, "an integer in [2, 4096]"),
    (lambda v: Spearman((0.0, 1.0), num_bins=v), "num_bins", 10.0, "an integer in [2, 4096]"),
    (lambda v: KendallTauB((0.0, 1.0), num_bins=v), "num_bins", True, "an integer in [2, 4096]"),
    (lambda v: Spearman((0.0, 1.0), pred_range=v), "pred_range", (3.0, -3.0), "a pair (low, high) of finite numbers with low < high"),
    (lambda v: KendallTauB((0.0, 1.0), pred_range=v), "pred_range", (float("nan"), 1.0), "a pair (low, high) of finite numbers with low < high"),
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


# ---------------------------------------------------------------- config and serialization


CONFIG_CASES = [
    (Pearson, {"center": 3.5, "name": "r", "dtype": "float64"}),
    (Concordance, {"center": -2.0, "name": "ccc", "dtype": "float64"}),
    (Spearman, {"value_range": (-1.0, 2.0), "num_bins": 64, "pred_range": (0.0, 10.0), "name": "rho", "dtype": "float64"}),
    (KendallTauB, {"value_range": (0.0, 5.0), "num_bins": 32, "pred_range": (-1.0, 1.0), "name": "tau", "dtype": "float64"}),
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


def test_default_names_follow_keras():
    names = [metric.name for metric in every_metric()]

    assert names == ["pearson", "concordance", "spearman", "kendall_tau_b"]


def test_directions_declared():
    assert [cls._direction for cls in ALL_METRICS] == ["up"] * 4


def test_state_aggregation_is_sum():
    for metric in every_metric():
        assert {variable.aggregation for variable in metric.variables} == {"sum"}, metric.name


def test_histogram_state_shape():
    metric = KendallTauB((0.0, 1.0), num_bins=37)

    assert [tuple(variable.shape) for variable in metric.variables] == [(37, 37), (37, 37)]


def test_docstring_examples_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = [test for test in finder.find(correlation) if test.examples]

    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)

    assert len(tests) == 4
    assert results.failed == 0


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
