"""LossMean: the streaming weighted mean of any loss, against numpy."""

import json

import keras
import numpy as np
import pytest

import keras_tailor as kt
from conftest import to_numpy


def _huber_numpy(y_true, y_pred, threshold):
    # Reference: the Huber formula in float64 numpy, mean over the last axis.
    error = np.abs(np.asarray(y_pred, "float64") - np.asarray(y_true, "float64"))
    elementwise = np.where(error <= threshold, 0.5 * error**2, threshold * error - 0.5 * threshold**2)
    return elementwise.mean(axis=-1)


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    y_true = rng.normal(size=(17, 2)).astype("float32")
    y_pred = (y_true + rng.normal(scale=2.0, size=(17, 2))).astype("float32")
    weights = rng.uniform(0.0, 3.0, size=(17,)).astype("float32")
    weights[[1, 9]] = 0.0
    return y_true, y_pred, weights


def _stream(metric, y_true, y_pred, weights, sizes):
    start = 0
    for size in sizes:
        metric.update_state(y_true[start : start + size], y_pred[start : start + size], sample_weight=weights[start : start + size])
        start += size
    return float(to_numpy(metric.result()))


@pytest.mark.parametrize("sizes", [[17], [1] * 17, [5, 1, 8, 3]])
def test_loss_mean_huber_weighted(data, sizes):
    y_true, y_pred, weights = data
    metric = kt.metrics.LossMean(kt.losses.Huber(threshold=0.7))
    expected = np.average(_huber_numpy(y_true, y_pred, 0.7), weights=weights)
    assert _stream(metric, y_true, y_pred, weights, sizes) == pytest.approx(expected, rel=1e-5)


def test_loss_mean_keras_builtin(data):
    y_true, y_pred, weights = data
    metric = kt.metrics.LossMean(keras.losses.MeanSquaredError())
    # Reference: mean squared error per sample in numpy, then np.average with weights.
    per_sample = ((y_pred.astype("float64") - y_true) ** 2).mean(axis=-1)
    assert _stream(metric, y_true, y_pred, weights, [4, 13]) == pytest.approx(np.average(per_sample, weights=weights), rel=1e-5)


def test_loss_mean_ignores_reduction(data):
    y_true, y_pred, weights = data
    summed = kt.metrics.LossMean(kt.losses.Huber(threshold=0.7, reduction="sum"))
    averaged = kt.metrics.LossMean(kt.losses.Huber(threshold=0.7))
    assert _stream(summed, y_true, y_pred, weights, [17]) == pytest.approx(_stream(averaged, y_true, y_pred, weights, [17]), rel=1e-6)


def test_loss_mean_equals_huber_metric(data):
    y_true, y_pred, weights = data
    wrapped = kt.metrics.LossMean(kt.losses.Huber(threshold=2.5))
    dedicated = kt.metrics.HuberMetric(threshold=2.5)
    assert _stream(wrapped, y_true, y_pred, weights, [6, 11]) == pytest.approx(_stream(dedicated, y_true, y_pred, weights, [6, 11]), rel=1e-6)


def test_loss_mean_empty_is_zero():
    assert float(to_numpy(kt.metrics.LossMean(kt.losses.Huber()).result())) == 0.0


def test_loss_mean_reset_state(data):
    y_true, y_pred, weights = data
    metric = kt.metrics.LossMean(kt.losses.Huber())
    _stream(metric, y_true, y_pred, weights, [17])
    metric.reset_state()
    assert float(to_numpy(metric.result())) == 0.0


def test_loss_mean_default_name():
    assert kt.metrics.LossMean(kt.losses.Huber(name="robust")).name == "robust"
    assert kt.metrics.LossMean(kt.losses.Huber(), name="val_metric").name == "val_metric"


def test_loss_mean_direction_down():
    assert kt.metrics.LossMean(kt.losses.Huber())._direction == "down"


def test_loss_mean_config_keeps_inner_loss():
    metric = kt.metrics.LossMean(kt.losses.Huber(threshold=0.3), name="m", dtype="float16")
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(metric)))
    restored = keras.saving.deserialize_keras_object(config)
    assert isinstance(restored, kt.metrics.LossMean)
    assert restored.loss.threshold == 0.3
    assert restored.name == "m"
    assert restored.get_config() == metric.get_config()


@pytest.mark.parametrize("bad", [None, "huber", kt.losses.huber, 3.0])
def test_loss_mean_rejects_non_loss(bad):
    with pytest.raises(ValueError, match="Invalid loss: received"):
        kt.metrics.LossMean(bad)


def test_loss_mean_shape_mismatch_names_shapes():
    metric = kt.metrics.LossMean(kt.losses.Huber())
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        metric.update_state(np.zeros((4, 3)), np.zeros((4, 2)))
