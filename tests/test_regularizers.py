"""Value and bad-input tests for `keras_tailor.regularizers.l1` and `L1`, with hand-worked penalties."""

import keras
import numpy as np
import pytest
from conftest import to_numpy
from keras import ops

from keras_tailor.regularizers import L1, l1

# sum(|w|) = 1 + 2 + 0.5 + 0 + 0.25 + 3 = 6.75
KERNEL = [[1.0, -2.0], [0.5, 0.0], [-0.25, 3.0]]


def test_l1_function_hand_worked():
    # 0.1 * (1 + 2 + 0.5 + 0) = 0.35
    value = to_numpy(l1(ops.convert_to_tensor([[1.0, -2.0], [0.5, 0.0]]), factor=0.1))

    assert value.shape == ()
    assert float(value) == pytest.approx(0.35, rel=1e-6)


@pytest.mark.parametrize("factor, expected", [(0.5, 3.375), (2.0, 13.5), (0.01, 0.0675)])
def test_l1_class_hand_worked(factor, expected):
    # factor * 6.75
    value = to_numpy(L1(factor=factor)(ops.convert_to_tensor(KERNEL)))

    assert float(value) == pytest.approx(expected, rel=1e-6)


def test_l1_default_factor():
    # 0.01 * 6.75 = 0.0675
    assert L1().factor == 0.01
    assert float(to_numpy(L1()(ops.convert_to_tensor(KERNEL)))) == pytest.approx(0.0675, rel=1e-6)
    assert float(to_numpy(l1(ops.convert_to_tensor(KERNEL)))) == pytest.approx(0.0675, rel=1e-6)


def test_l1_matches_numpy_formula():
    weights = np.random.default_rng(8).normal(size=(5, 7, 3)).astype("float32")
    expected = 0.3 * np.sum(np.abs(weights.astype(np.float64)))

    value = to_numpy(L1(factor=0.3)(ops.convert_to_tensor(weights)))

    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_l1_zero_weights_give_zero():
    value = to_numpy(L1(factor=0.5)(ops.zeros((4, 3))))

    assert float(value) == 0.0


def test_l1_zero_factor_gives_zero():
    value = to_numpy(L1(factor=0.0)(ops.convert_to_tensor(KERNEL)))

    assert float(value) == 0.0


def test_l1_keras_variable():
    variable = keras.Variable(np.array(KERNEL, dtype="float32"))

    value = to_numpy(L1(factor=0.5)(variable))

    assert float(value) == pytest.approx(3.375, rel=1e-6)


def test_l1_dense_kernel_regularizer_loss():
    # Only the kernel is regularized, so the bias of 10.0 adds nothing: 0.5 * 6.75 = 3.375.
    layer = keras.layers.Dense(2, kernel_regularizer=L1(factor=0.5))
    model = keras.Sequential([keras.Input((3,)), layer])
    layer.set_weights([np.array(KERNEL, dtype="float32"), np.full((2,), 10.0, dtype="float32")])

    model(np.ones((1, 3), dtype="float32"))

    assert len(model.losses) == 1
    assert float(to_numpy(model.losses[0])) == pytest.approx(3.375, rel=1e-6)


def test_l1_dense_penalty_in_training_loss():
    # With a zero loss (predictions equal targets), the training loss is the
    # penalty alone: 0.5 * 6.75 = 3.375.
    layer = keras.layers.Dense(2, use_bias=False, kernel_regularizer=L1(factor=0.5))
    model = keras.Sequential([keras.Input((3,)), layer])
    layer.set_weights([np.array(KERNEL, dtype="float32")])
    model.compile(loss="mse")
    x = np.eye(3, dtype="float32")
    y = np.array(KERNEL, dtype="float32")

    value = model.evaluate(x, y, verbose=0)

    assert value == pytest.approx(3.375, rel=1e-6)


# Each invalid factor with the text its repr puts into the message.
INVALID_FACTORS = [-0.1, -1, float("nan"), float("inf"), True, "0.1"]


@pytest.mark.parametrize("factor", INVALID_FACTORS, ids=repr)
def test_l1_class_invalid_factor_raises(factor):
    with pytest.raises(ValueError) as error:
        L1(factor=factor)

    assert "factor" in str(error.value)
    assert repr(factor) in str(error.value)


@pytest.mark.parametrize("factor", INVALID_FACTORS, ids=repr)
def test_l1_function_invalid_factor_raises(factor):
    with pytest.raises(ValueError) as error:
        l1(ops.convert_to_tensor(KERNEL), factor=factor)

    assert "factor" in str(error.value)
    assert repr(factor) in str(error.value)
