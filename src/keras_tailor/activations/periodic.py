"""Periodic activations, for models of data with periodic structure."""

import keras
from keras import ops

from keras_tailor import _validation
from keras_tailor.authoring import activation

# Below this |frequency * x| the series a * x**2 * (1 - u**2 / 3) replaces
# sin(u)**2 / a. Its relative error, about 2 * u**4 / 45, is under 1e-9 here.
_SERIES_LIMIT = 1e-2


def _validate_snake(frequency=1.0):
    _validation.check_positive("frequency", frequency)


def snake_formula(x, frequency):
    """Compute `x + sin(frequency * x)**2 / frequency` for any frequency tensor, zero included.

    `frequency` may be a trainable tensor that passes through 0 during training,
    where the plain quotient is 0 / 0. For small `u = frequency * x` the series
    `frequency * x**2 * (1 - u**2 / 3)` is used instead, and the divisor of the
    other branch is replaced by 1 there, so values and gradients stay finite.
    """
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        # Casting the frequency to an integer dtype would truncate it, often to 0.
        x = ops.cast(x, keras.config.floatx())
    # convert_to_tensor gives a Python number the dtype of x directly. ops.cast
    # would round it to float32 first on TensorFlow, so float64 inputs lost precision.
    frequency = ops.convert_to_tensor(frequency, dtype=x.dtype)
    u = frequency * x
    small = ops.abs(u) < _SERIES_LIMIT
    safe_frequency = ops.where(small, ops.ones_like(u), frequency)
    periodic = ops.square(ops.sin(u)) / safe_frequency
    series = frequency * ops.square(x) * (1.0 - ops.square(u) / 3.0)
    return x + ops.where(small, series, periodic)


def snake(x, frequency=1.0):
    """Apply the snake activation `x + sin(frequency * x)**2 / frequency`.

    Snake adds a periodic part to the identity and never decreases (its
    derivative is `1 + sin(2 * a * x) >= 0`), so a network built with it can
    extrapolate periodic signals where ReLU or tanh networks flatten out.

    Formula, with `a = frequency`:

        snake(x) = x + sin(a * x)**2 / a

    Args:
        x: the input tensor.
        frequency: `a`, a finite number > 0. Defaults to 1.0.

    Returns:
        A tensor of the shape of `x`, with the dtype of `x` when it is a float
        dtype and `keras.config.floatx()` otherwise.

    Raises:
        ValueError: `frequency` is not a finite number > 0.

    References:
        Liu Ziyin, Tilman Hartwig, Masahito Ueda, "Neural Networks Fail to
        Learn Periodic Functions and How to Fix It", NeurIPS 2020.

    Example:

    >>> round(float(snake(1.0, frequency=2.0)), 6)
    1.413411
    """
    _validate_snake(frequency)
    return snake_formula(x, frequency)


SnakeActivation = activation(
    snake,
    name="SnakeActivation",
    package="keras_tailor",
    validate=_validate_snake,
    doc="""Snake activation `x + sin(frequency * x)**2 / frequency` with a fixed, saved frequency.

    Pass an instance wherever Keras takes an activation; the frequency is kept
    when the model is saved, which a plain function or `functools.partial`
    cannot do. For a frequency learned per unit, use `keras_tailor.layers.Snake`.

    Args:
        frequency: a finite number > 0. Defaults to 1.0.

    Example:

    >>> layer = keras.layers.Dense(8, activation=SnakeActivation(frequency=2.0))
    """,
)
