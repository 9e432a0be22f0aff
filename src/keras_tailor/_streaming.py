"""The weighted streaming mean shared by keras-tailor's mean-type metrics."""

import keras
from keras import ops

from keras_tailor import _validation


class WeightedMean(keras.metrics.Metric):
    """Base of metrics that average per-sample values with sample weights.

    The state is two summable statistics, the weighted sum of the values and
    the sum of the weights, both aggregated across replicas with `"sum"`. So any
    split of the data into batches or replicas gives the value of the whole set:

        result = sum(w_i * v_i) / sum(w_i)

    which is 0 while no weight has been seen. Weights broadcast over the values
    as in `keras.metrics.Mean`. Subclasses compute the values and call
    `_accumulate`.
    """

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, aggregation="sum", name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, aggregation="sum", name="count"
        )

    def _accumulate(self, values, sample_weight):
        values = ops.cast(values, self.dtype)
        if sample_weight is None:
            weights = ops.ones_like(values)
        else:
            weights = _validation.broadcast_sample_weight(sample_weight, values)
        self.total.assign_add(ops.sum(values * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.convert_to_tensor(ops.divide_no_nan(self.total, self.count))
