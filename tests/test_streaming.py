"""The summable-state contract shared by every public metric: merge_state and batch_result.

Values of each metric are tested against independent references in its own
test file. Here the reference is the same metric run once over the whole data
set, because the property under test is that sharding and batching do not
change the value.
"""

import inspect

import keras
import numpy as np
import pytest

import keras_tailor as kt
from keras_tailor._streaming import SummedStatistics, WeightedMean
from keras_tailor.testing.subject import choose_arguments

from conftest import to_numpy


def _public_metric_classes():
    for name in kt.metrics.__all__:
        obj = getattr(kt.metrics, name)
        if inspect.isclass(obj) and issubclass(obj, keras.metrics.Metric):
            yield obj


METRICS = list(_public_metric_classes())


def _build(cls, **overrides):
    """Build `cls` with the arguments the contract checker chooses, which fit its `example_inputs()`."""
    arguments, _, _ = choose_arguments(cls)
    arguments.pop("dtype", None)
    return cls(**{**arguments, **overrides})


def _data(cls):
    """Return `(y_true, y_pred, weights)`: the class's example inputs or 20 regression rows, with uneven weights."""
    examples = getattr(cls, "example_inputs", None)
    rng = np.random.default_rng(5)
    if callable(examples):
        y_true, y_pred = (np.asarray(array) for array in examples())
    else:
        y_true = rng.normal(size=(20, 1)).astype("float32")
        y_pred = (y_true + rng.normal(scale=0.7, size=(20, 1))).astype("float32")
    weights = rng.uniform(0.2, 3.0, size=len(y_true)).astype("float32")
    return y_true, y_pred, weights


def _takes_values(cls):
    return list(inspect.signature(cls.update_state).parameters)[1] == "values"


def _update(metric, y_true, y_pred, weights):
    """Feed `(y_true, y_pred)`, or positive values derived from `y_pred` to a metric of values."""
    if _takes_values(type(metric)):
        metric.update_state(1.0 + np.abs(y_pred), sample_weight=weights)
    else:
        metric.update_state(y_true, y_pred, sample_weight=weights)


def _result(metric):
    return np.asarray(to_numpy(metric.result()), dtype="float64")


def test_every_public_metric_has_summable_state():
    assert METRICS
    not_summable = [cls.__name__ for cls in METRICS if not issubclass(cls, SummedStatistics)]
    assert not not_summable


@pytest.mark.parametrize("cls", METRICS, ids=lambda cls: cls.__name__)
def test_merge_of_shards_equals_one_pass(cls):
    y_true, y_pred, weights = _data(cls)
    whole = _build(cls)
    _update(whole, y_true, y_pred, weights)
    cut = len(y_true) // 3
    shards = [_build(cls, name=f"shard_{index}") for index in range(3)]
    _update(shards[0], y_true[:cut], y_pred[:cut], weights[:cut])
    _update(shards[1], y_true[cut:], y_pred[cut:], weights[cut:])

    shards[0].merge_state(shards[1:])

    np.testing.assert_allclose(_result(shards[0]), _result(whole), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", METRICS, ids=lambda cls: cls.__name__)
def test_batch_result_is_last_batch_alone(cls):
    y_true, y_pred, weights = _data(cls)
    cut = len(y_true) // 2
    streamed = _build(cls)
    _update(streamed, y_true[:cut], y_pred[:cut], weights[:cut])
    _update(streamed, y_true[cut:], y_pred[cut:], weights[cut:])
    last_only = _build(cls)
    _update(last_only, y_true[cut:], y_pred[cut:], weights[cut:])
    whole = _build(cls)
    _update(whole, y_true, y_pred, weights)

    np.testing.assert_allclose(
        np.asarray(to_numpy(streamed.batch_result()), dtype="float64"), _result(last_only), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(_result(streamed), _result(whole), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", METRICS, ids=lambda cls: cls.__name__)
def test_batch_result_after_reset_is_the_empty_result(cls):
    y_true, y_pred, weights = _data(cls)
    metric = _build(cls)
    empty = _result(metric)
    _update(metric, y_true, y_pred, weights)

    metric.reset_state()

    np.testing.assert_array_equal(np.asarray(to_numpy(metric.batch_result()), dtype="float64"), empty)


def test_merge_adds_hand_worked_means():
    # Huber with threshold 1: 0.5 * 1**2 = 0.5 for an error of 1, 1 * (3 - 0.5) = 2.5 for 3.
    first = kt.metrics.HuberMetric()
    first.update_state([[0.0]], [[1.0]], sample_weight=[2.0])
    second = kt.metrics.HuberMetric(name="other")
    second.update_state([[0.0], [0.0]], [[3.0], [0.0]])

    first.merge_state(second)

    # (2 * 0.5 + 2.5 + 0) / (2 + 1 + 1) = 0.875
    assert float(to_numpy(first.result())) == pytest.approx(0.875)
    assert float(to_numpy(second.result())) == pytest.approx(1.25)


def test_merge_leaves_last_batch_alone():
    first = kt.metrics.HuberMetric()
    first.update_state([[0.0]], [[1.0]])
    second = kt.metrics.HuberMetric()
    second.update_state([[0.0]], [[3.0]])

    first.merge_state(second)

    assert float(to_numpy(first.batch_result())) == pytest.approx(0.5)
    assert float(to_numpy(first.result())) == pytest.approx(1.5)


def test_merge_refuses_other_class():
    metric = kt.metrics.CohenKappa(num_classes=3)

    with pytest.raises(TypeError, match="of class CohenKappa; got MatthewsCorrelation"):
        metric.merge_state(kt.metrics.MatthewsCorrelation(num_classes=3))


def test_merge_refuses_other_configuration_naming_the_argument():
    metric = kt.metrics.CohenKappa(num_classes=3)
    other = kt.metrics.CohenKappa(num_classes=3, weightage="quadratic", name="qwk")

    with pytest.raises(ValueError, match=r"weightage=None here and 'quadratic' in 'qwk'"):
        metric.merge_state(other)


def test_merge_checks_every_metric_before_adding_any():
    metric = kt.metrics.HuberMetric()
    metric.update_state([[0.0]], [[1.0]])
    good = kt.metrics.HuberMetric()
    good.update_state([[0.0]], [[3.0]])

    with pytest.raises(ValueError, match="threshold"):
        metric.merge_state([good, kt.metrics.HuberMetric(threshold=2.0)])

    assert float(to_numpy(metric.result())) == pytest.approx(0.5)


def test_weighted_mean_state_is_four_summed_variables():
    metric = kt.metrics.HuberMetric()

    assert isinstance(metric, WeightedMean)
    assert sorted(variable.name for variable in metric.variables) == ["batch_count", "batch_total", "count", "total"]
    assert {variable.aggregation for variable in metric.variables} == {"sum"}
