"""Deliberately broken Keras components, each with a correct twin, for the checker's tests.

Each broken class has one known defect, and its twin differs only in the
fix, so a test can show that the checker flags the defect and passes the fix.
Fresh-process checks import this module by name in a child process, so the
test that uses it puts this folder on the child's PYTHONPATH.

Every class except `UnregisteredClip` is registered under the test-only
package `keras_tailor_gallery`, so no name collides with keras_tailor's own.
"""

import keras
import numpy as np
from keras import ops

from keras_tailor.authoring import loss as tailor_loss

PACKAGE = "keras_tailor_gallery"
register = keras.saving.register_keras_serializable(package=PACKAGE)


def _per_sample_huber(y_true, y_pred, delta):
    """Return the Huber loss per sample, averaged over the last axis."""
    y_true = ops.cast(y_true, y_pred.dtype)
    abs_error = ops.abs(y_pred - y_true)
    clipped = ops.minimum(abs_error, ops.cast(delta, y_pred.dtype))
    return ops.mean(clipped * (abs_error - 0.5 * clipped), axis=-1)


# Loss config: `delta` is stored but never returned by get_config.


@register
class HuberWithoutConfig(keras.losses.Loss):
    """Huber loss that inherits `Loss.get_config`, which returns only name and reduction."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_without_config", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.delta = delta

    def call(self, y_true, y_pred):
        return _per_sample_huber(y_true, y_pred, self.delta)


@register
class HuberWithConfig(HuberWithoutConfig):
    """The fix: `get_config` adds `delta` and `dtype` to the base config."""

    def get_config(self):
        return {**super().get_config(), "delta": self.delta, "dtype": self.dtype}


# Streaming metric: the mean of batch means, with `sample_weight` ignored.


@register
class BatchMeanHuber(keras.metrics.Metric):
    """Textbook streaming Huber metric: averages batch means and ignores `sample_weight`."""

    def __init__(self, name="batch_mean_huber", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.batches = self.add_variable(shape=(), initializer="zeros", name="batches")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(y_pred, self.dtype)
        batch_mean = ops.mean(_per_sample_huber(y_true, y_pred, 1.0))
        self.total.assign_add(batch_mean)
        self.batches.assign_add(ops.cast(1, self.dtype))

    def result(self):
        return ops.divide_no_nan(self.total, self.batches)


@register
class WeightedHuber(keras.metrics.Metric):
    """The fix: sums of weighted per-sample values and of weights, divided at `result`."""

    def __init__(self, name="weighted_huber", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.weight_sum = self.add_variable(shape=(), initializer="zeros", name="weight_sum")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(y_pred, self.dtype)
        values = _per_sample_huber(y_true, y_pred, 1.0)
        if sample_weight is None:
            weights = ops.ones_like(values)
        else:
            weights = ops.reshape(ops.cast(sample_weight, self.dtype), ops.shape(values))
        self.total.assign_add(ops.sum(values * weights))
        self.weight_sum.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.weight_sum)


# Registration: the same constraint with and without the decorator.


class UnregisteredClip(keras.constraints.Constraint):
    """A correct clipping constraint that is not registered, so a fresh process cannot find it."""

    def __init__(self, limit=1.0):
        self.limit = limit

    def __call__(self, w):
        return ops.clip(w, -self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


@register
class RegisteredClip(UnregisteredClip):
    """The fix: the same constraint, registered."""


# Layer weights: created in `call` instead of `build`.


@register
class ScaleInCall(keras.layers.Layer):
    """Multiplies by a per-feature scale that `call` creates on first use."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = None

    def call(self, inputs):
        if self.scale is None:
            self.scale = self.add_weight(shape=(inputs.shape[-1],), initializer="ones", name="scale")
        return inputs * self.scale


@register
class ScaleInBuild(keras.layers.Layer):
    """The fix: `build` creates the per-feature scale from the input shape."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, inputs):
        return inputs * self.scale


@register
class DenseInCall(keras.layers.Layer):
    """Projects with a `Dense` sub-layer that `call` creates anew on every call.

    Keras cannot see the sub-layer, because it is never assigned to the layer,
    so its weights are untracked, never saved, and drawn anew whenever `call`
    runs eagerly or is traced again.
    """

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs):
        return keras.layers.Dense(self.units)(inputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@register
class DenseInBuild(DenseInCall):
    """The fix: `__init__` creates the sub-layer and `build` builds it, so its weights are tracked."""

    def __init__(self, units=3, **kwargs):
        super().__init__(units=units, **kwargs)
        self.projection = keras.layers.Dense(units)

    def build(self, input_shape):
        self.projection.build(input_shape)

    def call(self, inputs):
        return self.projection(inputs)


# Constraint contract: a projection must be idempotent.


@register
class HalveWeights(keras.constraints.Constraint):
    """Multiplies the weights by `factor` at every update, so applying it twice moves them again."""

    def __init__(self, factor=0.5):
        self.factor = factor

    def __call__(self, w):
        return w * ops.cast(self.factor, w.dtype)

    def get_config(self):
        return {"factor": self.factor}


# Replicas: under tf.distribute, a count aggregated with "mean" is divided by the number of replicas.


@register
class MeanAggregatedCount(keras.metrics.Metric):
    """Mean absolute error whose sample count uses replica aggregation "mean" instead of "sum"."""

    count_aggregation = "mean"

    def __init__(self, name="mean_aggregated_count", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"
        self.total = self.add_variable(shape=(), initializer="zeros", aggregation="sum", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", aggregation=self.count_aggregation, name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(y_pred, self.dtype)
        errors = ops.mean(ops.abs(y_pred - ops.cast(y_true, self.dtype)), axis=-1)
        if sample_weight is None:
            weights = ops.ones_like(errors)
        else:
            weights = ops.reshape(ops.cast(sample_weight, self.dtype), ops.shape(errors))
        self.total.assign_add(ops.sum(errors * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)


@register
class SumAggregatedCount(MeanAggregatedCount):
    """The fix: the count is summed over replicas like the total."""

    count_aggregation = "sum"

    def __init__(self, name="sum_aggregated_count", dtype=None):
        super().__init__(name=name, dtype=dtype)


# Direction: EarlyStopping(mode="auto") needs to know whether lower is better.


@register
class UndirectedError(SumAggregatedCount):
    """A correct streaming mean absolute error that declares no direction."""

    def __init__(self, name="undirected_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = None


# Numerics: the gradient of `where(y > 0, log(y), 0)` is NaN at y = 0.


@register
class SingleWhereLogLoss(keras.losses.Loss):
    """Squared error of log predictions, with a single `where` guarding log(0).

    The forward value is finite, but the gradient of the untaken branch is
    0 * (1 / 0) = NaN at y_pred = 0, and `where` passes it through.
    """

    def __init__(self, reduction="sum_over_batch_size", name="single_where_log", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _log(self, y_pred):
        return ops.where(y_pred > 0, ops.log(y_pred), 0.0)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        return ops.mean(ops.square(self._log(y_pred) - y_true), axis=-1)

    def get_config(self):
        return {**super().get_config(), "dtype": self.dtype}


@register
class DoubleWhereLogLoss(SingleWhereLogLoss):
    """The fix: a second `where` feeds log a safe 1 where y_pred <= 0, so both branches have finite gradients."""

    def __init__(self, reduction="sum_over_batch_size", name="double_where_log", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _log(self, y_pred):
        positive = y_pred > 0
        safe = ops.where(positive, y_pred, ops.ones_like(y_pred))
        return ops.where(positive, ops.log(safe), 0.0)


# Mixed precision: squares summed in float16 overflow past 65504.


@register
class PolicySquaredError(keras.metrics.Metric):
    """Mean squared error that computes in the global policy's compute dtype, float16 under mixed_float16."""

    def __init__(self, name="policy_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def _compute_dtype(self):
        return keras.config.dtype_policy().compute_dtype

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = self._compute_dtype()
        errors = ops.cast(y_pred, dtype) - ops.cast(y_true, dtype)
        squares = ops.sum(ops.square(errors), axis=-1)
        if sample_weight is None:
            weights = ops.ones_like(squares)
        else:
            weights = ops.reshape(ops.cast(sample_weight, dtype), ops.shape(squares))
        self.total.assign_add(ops.cast(ops.sum(squares * weights), self.dtype))
        self.count.assign_add(ops.cast(ops.sum(weights), self.dtype))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)


@register
class StateSquaredError(PolicySquaredError):
    """The fix: computes in the metric's own dtype, float32 under every mixed policy."""

    def __init__(self, name="state_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def _compute_dtype(self):
        return self.dtype



# Example inputs: a classification metric gives the checker too few rows of its own data.


@register
class FewExampleRowsAccuracy(keras.metrics.SparseCategoricalAccuracy):
    """Sparse categorical accuracy whose `example_inputs()` returns 3 rows, fewer than the checker needs."""

    @staticmethod
    def example_inputs():
        return np.array([0, 1, 2]), np.eye(3, dtype="float32")


@register
class ExampleRowsAccuracy(keras.metrics.SparseCategoricalAccuracy):
    """The fix: 12 rows of integer labels and softmax probabilities."""

    @staticmethod
    def example_inputs():
        rng = np.random.default_rng(0)
        logits = rng.normal(size=(12, 3))
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return np.arange(12) % 3, probabilities.astype("float32")


# Example inputs of a loss: two columns per target, and edge rows chosen by the author.


def _mean_and_log_variance_rows():
    """Return 10 targets and `[mean, log variance]` rows; the last row predicts its target exactly."""
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(10, 1)).astype("float32")
    y_pred = np.concatenate([y_true + 0.5, rng.uniform(-1.0, 1.0, size=(10, 1))], axis=1).astype("float32")
    y_pred[-1, 0] = y_true[-1, 0]
    return y_true, y_pred


def _gaussian_nll(y_true, y_pred):
    """Return the Gaussian NLL per sample from `y_pred = [mean, log variance]`, up to a constant."""
    mean, log_variance = y_pred[..., :1], y_pred[..., 1:]
    error = ops.cast(y_true, y_pred.dtype) - mean
    return ops.mean(0.5 * (log_variance + error * error * ops.exp(-log_variance)), axis=-1)


def _root_error_nll(y_true, y_pred):
    """The Gaussian NLL plus `sqrt(|error|)`, whose gradient is infinite at an exact prediction."""
    error = ops.cast(y_true, y_pred.dtype) - y_pred[..., :1]
    return _gaussian_nll(y_true, y_pred) + ops.mean(ops.sqrt(ops.abs(error)), axis=-1)


# A loss of two columns per target with no `example_inputs()`: the checker's one-column data does not fit it.
UnshownTwoColumnNLL = tailor_loss(_gaussian_nll, name="UnshownTwoColumnNLL", package=PACKAGE)

# The fix: the kit's `examples=` gives the checker `[mean, log variance]` rows.
ShownTwoColumnNLL = tailor_loss(
    _gaussian_nll, name="ShownTwoColumnNLL", package=PACKAGE, examples=_mean_and_log_variance_rows
)

# Broken at the example row with zero error, where the gradient of `sqrt(|error|)` is infinite.
RootErrorNLL = tailor_loss(
    _root_error_nll, name="RootErrorNLL", package=PACKAGE, examples=_mean_and_log_variance_rows
)
