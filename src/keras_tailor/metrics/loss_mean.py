"""A streaming metric from any loss instance."""

import keras

from keras_tailor._streaming import WeightedMean


@keras.saving.register_keras_serializable(package="keras_tailor")
class LossMean(WeightedMean):
    """Streaming, sample-weighted mean of the per-sample values of any Keras loss.

    Formula, with `l_i` the loss of sample `i` before reduction (what
    `loss.call(y_true, y_pred)` returns) and `w_i` its weight:

        result = sum_i(w_i * l_i) / sum_i(w_i)

    over every batch since the last `reset_state`, so the value does not depend
    on how the data is split into batches or replicas. The loss's own
    `reduction` plays no part. The inner loss is saved in the config, with its
    hyperparameters when the loss class keeps them. Lower is better.

    Args:
        loss: a `keras.losses.Loss` instance, such as
            `keras_tailor.losses.Huber(threshold=0.5)`.
        name: the metric name, the key in `History`. Defaults to the loss's name.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Raises:
        ValueError: `loss` is not a `keras.losses.Loss` instance.

    Example:

    >>> metric = LossMean(keras_tailor.losses.Huber(threshold=1.0))
    >>> metric.update_state([[0.0], [0.0]], [[0.5], [3.0]], sample_weight=[1.0, 3.0])
    >>> float(metric.result())
    1.90625
    """

    _direction = "down"

    def __init__(self, loss, name=None, dtype=None):
        if isinstance(loss, dict):
            loss = keras.saving.deserialize_keras_object(loss)
        if not isinstance(loss, keras.losses.Loss):
            raise ValueError(
                f"Invalid loss: received {loss!r} of type {type(loss).__name__}, expected a "
                "keras.losses.Loss instance such as keras_tailor.losses.Huber()."
            )
        self._dtype_argument = dtype
        super().__init__(name=name or loss.name, dtype=dtype)
        self.loss = loss

    @staticmethod
    def example_arguments():
        """Return constructor arguments for `keras_tailor.testing`, which cannot invent a loss."""
        from keras_tailor.losses import Huber

        return {"loss": Huber(threshold=0.75)}

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = keras.ops.convert_to_tensor(y_pred, dtype=self.loss.dtype)
        y_true = keras.ops.convert_to_tensor(y_true, dtype=self.loss.dtype)
        self._accumulate(self.loss.call(y_true, y_pred), sample_weight)

    def get_config(self):
        dtype = self._dtype_argument
        if dtype is not None and not isinstance(dtype, str):
            dtype = keras.dtype_policies.serialize(dtype)
        return {"loss": keras.saving.serialize_keras_object(self.loss), "name": self.name, "dtype": dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
