"""Values, gradients and argument checks of `snake` and `SnakeActivation`."""

import re

import keras
import numpy as np
import pytest
from keras import ops

from backend_gradients import gradient
from conftest import to_numpy
from keras_tailor.activations import SnakeActivation, snake

FREQUENCIES = [0.01, 0.5, 1.0, 2.0, 7.5]
INVALID_FREQUENCIES = [0, 0.0, -1, -0.5, float("nan"), float("inf"), float("-inf"), True, "2", None]
FLOAT32_EPS = np.finfo(np.float32).eps


def snake_reference(x, frequency):
    x = np.asarray(x, dtype=np.float64)
    return x + np.sin(frequency * x) ** 2 / frequency


def snake_derivative_reference(x, frequency):
    x = np.asarray(x, dtype=np.float64)
    return 1.0 + np.sin(2.0 * frequency * x)


def sample_inputs(frequency):
    """Return float32 inputs: a grid through 0, large values, and points near `frequency * x = 0`.

    The last group has |frequency * x| from 1e-7 up to just above 1e-2, on both
    sides of 0, so it covers the series branch and both sides of its limit.
    """
    grid = np.linspace(-10.0, 10.0, 41)
    large = np.array([-1000.0, -123.4, 250.0, 1000.0])
    products = np.array([1e-7, -1e-5, 1e-3, -4e-3, 9.9e-3, -9.9e-3, 1.01e-2, -1.01e-2])
    return np.concatenate([grid, large, products / frequency]).astype("float32")


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_snake_matches_numpy_reference(frequency):
    x = sample_inputs(frequency)

    result = to_numpy(snake(ops.convert_to_tensor(x), frequency=frequency))

    assert result.dtype == np.float32
    np.testing.assert_allclose(result, snake_reference(x, frequency), rtol=2e-6, atol=0.0)


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_snake_zero_input_gives_zero(frequency):
    result = to_numpy(snake(ops.zeros((3,)), frequency=frequency))

    np.testing.assert_array_equal(result, np.zeros(3, dtype=np.float32))


@pytest.mark.parametrize("frequency", [1e-4, 0.5, 3.0])
def test_snake_series_region_float64(backend, frequency):
    if backend == "jax":
        pytest.skip("JAX runs with jax_enable_x64 off, so float64 inputs become float32.")
    products = np.array([1e-6, -1e-4, 5e-3, -5e-3, 9.9e-3, -9.9e-3, 1.01e-2])
    x = products / frequency
    x_tensor = ops.convert_to_tensor(x, dtype="float64")

    result = to_numpy(snake(x_tensor, frequency=frequency))
    periodic_part = result - x

    assert result.dtype == np.float64
    # The series replaces sin(u)**2 / a with a relative error below 1e-9 for |u| < 1e-2.
    np.testing.assert_allclose(periodic_part, np.sin(products) ** 2 / frequency, rtol=1e-9, atol=0.0)


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_snake_derivative_matches_closed_form(frequency):
    x = sample_inputs(frequency)

    derivative = gradient(lambda inputs: snake(inputs, frequency=frequency), x)

    # Rounding a * x to float32 moves sin(2 * a * x) by up to about eps * |a * x|, so the
    # tolerance grows with |a * x| and keeps a margin of 4.
    tolerance = 1e-5 + 4.0 * FLOAT32_EPS * np.abs(frequency * x.astype(np.float64))
    error = np.abs(derivative - snake_derivative_reference(x, frequency))
    assert np.all(np.isfinite(derivative))
    np.testing.assert_array_less(error, tolerance)


def test_snake_derivative_at_zero_is_one():
    derivative = gradient(lambda inputs: snake(inputs, frequency=2.0), np.zeros(4, dtype="float32"))

    np.testing.assert_allclose(derivative, np.ones(4), rtol=0.0, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_snake_keeps_half_precision_dtype(dtype):
    x = np.array([-3.0, -1.0, -1e-3, 0.0, 2e-3, 0.5, 2.0, 6.0], dtype="float32")
    x_tensor = ops.cast(ops.convert_to_tensor(x), dtype)

    result = snake(x_tensor, frequency=1.5)

    assert keras.backend.standardize_dtype(result.dtype) == dtype
    values = to_numpy(ops.cast(result, "float32"))
    np.testing.assert_allclose(values, snake_reference(x, 1.5), rtol=2e-2, atol=1e-3)


def test_snake_integer_input_gives_floatx():
    result = snake(ops.convert_to_tensor(np.array([1, 2, 3], dtype="int32")), frequency=0.5)

    assert keras.backend.standardize_dtype(result.dtype) == keras.config.floatx()
    np.testing.assert_allclose(to_numpy(result), snake_reference([1, 2, 3], 0.5), rtol=1e-6)


def test_snake_python_float_input():
    result = float(to_numpy(snake(1.0, frequency=2.0)))

    assert result == pytest.approx(1.0 + np.sin(2.0) ** 2 / 2.0, rel=1e-6)


def test_snake_default_frequency_is_one():
    x = np.linspace(-4.0, 4.0, 9, dtype="float32")

    result = to_numpy(snake(ops.convert_to_tensor(x)))

    np.testing.assert_allclose(result, snake_reference(x, 1.0), rtol=1e-6)


@pytest.mark.parametrize("frequency", INVALID_FREQUENCIES)
def test_snake_rejects_invalid_frequency(frequency):
    pattern = "frequency.*" + re.escape(f"received {frequency!r}")

    with pytest.raises(ValueError, match=pattern):
        snake(ops.ones((2,)), frequency=frequency)


@pytest.mark.parametrize("frequency", INVALID_FREQUENCIES)
def test_snake_activation_rejects_invalid_frequency(frequency):
    pattern = "frequency.*" + re.escape(f"received {frequency!r}")

    with pytest.raises(ValueError, match=pattern):
        SnakeActivation(frequency=frequency)


def test_snake_activation_rejects_positional_zero():
    with pytest.raises(ValueError, match="frequency.*received 0"):
        SnakeActivation(0)


@pytest.mark.parametrize("frequency", [0.01, 2.0, 7.5])
def test_snake_activation_matches_function(frequency):
    x = ops.convert_to_tensor(sample_inputs(frequency))

    from_class = to_numpy(SnakeActivation(frequency=frequency)(x))
    from_function = to_numpy(snake(x, frequency=frequency))

    np.testing.assert_array_equal(from_class, from_function)


def test_snake_activation_positional_frequency():
    activation = SnakeActivation(3.0)

    assert activation.frequency == 3.0
    assert activation.get_config() == {"frequency": 3.0}


def test_snake_activation_default_config():
    assert SnakeActivation().get_config() == {"frequency": 1.0}


def test_snake_activation_unknown_keyword():
    with pytest.raises(TypeError):
        SnakeActivation(period=2.0)


def test_snake_activation_in_dense_layer():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 4)).astype("float32")
    bias = rng.normal(size=(4,)).astype("float32")
    x = rng.normal(size=(5, 3)).astype("float32")
    layer = keras.layers.Dense(4, activation=SnakeActivation(frequency=2.0))
    layer.build((None, 3))
    layer.set_weights([kernel, bias])

    result = to_numpy(layer(ops.convert_to_tensor(x)))
    pre_activation = x @ kernel + bias

    expected_from_function = to_numpy(snake(ops.convert_to_tensor(pre_activation), frequency=2.0))
    np.testing.assert_allclose(result, expected_from_function, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result, snake_reference(pre_activation, 2.0), rtol=1e-5, atol=1e-5)


def test_snake_activation_dense_config_round_trip():
    layer = keras.layers.Dense(4, activation=SnakeActivation(frequency=2.5))

    restored = keras.layers.Dense.from_config(layer.get_config())

    assert isinstance(restored.activation, SnakeActivation)
    assert restored.activation.frequency == 2.5


def test_snake_activation_serialize_round_trip():
    serialized = keras.saving.serialize_keras_object(SnakeActivation(frequency=0.25))

    restored = keras.saving.deserialize_keras_object(serialized)

    assert serialized["registered_name"] == "keras_tailor>SnakeActivation"
    assert isinstance(restored, SnakeActivation)
    assert restored.get_config() == {"frequency": 0.25}


def test_snake_function_registered_name():
    assert keras.saving.get_registered_name(snake) == "keras_tailor>snake"
