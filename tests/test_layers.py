"""Weights, values, gradients and mixed precision of the `Snake` layer."""

import re

import keras
import numpy as np
import pytest
from keras import ops

from backend_gradients import gradient
from conftest import to_numpy
from keras_tailor.layers import Snake


def snake_reference(x, frequency):
    """Return snake in float64 with one frequency per unit of the last axis, 0 included."""
    x = np.asarray(x, dtype=np.float64)
    frequency = np.asarray(frequency, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        periodic = np.sin(frequency * x) ** 2 / frequency
    return x + np.where(frequency == 0.0, 0.0, periodic)


def snake_frequency_derivative_reference(x, frequency):
    """Return d(snake)/d(frequency) per element. At frequency 0 the limit is x**2."""
    x = np.asarray(x, dtype=np.float64)
    frequency = np.asarray(frequency, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        derivative = x * np.sin(2.0 * frequency * x) / frequency - np.sin(frequency * x) ** 2 / frequency**2
    return np.where(frequency == 0.0, x**2, derivative)


def built_layer(frequencies):
    """Return a built Snake layer whose frequencies are set to `frequencies` with `assign`."""
    layer = Snake()
    layer.build((None, len(frequencies)))
    layer.frequency.assign(np.asarray(frequencies, dtype="float32"))
    return layer


def sample_batch(units, seed=0):
    """Return a float32 batch of shape (6, units) with values in [-4, 4], one of them 0."""
    x = np.random.default_rng(seed).uniform(-4.0, 4.0, size=(6, units)).astype("float32")
    x[0, 0] = 0.0
    return x


def input_gradient(layer, x):
    return gradient(lambda inputs: layer(inputs), x)


def frequency_gradient(layer, x):
    """Return d(sum(layer(x)))/d(frequency) through `stateless_call`."""
    inputs = ops.convert_to_tensor(x)

    def output_for_frequency(frequency):
        outputs, _ = layer.stateless_call([frequency], [], inputs)
        return outputs

    return gradient(output_for_frequency, to_numpy(layer.frequency))


def test_snake_layer_frequency_shape():
    layer = Snake()

    layer(ops.zeros((2, 3, 5)))

    assert tuple(layer.frequency.shape) == (5,)
    assert layer.frequency.trainable
    assert len(layer.trainable_weights) == 1


@pytest.mark.parametrize("initial_frequency", [0.25, 1.0, 3.0])
def test_snake_layer_initial_values(initial_frequency):
    layer = Snake(initial_frequency=initial_frequency)

    layer.build((None, 4))

    np.testing.assert_array_equal(to_numpy(layer.frequency), np.full(4, initial_frequency, dtype="float32"))


def test_snake_layer_default_frequency_is_one():
    layer = Snake()

    layer.build((None, 3))

    np.testing.assert_array_equal(to_numpy(layer.frequency), np.ones(3, dtype="float32"))


def test_snake_layer_matches_numpy():
    frequencies = [0.5, 1.0, 2.0, 7.5]
    layer = built_layer(frequencies)
    x = sample_batch(4)

    result = to_numpy(layer(ops.convert_to_tensor(x)))

    assert result.shape == x.shape
    np.testing.assert_allclose(result, snake_reference(x, frequencies), rtol=1e-5, atol=1e-6)


def test_snake_layer_output_shape():
    layer = Snake()

    assert layer.compute_output_shape((None, 7, 3)) == (None, 7, 3)


def test_snake_layer_input_gradient():
    frequencies = [0.5, 1.0, 2.0, 7.5]
    layer = built_layer(frequencies)
    x = sample_batch(4)

    derivative = input_gradient(layer, x)

    expected = 1.0 + np.sin(2.0 * np.asarray(frequencies) * x.astype(np.float64))
    np.testing.assert_allclose(derivative, expected, rtol=0.0, atol=2e-5)


def test_snake_layer_frequency_gradient():
    frequencies = [0.5, 1.0, 2.0, 7.5]
    layer = built_layer(frequencies)
    x = sample_batch(4)

    derivative = frequency_gradient(layer, x)

    expected = snake_frequency_derivative_reference(x, frequencies).sum(axis=0)
    assert derivative.shape == (4,)
    np.testing.assert_allclose(derivative, expected, rtol=1e-4, atol=1e-4)


def test_snake_layer_zero_frequency_is_identity():
    frequencies = [0.0, 1.0, 0.0, 2.0]
    layer = built_layer(frequencies)
    x = sample_batch(4)

    result = to_numpy(layer(ops.convert_to_tensor(x)))

    assert np.all(np.isfinite(result))
    np.testing.assert_array_equal(result[:, [0, 2]], x[:, [0, 2]])
    np.testing.assert_allclose(result, snake_reference(x, frequencies), rtol=1e-5, atol=1e-6)


def test_snake_layer_zero_frequency_input_gradient():
    layer = built_layer([0.0, 1.0, 0.0, 2.0])
    x = sample_batch(4)

    derivative = input_gradient(layer, x)

    assert np.all(np.isfinite(derivative))
    np.testing.assert_allclose(derivative[:, [0, 2]], np.ones((6, 2)), rtol=0.0, atol=1e-6)


def test_snake_layer_zero_frequency_gradient():
    frequencies = [0.0, 1.0, 0.0, 2.0]
    layer = built_layer(frequencies)
    x = sample_batch(4)

    derivative = frequency_gradient(layer, x)

    # At frequency 0 the derivative of sin(a * x)**2 / a with respect to a is x**2.
    expected = snake_frequency_derivative_reference(x, frequencies).sum(axis=0)
    assert np.all(np.isfinite(derivative))
    np.testing.assert_allclose(derivative, expected, rtol=1e-4, atol=1e-4)


def test_snake_layer_negative_frequency_values():
    frequencies = [-0.5, -2.0, 1.0]
    layer = built_layer(frequencies)
    x = sample_batch(3)

    result = to_numpy(layer(ops.convert_to_tensor(x)))

    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, snake_reference(x, frequencies), rtol=1e-5, atol=1e-6)


def test_snake_layer_negative_frequency_gradients():
    frequencies = [-0.5, -2.0, 1.0]
    layer = built_layer(frequencies)
    x = sample_batch(3)

    input_derivative = input_gradient(layer, x)
    frequency_derivative = frequency_gradient(layer, x)

    expected_input = 1.0 + np.sin(2.0 * np.asarray(frequencies) * x.astype(np.float64))
    expected_frequency = snake_frequency_derivative_reference(x, frequencies).sum(axis=0)
    assert np.all(np.isfinite(input_derivative))
    assert np.all(np.isfinite(frequency_derivative))
    np.testing.assert_allclose(input_derivative, expected_input, rtol=0.0, atol=2e-5)
    np.testing.assert_allclose(frequency_derivative, expected_frequency, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("initial_frequency", [0, 0.0, -1, -0.5, float("nan"), float("inf"), True, "2", None])
def test_snake_layer_rejects_invalid_frequency(initial_frequency):
    pattern = "initial_frequency.*" + re.escape(f"received {initial_frequency!r}")

    with pytest.raises(ValueError, match=pattern):
        Snake(initial_frequency=initial_frequency)


def test_snake_layer_unknown_last_axis():
    layer = Snake()

    with pytest.raises(ValueError, match=re.escape("(None, None)")):
        layer.build((None, None))


def test_snake_layer_config_round_trip():
    layer = Snake(initial_frequency=0.75, name="periodic")

    restored = Snake.from_config(layer.get_config())

    assert layer.get_config()["initial_frequency"] == 0.75
    assert restored.initial_frequency == 0.75
    assert restored.name == "periodic"


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_snake_layer_mixed_precision_step(policy):
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(1)
    snake_layer = Snake(initial_frequency=1.0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8),
            snake_layer,
            keras.layers.Dense(1, dtype="float32"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    # One frequency at exactly 0 checks the series branch in half precision too.
    snake_layer.frequency.assign(np.array([0.0, 0.5, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0], dtype="float32"))
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    frequency_before = to_numpy(snake_layer.frequency).copy()

    # With mixed_float16 the loss scale optimizer skips a step whose scaled
    # gradients overflow float16 and halves the scale, so take three steps.
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    frequency_after = to_numpy(snake_layer.frequency)

    compute_dtype = policy.removeprefix("mixed_")
    snake_output = snake_layer(ops.ones((2, 8)))
    assert keras.backend.standardize_dtype(snake_layer.frequency.dtype) == "float32"
    assert keras.backend.standardize_dtype(snake_output.dtype) == compute_dtype
    assert np.all(np.isfinite(losses))
    assert np.all(np.isfinite(frequency_after))
    assert not np.array_equal(frequency_after, frequency_before)
