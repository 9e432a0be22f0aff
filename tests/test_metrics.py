"""Streaming, weighting and bad-input tests for `keras_tailor.metrics.HuberMetric`.

Expected values are hand-worked numbers or `np.average` over a per-sample Huber
loss written here in numpy, never the metric's own output.
"""

import keras
import numpy as np
import pytest
from conftest import to_numpy
from keras import ops

from keras_tailor.metrics import HuberMetric


def reference_huber(y_true, y_pred, threshold):
    """Return the per-sample Huber loss in float64: the two-branch formula, then the mean over the last axis."""
    error = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    abs_error = np.abs(error)
    quadratic = 0.5 * error**2
    linear = threshold * abs_error - 0.5 * threshold**2
    return np.where(abs_error <= threshold, quadratic, linear).mean(axis=-1)


def random_regression_batch(size, seed):
    """Return targets, predictions and positive weights for `size` samples of 3 outputs."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(size, 3)).astype("float32")
    y_pred = (y_true + rng.uniform(-4.0, 4.0, size=(size, 3))).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=size).astype("float32")
    return y_true, y_pred, weights


def update(metric, y_true, y_pred, sample_weight=None):
    """Call `metric.update_state` with every array converted to a backend tensor."""
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight)
    metric.update_state(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), sample_weight)


def result(metric):
    return float(to_numpy(metric.result()))


def test_metric_docstring_example_hand_worked():
    # Losses 0.5 * 0.5**2 = 0.125 and 3 - 0.5 = 2.5 with weights 1 and 3:
    # (1 * 0.125 + 3 * 2.5) / (1 + 3) = 7.625 / 4 = 1.90625.
    metric = HuberMetric(threshold=1.0)

    update(metric, [[0.0], [0.0]], [[0.5], [3.0]], sample_weight=[1.0, 3.0])

    assert result(metric) == pytest.approx(1.90625, rel=1e-6)


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.5])
def test_metric_uneven_batches_weighted(threshold):
    y_true, y_pred, weights = random_regression_batch(12, seed=21)
    expected = np.average(reference_huber(y_true, y_pred, threshold), weights=weights)
    metric = HuberMetric(threshold=threshold)

    start = 0
    for size in (1, 3, 7, 1):
        stop = start + size
        update(metric, y_true[start:stop], y_pred[start:stop], weights[start:stop])
        start = stop

    assert start == 12
    assert result(metric) == pytest.approx(expected, rel=1e-5)


def test_metric_uneven_batches_unweighted():
    y_true, y_pred, _ = random_regression_batch(12, seed=22)
    expected = np.mean(reference_huber(y_true, y_pred, 1.0))
    metric = HuberMetric()

    for start, stop in ((0, 1), (1, 4), (4, 11), (11, 12)):
        update(metric, y_true[start:stop], y_pred[start:stop])

    assert result(metric) == pytest.approx(expected, rel=1e-5)


def test_metric_batches_of_one():
    y_true, y_pred, weights = random_regression_batch(9, seed=23)
    expected = np.average(reference_huber(y_true, y_pred, 1.0), weights=weights)
    metric = HuberMetric()

    for index in range(9):
        update(metric, y_true[index : index + 1], y_pred[index : index + 1], weights[index : index + 1])

    assert result(metric) == pytest.approx(expected, rel=1e-5)


def test_metric_rank_one_targets_uneven_batches():
    # (N,) targets against (N, 1) predictions, as `model.fit` passes them for a
    # 1-D `y` and a `Dense(1)` output. Each sample must count once.
    rng = np.random.default_rng(24)
    y_true = rng.normal(size=12).astype("float32")
    y_pred = (y_true[:, None] + rng.uniform(-3.0, 3.0, size=(12, 1))).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=12).astype("float32")
    expected = np.average(reference_huber(y_true[:, None], y_pred, 1.0), weights=weights)
    metric = HuberMetric()

    for start, stop in ((0, 1), (1, 4), (4, 11), (11, 12)):
        update(metric, y_true[start:stop], y_pred[start:stop], weights[start:stop])

    assert result(metric) == pytest.approx(expected, rel=1e-5)


def test_metric_zero_weight_excludes_sample():
    # The middle sample (error 100, loss 99.5) has weight 0, so the result is
    # (0.125 + 0.5) / 2 = 0.3125 from errors 0.5 and -1.0.
    metric = HuberMetric()

    update(metric, [[0.0], [0.0], [0.0]], [[0.5], [100.0], [-1.0]], sample_weight=[1.0, 0.0, 1.0])

    assert result(metric) == pytest.approx(0.3125, rel=1e-6)


def test_metric_all_zero_weights_returns_zero():
    metric = HuberMetric()

    update(metric, [[0.0], [0.0]], [[5.0], [6.0]], sample_weight=[0.0, 0.0])

    assert result(metric) == 0.0


def test_metric_column_sample_weight():
    # Weights of shape (N, 1) act as weights of shape (N,): same 1.90625 as the
    # docstring example.
    metric = HuberMetric()

    update(metric, [[0.0], [0.0]], [[0.5], [3.0]], sample_weight=[[1.0], [3.0]])

    assert result(metric) == pytest.approx(1.90625, rel=1e-6)


def test_metric_reset_state_returns_zero():
    metric = HuberMetric()
    update(metric, [[0.0]], [[3.0]])
    assert result(metric) == pytest.approx(2.5, rel=1e-6)

    metric.reset_state()

    assert result(metric) == 0.0


def test_metric_reset_state_forgets_batches():
    # After a reset only the second batch counts: 0.5 * 0.5**2 = 0.125.
    metric = HuberMetric()
    update(metric, [[0.0]], [[3.0]])
    metric.reset_state()

    update(metric, [[0.0]], [[0.5]])

    assert result(metric) == pytest.approx(0.125, rel=1e-6)


def test_metric_empty_returns_zero():
    metric = HuberMetric()

    assert result(metric) == 0.0


def test_metric_default_arguments():
    metric = HuberMetric()

    assert metric.threshold == 1.0
    assert metric.name == "huber"


def test_metric_direction_is_down():
    assert HuberMetric._direction == "down"
    assert HuberMetric(threshold=2.0)._direction == "down"


def test_metric_early_stopping_auto_mode():
    keras.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 2)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0]], dtype="float32")).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[HuberMetric()])
    stopping = keras.callbacks.EarlyStopping(monitor="val_huber", mode="auto", patience=1)

    history = model.fit(
        x[:24], y[:24], validation_data=(x[24:], y[24:]), epochs=2, batch_size=8, callbacks=[stopping], verbose=0
    )

    assert "val_huber" in history.history
    # EarlyStopping in Keras 3.15.1 raises ValueError in mode "auto" unless the
    # metric's `_direction` names the better side.
    assert stopping.monitor_op is ops.less


def test_metric_evaluate_uneven_batches():
    # `evaluate` with batches of 5, 5 and 2 samples returns the weighted mean
    # over all 12 samples, not the mean of the three batch means.
    keras.utils.set_random_seed(6)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(12, 2)).astype("float32")
    y = rng.normal(size=12).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=12).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse", weighted_metrics=[HuberMetric()])

    value = model.evaluate(x, y, sample_weight=weights, batch_size=5, return_dict=True, verbose=0)["huber"]
    predictions = model.predict(x, verbose=0)
    expected = np.average(reference_huber(y[:, None], predictions, 1.0), weights=weights)

    assert value == pytest.approx(expected, rel=1e-5)


INVALID_THRESHOLDS = [0, -1, 0.0, -1.0, float("nan"), float("inf"), True, "1"]


@pytest.mark.parametrize("threshold", INVALID_THRESHOLDS, ids=repr)
def test_metric_invalid_threshold_raises(threshold):
    with pytest.raises(ValueError) as error:
        HuberMetric(threshold=threshold)

    assert "threshold" in str(error.value)
    assert repr(threshold) in str(error.value)


MISMATCHED_SHAPES = [
    ((4, 1), (4, 3), "(4, 1)", "(4, 3)"),
    ((4, 2), (3, 2), "(4, 2)", "(3, 2)"),
    ((4,), (4, 3), "(4,)", "(4, 3)"),
]


@pytest.mark.parametrize("true_shape, pred_shape, true_text, pred_text", MISMATCHED_SHAPES)
def test_metric_mismatched_shapes_raise(true_shape, pred_shape, true_text, pred_text):
    metric = HuberMetric()

    with pytest.raises(ValueError) as error:
        metric.update_state(ops.zeros(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


# Sample weights that fit neither one weight per sample nor a broadcast of it,
# for 4 samples of 2 outputs (per-sample values of shape (4,)).
MISMATCHED_WEIGHTS = [
    ((3,), "(3,)"),
    ((4, 2), "(4, 2)"),
    ((2, 2), "(2, 2)"),
]


@pytest.mark.parametrize("weight_shape, weight_text", MISMATCHED_WEIGHTS)
def test_metric_mismatched_weights_raise(weight_shape, weight_text):
    metric = HuberMetric()

    with pytest.raises(ValueError) as error:
        metric.update_state(ops.zeros((4, 2)), ops.ones((4, 2)), sample_weight=ops.ones(weight_shape))

    assert weight_text in str(error.value)
    assert "(4,)" in str(error.value)


def test_metric_mismatched_weights_keep_state():
    # A rejected update must not change the sums: the result stays 2.5 from error 3.
    metric = HuberMetric()
    update(metric, [[0.0]], [[3.0]])

    with pytest.raises(ValueError):
        metric.update_state(ops.zeros((4, 2)), ops.ones((4, 2)), sample_weight=ops.ones((3,)))

    assert result(metric) == pytest.approx(2.5, rel=1e-6)


def test_huber_metric_float16_inputs_computed_in_float32():
    """Float16 model outputs are cast to the metric's float32 before squaring."""
    metric = HuberMetric(threshold=1000.0)
    y_true = np.zeros((4, 1), dtype="float16")
    y_pred = np.full((4, 1), 400.0, dtype="float16")
    metric.update_state(y_true, y_pred)
    # Hand-worked: |error| = 400 <= 1000, so each value is 0.5 * 400**2 = 80000,
    # which is above float16's maximum of 65504 and would be inf in float16.
    assert float(to_numpy(metric.result())) == pytest.approx(80000.0)
