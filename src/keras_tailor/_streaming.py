"""The summable-state base shared by every keras-tailor metric, and its weighted mean."""

import keras
from keras import ops

from keras_tailor import _validation


class SummedStatistics(keras.metrics.Metric):
    """Base of metrics whose state is a set of statistics that add up.

    Each statistic is a variable aggregated across replicas with `"sum"`. So
    the statistics of the whole data set are the sums of those of any split
    into batches, replicas or shards, and `result()` is a function of them
    alone. That one property gives three things:

    - any batching, and `tf.distribute.MirroredStrategy` or
      `keras.distribution.DataParallel`, give the value of the whole set;
    - `merge_state(metrics)` adds the statistics of other metrics of the same
      configuration, for evaluation sharded over processes or machines;
    - `batch_result()` gives the value of the last batch alone next to the
      running value of `result()`.

    Subclasses declare statistics with `_add_statistic(name, shape)` in
    `__init__`, pass one batch's statistics to `_record` in `update_state`, and
    define `_value(statistics)`, which maps a dict of tensors by name to the
    result.
    """

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._statistics = {}
        self._batch_statistics = {}

    def _add_statistic(self, name, shape=()):
        """Create the running and last-batch variables of a statistic and return the running one."""
        self._statistics[name] = self.add_variable(
            shape=shape, initializer="zeros", dtype=self.dtype, aggregation="sum", name=name
        )
        self._batch_statistics[name] = self.add_variable(
            shape=shape, initializer="zeros", dtype=self.dtype, aggregation="sum", name=f"batch_{name}"
        )
        return self._statistics[name]

    def _record(self, statistics):
        """Add one batch's statistics, a dict by name, to the running ones and keep them as the last batch."""
        for name, variable in self._statistics.items():
            value = ops.cast(statistics[name], self.dtype)
            variable.assign_add(value)
            self._batch_statistics[name].assign(value)

    def _value(self, statistics):
        raise NotImplementedError(f"{type(self).__name__} must define _value(statistics)")

    def result(self):
        return ops.convert_to_tensor(self._value(_values_of(self._statistics)))

    def batch_result(self):
        """Return the metric of the last batch passed to `update_state` alone, or of no data after a reset.

        Example:

        >>> metric = keras_tailor.metrics.LossMean(keras_tailor.losses.Huber())
        >>> metric.update_state([[0.0], [0.0]], [[1.0], [3.0]])
        >>> metric.update_state([[0.0]], [[0.0]])
        >>> float(metric.result()), float(metric.batch_result())
        (1.0, 0.0)
        """
        return ops.convert_to_tensor(self._value(_values_of(self._batch_statistics)))

    def merge_state(self, metrics):
        """Add the running statistics of `metrics`, one metric or a list, to this one's.

        Each must be of the same class and configuration apart from `name`, as
        when every worker of a sharded evaluation builds the same metric. After
        the merge, `result()` is the value over the data of all of them. The
        last-batch statistics are left as they were.

        Example:

        >>> shards = [keras_tailor.metrics.LossMean(keras_tailor.losses.Huber()) for _ in range(2)]
        >>> shards[0].update_state([[0.0]], [[1.0]])
        >>> shards[1].update_state([[0.0], [0.0]], [[0.0], [0.0]])
        >>> shards[0].merge_state(shards[1])
        >>> round(float(shards[0].result()), 6)
        0.166667
        """
        if isinstance(metrics, keras.metrics.Metric):
            metrics = [metrics]
        metrics = list(metrics)
        for other in metrics:
            self._check_mergeable(other)
        for other in metrics:
            for name, variable in self._statistics.items():
                variable.assign_add(ops.cast(other._statistics[name], self.dtype))

    def _check_mergeable(self, other):
        if type(other) is not type(self):
            raise TypeError(
                f"merge_state needs metrics of class {type(self).__name__}; got {type(other).__name__}"
            )
        ours = {key: value for key, value in self.get_config().items() if key != "name"}
        theirs = {key: value for key, value in other.get_config().items() if key != "name"}
        if ours != theirs:
            differing = sorted(key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key))
            details = ", ".join(f"{key}={ours.get(key)!r} here and {theirs.get(key)!r} in {other.name!r}" for key in differing)
            raise ValueError(f"merge_state needs metrics of the same configuration; they differ in {details}")


def _values_of(variables):
    return {name: ops.convert_to_tensor(variable) for name, variable in variables.items()}


class WeightedMean(SummedStatistics):
    """Base of metrics that average per-sample values with sample weights.

    The statistics are the weighted sum of the values and the sum of the
    weights:

        result = sum(w_i * v_i) / sum(w_i)

    which is 0 while no weight has been seen. Weights broadcast over the values
    as in `keras.metrics.Mean`. Subclasses compute the values and call
    `_accumulate`.
    """

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self._add_statistic("total")
        self.count = self._add_statistic("count")

    def _accumulate(self, values, sample_weight):
        values = ops.cast(values, self.dtype)
        if sample_weight is None:
            weights = ops.ones_like(values)
        else:
            weights = _validation.broadcast_sample_weight(sample_weight, values)
        self._record({"total": ops.sum(values * weights), "count": ops.sum(weights)})

    def _value(self, statistics):
        return ops.divide_no_nan(statistics["total"], statistics["count"])
