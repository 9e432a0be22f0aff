"""Activation layers with trainable parameters."""

import keras

from keras_tailor import _validation
from keras_tailor.activations.periodic import snake_formula


@keras.saving.register_keras_serializable(package="keras_tailor")
class Snake(keras.layers.Layer):
    """Snake activation with a trainable frequency per unit.

    Formula, with `a_j` the frequency of unit `j` (the last axis of the input):

        y[..., j] = x[..., j] + sin(a_j * x[..., j])**2 / a_j

    Each `a_j` starts at `initial_frequency` and is learned. Training may move a
    frequency to 0 or below; the formula stays finite there (at `a_j = 0` the
    unit is the identity).

    Args:
        initial_frequency: the starting value of every frequency. A finite
            number > 0. Defaults to 1.0.
        **kwargs: base layer arguments such as `name`, `dtype` and `trainable`.

    Input shape: any, with a known last axis. Output shape: the input shape.

    References:
        Liu Ziyin, Tilman Hartwig, Masahito Ueda, "Neural Networks Fail to
        Learn Periodic Functions and How to Fix It", NeurIPS 2020.

    Example:

    >>> layer = Snake(initial_frequency=0.5)
    >>> tuple(layer(keras.ops.zeros((2, 3))).shape)
    (2, 3)
    """

    def __init__(self, initial_frequency=1.0, **kwargs):
        super().__init__(**kwargs)
        _validation.check_positive("initial_frequency", initial_frequency)
        self.initial_frequency = float(initial_frequency)

    def build(self, input_shape):
        units = input_shape[-1]
        if units is None:
            raise ValueError(
                f"Snake needs a known last axis to create one frequency per unit, "
                f"but received an input of shape {tuple(input_shape)}."
            )
        self.frequency = self.add_weight(
            shape=(units,),
            initializer=keras.initializers.Constant(self.initial_frequency),
            trainable=True,
            name="frequency",
        )

    def call(self, inputs):
        return snake_formula(inputs, self.frequency)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["initial_frequency"] = self.initial_frequency
        return config
