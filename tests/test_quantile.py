"""Tests for the pinball loss and the quantile and interval metrics.

Covers `keras_tailor.losses.quantile` (`pinball`, `Pinball`) and
`keras_tailor.metrics.intervals` (`PinballMetric`, `IntervalCoverage`,
`IntervalScore`). Expected values are hand-worked numbers, scikit-learn 1.9.1
`mean_pinball_loss`, and numpy formulas written here from Gneiting and Raftery
(2007), never the components' own output. Inputs are `keras.ops` tensors or
numpy arrays, so the file runs unchanged on each Keras backend.
"""

import json
import math

import keras
import numpy as np
import pytest
from backend_gradients import gradient
from conftest import to_numpy
from keras import ops
from sklearn.metrics import mean_pinball_loss

from keras_tailor.losses.quantile import Pinball, pinball
from keras_tailor.metrics.intervals import (
    IntervalCoverage,
    IntervalScore,
    PinballMetric,
    interval_coverage,
    interval_score,
)
from keras_tailor.testing import check_components

QUANTILE_SETS = ([0.1, 0.5, 0.9], [0.05, 0.25, 0.5, 0.75, 0.95], [0.3])


def tensor(values):
    return ops.convert_to_tensor(np.asarray(values, dtype="float32"))


def quantile_data(rows, columns, seed):
    """Return targets of shape (rows,), predictions of shape (rows, columns) and positive weights."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=rows).astype("float32")
    y_pred = np.sort(y_true[:, None] + rng.normal(scale=1.5, size=(rows, columns)), axis=1).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=rows).astype("float32")
    return y_true, y_pred, weights


def sklearn_pinball(y_true, y_pred, quantiles, sample_weight=None):
    """Return the mean over columns of scikit-learn 1.9.1 `mean_pinball_loss`, in float64.

    scikit-learn weights samples and divides by the sum of the weights.
    """
    y_true = np.asarray(y_true, dtype="float64")
    y_pred = np.asarray(y_pred, dtype="float64")
    per_column = [
        mean_pinball_loss(y_true, y_pred[:, j], alpha=q, sample_weight=sample_weight)
        for j, q in enumerate(quantiles)
    ]
    return float(np.mean(per_column))


def reference_interval_score(y_true, lower, upper, alpha):
    """Return the interval score of Gneiting and Raftery (2007) in float64."""
    y_true, lower, upper = (np.asarray(v, dtype="float64") for v in (y_true, lower, upper))
    below = (lower - y_true) * (y_true < lower)
    above = (y_true - upper) * (y_true > upper)
    return (upper - lower) + (2.0 / alpha) * (below + above)


def stream(metric, y_true, y_pred, weights, sizes):
    """Feed `metric` the data in consecutive batches of `sizes` and return its result."""
    assert sum(sizes) == len(y_true)
    start = 0
    for size in sizes:
        stop = start + size
        batch_weights = None if weights is None else tensor(weights[start:stop])
        metric.update_state(tensor(y_true[start:stop]), tensor(y_pred[start:stop]), sample_weight=batch_weights)
        start = stop
    return float(to_numpy(metric.result()))


# Pinball loss per element: (q, e = y_true - y_pred, expected).
# e >= 0 gives q * e, e < 0 gives (q - 1) * e.
ELEMENT_CASES = [
    (0.1, 2.0, 0.2),  # 0.1 * 2
    (0.1, -2.0, 1.8),  # -0.9 * -2
    (0.5, 3.0, 1.5),  # half the absolute error
    (0.5, -3.0, 1.5),
    (0.9, 1.0, 0.9),
    (0.9, -1.0, 0.1),  # -0.1 * -1
    (0.25, 0.0, 0.0),
]


@pytest.mark.parametrize("quantile, error, expected", ELEMENT_CASES)
def test_pinball_element_hand_worked(quantile, error, expected):
    # A nonzero target shows that only y_true - y_pred matters.
    value = to_numpy(pinball(tensor([[1.5]]), tensor([[1.5 - error]]), quantiles=quantile))

    assert value.shape == (1,)
    np.testing.assert_allclose(value[0], expected, rtol=1e-6)


def test_pinball_quantile_columns_hand_worked():
    # Target 2 against columns [1, 2, 4] at q = [0.25, 0.5, 0.75]: errors
    # 1, 0, -2 give 0.25, 0 and 0.5, mean 0.25. Target 0 against [1, 2, 4]:
    # errors -1, -2, -4 give 0.75, 1.0 and 1.0, mean 2.75 / 3.
    value = to_numpy(pinball(tensor([2.0, 0.0]), tensor([[1.0, 2.0, 4.0]] * 2), quantiles=[0.25, 0.5, 0.75]))

    assert value.shape == (2,)
    np.testing.assert_allclose(value, [0.25, 2.75 / 3], rtol=1e-6)


def test_pinball_default_is_half_absolute_error():
    value = to_numpy(pinball(tensor([[0.0], [0.0]]), tensor([[3.0], [-1.0]])))

    np.testing.assert_allclose(value, [1.5, 0.5], rtol=1e-6)


@pytest.mark.parametrize("quantile", [0.05, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_matches_sklearn_single_quantile(quantile, weighted):
    y_true, y_pred, weights = quantile_data(40, 1, seed=1)
    sample_weight = weights if weighted else None
    expected = sklearn_pinball(y_true, y_pred, [quantile], sample_weight)
    loss = Pinball(quantiles=quantile, reduction="mean_with_sample_weight")

    value = loss(tensor(y_true[:, None]), tensor(y_pred), None if sample_weight is None else tensor(sample_weight))

    np.testing.assert_allclose(to_numpy(value), expected, rtol=1e-5)


@pytest.mark.parametrize("quantiles", QUANTILE_SETS, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_matches_sklearn_quantile_list(quantiles, weighted):
    y_true, y_pred, weights = quantile_data(40, len(quantiles), seed=2)
    sample_weight = weights if weighted else None
    expected = sklearn_pinball(y_true, y_pred, quantiles, sample_weight)
    loss = Pinball(quantiles=quantiles, reduction="mean_with_sample_weight")

    value = loss(tensor(y_true), tensor(y_pred), None if sample_weight is None else tensor(sample_weight))

    np.testing.assert_allclose(to_numpy(value), expected, rtol=1e-5)


def test_pinball_multi_output_single_quantile():
    # One quantile with 3 outputs scores every element at q and averages them,
    # the mean of scikit-learn's loss over the 3 output columns.
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=(20, 3)).astype("float32")
    y_pred = rng.normal(size=(20, 3)).astype("float32")
    expected = np.mean([mean_pinball_loss(y_true[:, j], y_pred[:, j], alpha=0.8) for j in range(3)])

    value = to_numpy(Pinball(quantiles=0.8)(tensor(y_true), tensor(y_pred)))

    np.testing.assert_allclose(value, expected, rtol=1e-5)


@pytest.mark.parametrize("target_shape", ["(N,)", "(N, 1)", "(N, K)"])
def test_pinball_target_shapes_agree(target_shape):
    y_true, y_pred, _ = quantile_data(8, 3, seed=4)
    targets = {"(N,)": y_true, "(N, 1)": y_true[:, None], "(N, K)": np.repeat(y_true[:, None], 3, axis=1)}
    expected = to_numpy(pinball(tensor(y_true), tensor(y_pred), quantiles=[0.1, 0.5, 0.9]))

    value = to_numpy(pinball(tensor(targets[target_shape]), tensor(y_pred), quantiles=[0.1, 0.5, 0.9]))

    assert value.shape == (8,)
    np.testing.assert_allclose(value, expected, rtol=1e-6)


def test_pinball_sequence_predictions_accepted():
    # Predictions (N, T, K) with targets (N, T) give one value per (sample, step).
    y_true = np.zeros((2, 4), dtype="float32")
    y_pred = np.ones((2, 4, 2), dtype="float32")

    value = to_numpy(pinball(tensor(y_true), tensor(y_pred), quantiles=[0.25, 0.75]))

    # Error -1 in both columns: 0.75 and 0.25, mean 0.5.
    assert value.shape == (2, 4)
    np.testing.assert_allclose(value, np.full((2, 4), 0.5), rtol=1e-6)


# Shapes that a list of quantiles must reject, with both shapes as the message shows them.
QUANTILE_SHAPE_ERRORS = [
    ([0.1, 0.5, 0.9], (4,), (4, 2), "(4,)", "(4, 2)"),
    ([0.1, 0.5, 0.9], (4, 1), (4, 4), "(4, 1)", "(4, 4)"),
    ([0.5], (4,), (4, 3), "(4,)", "(4, 3)"),
    ([0.1, 0.9], (4, 3), (4, 2), "(4, 3)", "(4, 2)"),
    ([0.1, 0.9], (3,), (4, 2), "(3,)", "(4, 2)"),
    ([0.1, 0.9], (4, 2, 1), (4, 2), "(4, 2, 1)", "(4, 2)"),
    ([0.1, 0.9], (2,), (), "(2,)", "()"),
]


@pytest.mark.parametrize("quantiles, true_shape, pred_shape, true_text, pred_text", QUANTILE_SHAPE_ERRORS)
def test_pinball_quantile_shape_mismatch_raises(quantiles, true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        pinball(ops.zeros(true_shape), ops.ones(pred_shape), quantiles=quantiles)

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


def test_pinball_column_count_message_names_quantiles():
    with pytest.raises(ValueError) as error:
        Pinball(quantiles=[0.1, 0.5, 0.9])(ops.zeros((4,)), ops.ones((4, 2)))

    assert "[0.1, 0.5, 0.9]" in str(error.value)
    assert "size 3" in str(error.value)


@pytest.mark.parametrize(
    "true_shape, pred_shape, true_text, pred_text",
    [((4, 1), (4, 3), "(4, 1)", "(4, 3)"), ((4, 2), (3, 2), "(4, 2)", "(3, 2)")],
)
def test_pinball_single_quantile_shape_mismatch_raises(true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        pinball(ops.zeros(true_shape), ops.ones(pred_shape), quantiles=0.5)

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


@pytest.mark.parametrize("quantiles", [[0.1, 0.5, 0.9], [0.2, 0.7]], ids=str)
def test_pinball_gradient_zero_error(quantiles):
    # At e = 0 the gradient w.r.t. y_pred is -q / K on every backend.
    count = len(quantiles)
    y_true = tensor([[1.0]] * 2)

    grad = gradient(lambda p: pinball(y_true, p, quantiles=quantiles), np.ones((2, count), dtype="float32"))

    expected = -np.asarray(quantiles, dtype="float32") / count
    np.testing.assert_allclose(grad, np.stack([expected, expected]), rtol=1e-6)


def test_pinball_gradient_both_sides():
    # Above the target (e < 0) the gradient is (1 - q) / K, below it -q / K.
    y_true = tensor([[0.0]])
    y_pred = np.asarray([[2.0, -2.0]], dtype="float32")

    grad = gradient(lambda p: pinball(y_true, p, quantiles=[0.2, 0.7]), y_pred)

    np.testing.assert_allclose(grad, [[0.8 / 2, -0.7 / 2]], rtol=1e-6)


def test_pinball_huge_values_finite():
    # |e| = 1e30 is finite in float32, and so are q * e and the gradient.
    y_true = tensor([0.0, 0.0, 1e30])
    y_pred = np.asarray([[1e30, 1e30], [-1e30, -1e30], [1e30, 1e30]], dtype="float32")

    value = to_numpy(pinball(y_true, tensor(y_pred), quantiles=[0.1, 0.9]))
    grad = gradient(lambda p: pinball(y_true, p, quantiles=[0.1, 0.9]), y_pred)

    # Errors -1e30 give 0.9e30 and 0.1e30, errors 1e30 give 0.1e30 and 0.9e30.
    np.testing.assert_allclose(value, [0.5e30, 0.5e30, 0.0], rtol=1e-6)
    assert np.all(np.isfinite(grad))


def test_pinball_tiny_values_finite():
    # Row 0 has errors -1e-30 and 1e-30: 0.9e-30 at q = 0.1 and 0.9e-30 at
    # q = 0.9. Row 1 has errors 1e-30 and -1e-30: 0.1e-30 twice.
    y_true = tensor([0.0, 0.0])
    y_pred = np.asarray([[1e-30, -1e-30], [-1e-30, 1e-30]], dtype="float32")

    value = to_numpy(pinball(y_true, tensor(y_pred), quantiles=[0.1, 0.9]))
    grad = gradient(lambda p: pinball(y_true, p, quantiles=[0.1, 0.9]), y_pred)

    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, [0.9e-30, 0.1e-30], rtol=1e-5)


# Invalid quantiles, each with the text the message must contain.
INVALID_QUANTILES = [
    (0, "0"),
    (1, "1"),
    (0.0, "0.0"),
    (1.0, "1.0"),
    (-0.1, "-0.1"),
    (1.5, "1.5"),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (True, "True"),
    ("0.5", "'0.5'"),
    (None, "None"),
    ([], "[]"),
    ([0.5, 0.2], "[0.5, 0.2]"),
    ([0.3, 0.3], "[0.3, 0.3]"),
    ([0.1, 1.0], "[0.1, 1.0]"),
    ([0.1, True], "[0.1, True]"),
    ([0.1, "0.9"], "[0.1, '0.9']"),
]


@pytest.mark.parametrize("quantiles, text", INVALID_QUANTILES, ids=repr)
def test_pinball_class_invalid_quantiles_raise(quantiles, text):
    with pytest.raises(ValueError) as error:
        Pinball(quantiles=quantiles)

    assert "quantiles" in str(error.value)
    assert text in str(error.value)


@pytest.mark.parametrize("quantiles, text", INVALID_QUANTILES, ids=repr)
def test_pinball_function_invalid_quantiles_raise(quantiles, text):
    with pytest.raises(ValueError) as error:
        pinball(tensor([[0.0]]), tensor([[1.0]]), quantiles=quantiles)

    assert "quantiles" in str(error.value)
    assert text in str(error.value)


def test_pinball_unsorted_message_names_position():
    with pytest.raises(ValueError) as error:
        Pinball(quantiles=[0.1, 0.6, 0.4])

    assert "quantiles[2]=0.4" in str(error.value)
    assert "quantiles[1]=0.6" in str(error.value)


@pytest.mark.parametrize("cls", [Pinball, PinballMetric])
def test_pinball_tuple_quantiles_saved_as_list(cls):
    component = cls(quantiles=(0.2, 0.8))

    assert component.get_config()["quantiles"] == [0.2, 0.8]


def test_pinball_config_round_trip():
    loss = Pinball(quantiles=[0.1, 0.5, 0.9], reduction="sum", name="quantile_loss", dtype="float64")
    config = json.loads(json.dumps(loss.get_config()))

    rebuilt = Pinball.from_config(config)

    assert rebuilt.get_config() == config
    assert rebuilt.quantiles == [0.1, 0.5, 0.9]
    assert rebuilt.reduction == "sum"
    assert rebuilt.name == "quantile_loss"


def test_pinball_serialize_round_trip_values():
    loss = Pinball(quantiles=[0.1, 0.5, 0.9], reduction="sum")
    y_true, y_pred, _ = quantile_data(6, 3, seed=5)
    restored = keras.saving.deserialize_keras_object(
        json.loads(json.dumps(keras.saving.serialize_keras_object(loss)))
    )

    before = to_numpy(loss(tensor(y_true), tensor(y_pred)))
    after = to_numpy(restored(tensor(y_true), tensor(y_pred)))

    assert type(restored) is Pinball
    np.testing.assert_allclose(after, before, rtol=1e-7)


def test_pinball_metric_config_round_trip():
    metric = PinballMetric(quantiles=[0.05, 0.95], name="pinball_90", dtype="float64")
    config = json.loads(json.dumps(metric.get_config()))

    rebuilt = PinballMetric.from_config(config)

    assert rebuilt.get_config() == config
    assert rebuilt.quantiles == [0.05, 0.95]
    assert rebuilt.name == "pinball_90"
    assert rebuilt.dtype == "float64"


@pytest.mark.parametrize("sizes", [[1] * 11, [4, 1, 6], [10, 1]], ids=str)
def test_pinball_metric_uneven_batches_weighted(sizes):
    y_true, y_pred, weights = quantile_data(11, 3, seed=6)
    expected = sklearn_pinball(y_true, y_pred, [0.1, 0.5, 0.9], weights)

    value = stream(PinballMetric(quantiles=[0.1, 0.5, 0.9]), y_true, y_pred, weights, sizes)

    assert value == pytest.approx(expected, rel=1e-5)


def test_pinball_metric_single_quantile_sklearn():
    y_true, y_pred, weights = quantile_data(9, 1, seed=7)
    expected = sklearn_pinball(y_true, y_pred, [0.7], weights)

    value = stream(PinballMetric(quantiles=0.7), y_true[:, None], y_pred, weights, [2, 1, 6])

    assert value == pytest.approx(expected, rel=1e-5)


def test_pinball_metric_direction_down():
    assert PinballMetric()._direction == "down"


# Interval cases: (target, lower, upper, covered, score at alpha 0.5).
# The score is (u - l) + 4 * (l - y) below the interval, + 4 * (y - u) above.
INTERVAL_CASES = [
    (1.0, 0.0, 2.0, 1.0, 2.0),  # inside
    (0.0, 0.0, 2.0, 1.0, 2.0),  # on the lower end, which counts as inside
    (2.0, 0.0, 2.0, 1.0, 2.0),  # on the upper end
    (-1.0, 0.0, 2.0, 0.0, 6.0),  # 2 + 4 * 1
    (5.0, 0.0, 2.0, 0.0, 14.0),  # 2 + 4 * 3
    (3.0, 3.0, 3.0, 1.0, 0.0),  # zero width, exact hit
    (3.5, 3.0, 3.0, 0.0, 2.0),  # zero width, 4 * 0.5
    (1.0, 2.0, 0.0, 0.0, 6.0),  # crossed: -2 + 4 * 1 + 4 * 1
]


@pytest.mark.parametrize("target, lower, upper, covered, score", INTERVAL_CASES)
def test_interval_coverage_hand_worked(target, lower, upper, covered, score):
    value = to_numpy(interval_coverage(tensor([target]), tensor([[lower, upper]])))

    assert value.shape == (1,)
    assert value[0] == covered


@pytest.mark.parametrize("target, lower, upper, covered, score", INTERVAL_CASES)
def test_interval_score_hand_worked(target, lower, upper, covered, score):
    value = to_numpy(interval_score(tensor([target]), tensor([[lower, upper]]), alpha=0.5))

    assert value.shape == (1,)
    np.testing.assert_allclose(value[0], score, rtol=1e-6)


@pytest.mark.parametrize("alpha", [0.02, 0.1, 0.5, 0.9])
def test_interval_score_matches_formula(alpha):
    y_true, y_pred, _ = quantile_data(30, 2, seed=8)
    expected = reference_interval_score(y_true, y_pred[:, 0], y_pred[:, 1], alpha)

    value = to_numpy(interval_score(tensor(y_true), tensor(y_pred), alpha=alpha))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("alpha", [0.1, 0.2, 0.5])
def test_interval_score_equals_scaled_pinball(alpha):
    # IS = (2 / alpha) * (pinball_{alpha/2}(l) + pinball_{1-alpha/2}(u)); the
    # pinball function averages the 2 columns, hence the factor 4 / alpha.
    y_true, y_pred, _ = quantile_data(30, 2, seed=9)
    expected = (4.0 / alpha) * to_numpy(pinball(tensor(y_true), tensor(y_pred), quantiles=[alpha / 2, 1 - alpha / 2]))

    value = to_numpy(interval_score(tensor(y_true), tensor(y_pred), alpha=alpha))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5)


def test_interval_crossed_score_lower_bound():
    # A crossed interval scores at least (l - u) * (2 / alpha - 1).
    y_true = np.linspace(-3.0, 5.0, 17).astype("float32")
    y_pred = np.tile(np.asarray([[2.0, 0.0]], dtype="float32"), (17, 1))

    value = to_numpy(interval_score(tensor(y_true), tensor(y_pred), alpha=0.2))

    assert np.all(value >= (2.0 - 0.0) * (2.0 / 0.2 - 1.0) - 1e-5)


def test_interval_columns_selected_by_index():
    # Columns 1 and 3 of 5 are the interval [0, 2]. The outer columns 0 and 4
    # would cover every target.
    y_true = tensor([1.0, 3.0])
    y_pred = tensor([[-9.0, 0.0, 1.0, 2.0, 9.0]] * 2)

    by_positive = to_numpy(interval_coverage(y_true, y_pred, lower_index=1, upper_index=3))
    by_negative = to_numpy(interval_coverage(y_true, y_pred, lower_index=-4, upper_index=-2))
    default = to_numpy(interval_coverage(y_true, y_pred))

    np.testing.assert_array_equal(by_positive, [1.0, 0.0])
    np.testing.assert_array_equal(by_negative, [1.0, 0.0])
    np.testing.assert_array_equal(default, [1.0, 1.0])


@pytest.mark.parametrize("target_shape", [(3,), (3, 1)])
def test_interval_target_shapes_accepted(target_shape):
    y_true = np.asarray([1.0, 5.0, -1.0], dtype="float32").reshape(target_shape)

    value = to_numpy(interval_coverage(tensor(y_true), tensor([[0.0, 2.0]] * 3)))

    np.testing.assert_array_equal(value, [1.0, 0.0, 0.0])


@pytest.mark.parametrize(
    "true_shape, pred_shape, true_text, pred_text",
    [((4, 2), (4, 3), "(4, 2)", "(4, 3)"), ((3,), (4, 2), "(3,)", "(4, 2)"), ((4, 2, 1), (4, 2), "(4, 2, 1)", "(4, 2)")],
)
@pytest.mark.parametrize("function", [interval_coverage, interval_score])
def test_interval_shape_mismatch_raises(function, true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        function(ops.zeros(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


@pytest.mark.parametrize("lower_index, upper_index", [(0, 3), (-4, -1), (3, 3), (0, -4)])
def test_interval_index_out_of_range_raises(lower_index, upper_index):
    metric = IntervalCoverage(lower_index=lower_index, upper_index=upper_index)

    with pytest.raises(ValueError) as error:
        metric.update_state(tensor([1.0]), tensor([[0.0, 1.0, 2.0]]))

    assert "3 columns" in str(error.value)
    assert "(1, 3)" in str(error.value)


def test_interval_resolved_order_raises():
    # lower_index=2 and upper_index=-3 pass construction, but on 4 columns the
    # upper index resolves to column 1, before the lower bound.
    metric = IntervalScore(lower_index=2, upper_index=-3)

    with pytest.raises(ValueError) as error:
        metric.update_state(tensor([1.0]), tensor([[0.0, 1.0, 2.0, 3.0]]))

    assert "column 2" in str(error.value)
    assert "column 1" in str(error.value)


# Invalid index arguments with the text the message must contain.
INVALID_INDICES = [
    ({"lower_index": 1.0}, "lower_index"),
    ({"lower_index": True}, "lower_index"),
    ({"upper_index": "1"}, "upper_index"),
    ({"upper_index": None}, "upper_index"),
    ({"lower_index": 2, "upper_index": 1}, "lower_index=2"),
    ({"lower_index": -1, "upper_index": -2}, "upper_index=-2"),
]


@pytest.mark.parametrize("cls", [IntervalCoverage, IntervalScore])
@pytest.mark.parametrize("arguments, text", INVALID_INDICES, ids=str)
def test_interval_invalid_indices_raise(cls, arguments, text):
    with pytest.raises(ValueError) as error:
        cls(**arguments)

    assert text in str(error.value)


@pytest.mark.parametrize("alpha", [0, 1, 0.0, 1.0, -0.1, 2.0, float("nan"), float("inf"), True, "0.1", None], ids=repr)
def test_interval_score_invalid_alpha_raises(alpha):
    with pytest.raises(ValueError) as error:
        IntervalScore(alpha=alpha)

    assert "alpha" in str(error.value)
    assert repr(alpha) in str(error.value)


@pytest.mark.parametrize("sizes", [[1] * 13, [5, 1, 7], [12, 1]], ids=str)
def test_interval_coverage_uneven_batches_weighted(sizes):
    y_true, y_pred, weights = quantile_data(13, 3, seed=10)
    covered = (y_pred[:, 0] <= y_true) & (y_true <= y_pred[:, 2])
    expected = np.average(covered, weights=weights.astype("float64"))

    value = stream(IntervalCoverage(), y_true, y_pred, weights, sizes)

    assert 0.0 < expected < 1.0
    assert value == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("sizes", [[1] * 13, [5, 1, 7], [12, 1]], ids=str)
def test_interval_score_uneven_batches_weighted(sizes):
    y_true, y_pred, weights = quantile_data(13, 3, seed=11)
    scores = reference_interval_score(y_true, y_pred[:, 0], y_pred[:, 2], 0.2)
    expected = np.average(scores, weights=weights.astype("float64"))

    value = stream(IntervalScore(alpha=0.2), y_true[:, None], y_pred, weights, sizes)

    assert value == pytest.approx(expected, rel=1e-5)


def test_interval_coverage_zero_weight_excluded():
    # The uncovered middle sample has weight 0, so the coverage is 1.
    metric = IntervalCoverage()

    metric.update_state(tensor([1.0, 9.0, 0.5]), tensor([[0.0, 2.0]] * 3), sample_weight=tensor([1.0, 0.0, 2.0]))

    assert float(to_numpy(metric.result())) == 1.0


def test_interval_coverage_empty_returns_zero():
    assert float(to_numpy(IntervalCoverage().result())) == 0.0


def test_interval_coverage_reset_forgets_batches():
    metric = IntervalCoverage()
    metric.update_state(tensor([9.0]), tensor([[0.0, 2.0]]))
    metric.reset_state()

    metric.update_state(tensor([1.0]), tensor([[0.0, 2.0]]))

    assert float(to_numpy(metric.result())) == 1.0


def test_interval_coverage_declares_no_direction():
    # Keras 3.15.1 treats a metric with any `_direction` other than "up" as
    # "minimize", so the attribute must be absent, not None.
    assert not hasattr(IntervalCoverage(), "_direction")


def interval_model(metric):
    keras.utils.set_random_seed(12)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=Pinball(quantiles=[0.1, 0.5, 0.9]), metrics=[metric])
    return model


def interval_data():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(24, 2)).astype("float32")
    y = (x[:, :1] + rng.normal(scale=0.3, size=(24, 1))).astype("float32")
    return x, y


def test_interval_coverage_early_stopping_auto_raises():
    x, y = interval_data()
    model = interval_model(IntervalCoverage())
    stopping = keras.callbacks.EarlyStopping(monitor="val_interval_coverage", mode="auto")

    with pytest.raises(ValueError) as error:
        model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[stopping])

    assert "mode='max'" in str(error.value)


def test_interval_coverage_early_stopping_max_works():
    x, y = interval_data()
    model = interval_model(IntervalCoverage())
    stopping = keras.callbacks.EarlyStopping(monitor="val_interval_coverage", mode="max")

    history = model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[stopping])

    assert "val_interval_coverage" in history.history
    assert stopping.monitor_op is ops.greater


def test_interval_score_early_stopping_auto_minimizes():
    x, y = interval_data()
    model = interval_model(IntervalScore(alpha=0.2))
    stopping = keras.callbacks.EarlyStopping(monitor="val_interval_score", mode="auto")

    model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[stopping])

    assert IntervalScore._direction == "down"
    assert stopping.monitor_op is ops.less


def test_interval_coverage_config_round_trip():
    metric = IntervalCoverage(lower_index=1, upper_index=-2, name="coverage_80", dtype="float64")
    config = json.loads(json.dumps(metric.get_config()))

    rebuilt = IntervalCoverage.from_config(config)

    assert config == {"lower_index": 1, "upper_index": -2, "name": "coverage_80", "dtype": "float64"}
    assert rebuilt.get_config() == config
    assert rebuilt.dtype == "float64"


def test_interval_score_config_round_trip():
    metric = IntervalScore(alpha=0.2, lower_index=1, upper_index=3, name="score_80", dtype="float64")
    config = json.loads(json.dumps(metric.get_config()))

    rebuilt = IntervalScore.from_config(config)

    assert config == {"alpha": 0.2, "lower_index": 1, "upper_index": 3, "name": "score_80", "dtype": "float64"}
    assert rebuilt.get_config() == config


@pytest.mark.parametrize("cls", [IntervalCoverage, IntervalScore])
def test_interval_serialize_round_trip_values(cls):
    metric = cls(lower_index=1, upper_index=2)
    y_true, y_pred, weights = quantile_data(7, 4, seed=13)
    restored = keras.saving.deserialize_keras_object(
        json.loads(json.dumps(keras.saving.serialize_keras_object(metric)))
    )

    before = stream(metric, y_true, y_pred, weights, [7])
    after = stream(restored, y_true, y_pred, weights, [7])

    assert type(restored) is cls
    assert after == before


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_quantile_mixed_precision_trains(policy):
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(14)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(3)])
    model.compile(
        optimizer="sgd",
        loss=Pinball(quantiles=[0.1, 0.5, 0.9]),
        metrics=[PinballMetric(quantiles=[0.1, 0.5, 0.9]), IntervalCoverage(), IntervalScore(alpha=0.2)],
    )
    rng = np.random.default_rng(14)
    x = rng.normal(size=(16, 3)).astype("float32")
    # 300**2 overflows float16; the loss must still compute in float32.
    y = (300.0 * x[:, :1]).astype("float32")

    logs = model.train_on_batch(x, y, return_dict=True)

    assert model.layers[-1].compute_dtype == policy.removeprefix("mixed_")
    for key in ("loss", "pinball", "interval_coverage", "interval_score"):
        assert math.isfinite(logs[key]), key
    assert all(np.all(np.isfinite(to_numpy(w))) for w in model.trainable_weights)


def test_quantile_model_reloads_fresh_process(tmp_path, fresh_python):
    keras.utils.set_random_seed(15)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile(
        optimizer="adam",
        loss=Pinball(quantiles=[0.2, 0.5, 0.8], reduction="sum"),
        metrics=[
            PinballMetric(quantiles=[0.2, 0.5, 0.8], name="pinball_60"),
            IntervalCoverage(lower_index=0, upper_index=-1, name="coverage_60"),
            IntervalScore(alpha=0.4, lower_index=0, upper_index=2, name="score_60"),
        ],
    )
    x, y = interval_data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "quantile.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)

    # The child imports the new modules by name, because keras_tailor's
    # package __init__ files do not export them yet.
    loaded = fresh_python(
        f"""
        import json
        import numpy as np
        import keras
        import keras_tailor.losses.quantile
        import keras_tailor.metrics.intervals
        model = keras.saving.load_model({str(path)!r})
        x = np.load({str(tmp_path / "x.npy")!r})
        y = np.load({str(tmp_path / "y.npy")!r})
        evaluation = model.evaluate(x, y, verbose=0, return_dict=True)
        print(json.dumps({{
            "loss": model.loss.get_config(),
            "evaluation": {{k: float(v) for k, v in evaluation.items()}},
        }}))
        """
    )

    assert loaded["loss"]["quantiles"] == [0.2, 0.5, 0.8]
    assert loaded["loss"]["reduction"] == "sum"
    for key, value in expected.items():
        assert loaded["evaluation"][key] == pytest.approx(value, rel=1e-5), key


@pytest.fixture(scope="module")
def checker_reports():
    """Run the contract checker once on every class here, on this backend, with nothing skipped.

    The interval metrics' `example_inputs()` give four quantile columns.
    IntervalCoverage declares no direction on purpose (see its docstring), so
    its direction check reports itself skipped with that reason.
    """
    reports = check_components([Pinball, PinballMetric, IntervalScore, IntervalCoverage])
    return {report.label.rsplit(":", 1)[1]: report for report in reports}


@pytest.mark.parametrize("name", ["Pinball", "PinballMetric", "IntervalScore", "IntervalCoverage"])
def test_quantile_component_passes_checker(checker_reports, name):
    report = checker_reports[name]

    assert report.passed, report.format()
