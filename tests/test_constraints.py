"""Value, training and bad-input tests for `keras_tailor.constraints.Clip`."""

import keras
import numpy as np
import pytest
from conftest import to_numpy
from keras import ops

from keras_tailor.constraints import Clip

WEIGHTS = [[-2.0, -0.5, 0.25], [1.0, 1.5, 0.0]]
# Into [-0.5, 1.0]: -2 -> -0.5 and 1.5 -> 1.0, every other entry is already inside.
CLIPPED = [[-0.5, -0.5, 0.25], [1.0, 1.0, 0.0]]


def test_clip_values_hand_worked():
    value = to_numpy(Clip(-0.5, 1.0)(ops.convert_to_tensor(WEIGHTS)))

    np.testing.assert_allclose(value, CLIPPED, rtol=0, atol=0)


def test_clip_keeps_shape():
    weights = np.random.default_rng(9).normal(scale=3.0, size=(2, 3, 4)).astype("float32")

    value = to_numpy(Clip(-1.0, 1.0)(ops.convert_to_tensor(weights)))

    assert value.shape == (2, 3, 4)
    np.testing.assert_array_equal(value, np.clip(weights, -1.0, 1.0))


def test_clip_keeps_dtype():
    value = Clip(-1.0, 1.0)(ops.convert_to_tensor(np.array([3.0, -3.0], dtype="float16")))

    assert keras.backend.standardize_dtype(value.dtype) == "float16"
    np.testing.assert_array_equal(to_numpy(value), [1.0, -1.0])


def test_clip_idempotent():
    constraint = Clip(-0.5, 1.0)
    weights = np.random.default_rng(10).normal(scale=2.0, size=(6, 5)).astype("float32")

    once = to_numpy(constraint(ops.convert_to_tensor(weights)))
    twice = to_numpy(constraint(ops.convert_to_tensor(once)))

    np.testing.assert_array_equal(twice, once)


def test_clip_equal_bounds_allowed():
    constraint = Clip(0.25, 0.25)

    value = to_numpy(constraint(ops.convert_to_tensor(WEIGHTS)))

    np.testing.assert_array_equal(value, np.full((2, 3), 0.25, dtype="float32"))


def test_clip_integer_bounds_stored_as_float():
    constraint = Clip(-1, 2)

    assert constraint.min_value == -1.0
    assert constraint.max_value == 2.0
    assert isinstance(constraint.min_value, float)


def test_clip_keras_variable():
    variable = keras.Variable(np.array(WEIGHTS, dtype="float32"))

    value = to_numpy(Clip(-0.5, 1.0)(variable))

    np.testing.assert_array_equal(value, np.array(CLIPPED, dtype="float32"))


def fit_dense_kernel(kernel_constraint):
    """Fit a Dense layer whose best kernel is all 3s for 6 SGD steps and return its kernel."""
    layer = keras.layers.Dense(3, kernel_initializer="zeros", kernel_constraint=kernel_constraint)
    model = keras.Sequential([keras.Input((4,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = np.random.default_rng(12).normal(size=(16, 4)).astype("float32")
    y = x @ np.full((4, 3), 3.0, dtype="float32")

    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)

    return to_numpy(layer.kernel)


def test_clip_kernel_constraint_in_fit():
    kernel = fit_dense_kernel(Clip(-0.5, 0.5))

    assert kernel.shape == (4, 3)
    assert np.all(kernel >= -0.5)
    assert np.all(kernel <= 0.5)
    # The gradient keeps pushing towards 3, so some entries sit on the upper bound.
    assert np.any(kernel == np.float32(0.5))


def test_clip_fit_control_leaves_interval():
    # Without the constraint the same training leaves [-0.5, 0.5], so the test
    # above checks the constraint and not a property of this data.
    kernel = fit_dense_kernel(None)

    assert np.max(kernel) > 0.5


def test_clip_min_above_max_raises():
    with pytest.raises(ValueError) as error:
        Clip(1.0, -1.0)

    assert "min_value=1.0" in str(error.value)
    assert "max_value=-1.0" in str(error.value)


# Each invalid bound as (min_value, max_value, name of the invalid argument, text of its value).
INVALID_BOUNDS = [
    (float("nan"), 1.0, "min_value", "nan"),
    (0.0, float("nan"), "max_value", "nan"),
    (float("-inf"), 1.0, "min_value", "-inf"),
    (0.0, float("inf"), "max_value", "inf"),
    (True, 1.0, "min_value", "True"),
    (0.0, "1", "max_value", "'1'"),
    (None, 1.0, "min_value", "None"),
]


@pytest.mark.parametrize("min_value, max_value, name, value_text", INVALID_BOUNDS)
def test_clip_invalid_bound_raises(min_value, max_value, name, value_text):
    with pytest.raises(ValueError) as error:
        Clip(min_value, max_value)

    assert name in str(error.value)
    assert value_text in str(error.value)
