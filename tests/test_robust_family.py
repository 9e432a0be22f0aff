"""Value, gradient, bad-input and saving tests for the robust losses and metrics of `robust_family`.

Expected values come from hand-worked numbers and from numpy formulas written
here in float64, never from the code under test. Every input is a `keras.ops`
tensor or a numpy array, so the file runs unchanged on each Keras backend.
"""

import doctest
import json
import math
import zipfile

import keras
import numpy as np
import pytest
from conftest import to_numpy
from keras import ops

from keras_tailor.losses import robust_family as losses
from keras_tailor.metrics import robust_family as metrics
from keras_tailor.testing import check_components
from keras_tailor.testing.gradients import value_and_gradient

INFINITE_STRINGS = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


def reference_pseudo_huber(error, threshold=1.0):
    return threshold**2 * (np.sqrt(1.0 + (error / threshold) ** 2) - 1.0)


def reference_cauchy(error, scale=1.0):
    return scale**2 / 2.0 * np.log(1.0 + (error / scale) ** 2)


def reference_geman_mcclure(error, scale=1.0):
    squared = (error / scale) ** 2
    return 2.0 * squared / (squared + 4.0)


def reference_welsch(error, scale=1.0):
    return 1.0 - np.exp(-0.5 * (error / scale) ** 2)


def reference_tukey_biweight(error, c=4.685):
    inside = c**2 / 6.0 * (1.0 - (1.0 - (error / c) ** 2) ** 3)
    return np.where(np.abs(error) <= c, inside, c**2 / 6.0)


def reference_general_robust(error, alpha=1.0, scale=1.0):
    """Return Barron's loss per element in float64, with the limits at alpha = 0, 2 and +-inf.

    Away from those alphas it is equation 1 of Barron (CVPR 2019) with
    `(z / b + 1)**(alpha / 2) - 1` written as `expm1(alpha / 2 * log1p(z / b))`,
    the same number without the cancellation that float64 suffers near alpha = 0.
    """
    alpha = INFINITE_STRINGS.get(alpha, alpha)
    squared = (np.asarray(error, dtype=np.float64) / scale) ** 2
    if alpha == 2.0:
        return 0.5 * squared
    if alpha == 0.0:
        return np.log(0.5 * squared + 1.0)
    if alpha == -math.inf:
        return 1.0 - np.exp(-0.5 * squared)
    if alpha == math.inf:
        return np.exp(0.5 * squared) - 1.0
    beta = abs(alpha - 2.0)
    return beta / alpha * np.expm1(alpha / 2.0 * np.log1p(squared / beta))


def reference_derivative(reference, error, **kwargs):
    """Return d reference / d error by a central difference in float64."""
    error = np.asarray(error, dtype=np.float64)
    step = 1e-6 * np.maximum(np.abs(error), 1.0)
    return (reference(error + step, **kwargs) - reference(error - step, **kwargs)) / (2.0 * step)


def prediction_gradient(function, y_true, y_pred):
    """Return the value of `function(y_true, y_pred)` and the gradient of its sum w.r.t. `y_pred`."""
    targets = ops.convert_to_tensor(np.asarray(y_true, dtype="float32"))
    return value_and_gradient(lambda p: function(targets, p), np.asarray(y_pred, dtype="float32"))


def column(values):
    """Return `values` as a float32 array of shape (N, 1): one sample per value."""
    return np.asarray(values, dtype="float32").reshape(-1, 1)


def case_id(function, kwargs):
    arguments = ",".join(f"{name}={value}" for name, value in kwargs.items())
    return f"{function.__name__}({arguments})"


# (loss function, its reference, the hyperparameters to test).
FUNCTION_CASES = [
    (losses.pseudo_huber, reference_pseudo_huber, {"threshold": 0.5}),
    (losses.pseudo_huber, reference_pseudo_huber, {"threshold": 2.5}),
    (losses.cauchy, reference_cauchy, {"scale": 0.5}),
    (losses.cauchy, reference_cauchy, {"scale": 2.5}),
    (losses.geman_mcclure, reference_geman_mcclure, {"scale": 0.5}),
    (losses.geman_mcclure, reference_geman_mcclure, {"scale": 2.5}),
    (losses.welsch, reference_welsch, {"scale": 0.5}),
    (losses.welsch, reference_welsch, {"scale": 2.5}),
    (losses.tukey_biweight, reference_tukey_biweight, {"c": 1.5}),
    (losses.tukey_biweight, reference_tukey_biweight, {"c": 4.685}),
    (losses.general_robust, reference_general_robust, {"alpha": -3.0, "scale": 0.5}),
    (losses.general_robust, reference_general_robust, {"alpha": 0.5, "scale": 2.5}),
    (losses.general_robust, reference_general_robust, {"alpha": 1.5, "scale": 1.0}),
]

# Rows of (function, hyperparameters, error, expected loss).
HAND_WORKED = [
    # t**2 * (sqrt(1 + (e / t)**2) - 1): e / t = 0.75 gives sqrt 1.25, 1.875 gives 2.125.
    (losses.pseudo_huber, {"threshold": 1.0}, 0.75, 0.25),
    (losses.pseudo_huber, {"threshold": 1.0}, -1.875, 1.125),
    (losses.pseudo_huber, {"threshold": 2.0}, 1.5, 1.0),  # 4 * 0.25
    (losses.pseudo_huber, {"threshold": 2.0}, 3.75, 4.5),  # 4 * 1.125
    (losses.pseudo_huber, {"threshold": 0.5}, 0.375, 0.0625),  # 0.25 * 0.25
    # c**2 / 2 * log(1 + (e / c)**2).
    (losses.cauchy, {"scale": 1.0}, 1.0, 0.5 * math.log(2.0)),
    (losses.cauchy, {"scale": 1.0}, 3.0, 0.5 * math.log(10.0)),
    (losses.cauchy, {"scale": 2.0}, -2.0, 2.0 * math.log(2.0)),
    (losses.cauchy, {"scale": 0.5}, 0.5, 0.125 * math.log(2.0)),
    # 2 * x**2 / (x**2 + 4) with x = e / c.
    (losses.geman_mcclure, {"scale": 1.0}, 1.0, 0.4),  # 2 / 5
    (losses.geman_mcclure, {"scale": 1.0}, 2.0, 1.0),  # 8 / 8
    (losses.geman_mcclure, {"scale": 1.0}, -6.0, 1.8),  # 72 / 40
    (losses.geman_mcclure, {"scale": 2.0}, 4.0, 1.0),  # x = 2
    (losses.geman_mcclure, {"scale": 0.5}, 1.0, 1.0),  # x = 2
    # 1 - exp(-x**2 / 2).
    (losses.welsch, {"scale": 1.0}, 2.0, 1.0 - math.exp(-2.0)),
    (losses.welsch, {"scale": 2.0}, -2.0, 1.0 - math.exp(-0.5)),
    (losses.welsch, {"scale": 0.5}, 1.0, 1.0 - math.exp(-2.0)),
    # c**2 / 6 * (1 - (1 - (e / c)**2)**3) inside c, c**2 / 6 outside.
    (losses.tukey_biweight, {"c": 3.0}, 1.5, 1.5 * (1.0 - 0.75**3)),  # 0.8671875
    (losses.tukey_biweight, {"c": 3.0}, -3.0, 1.5),
    (losses.tukey_biweight, {"c": 3.0}, 6.0, 1.5),
    (losses.tukey_biweight, {"c": 2.0}, 1.0, 4.0 / 6.0 * (1.0 - 0.75**3)),
    (losses.tukey_biweight, {}, 10.0, 4.685**2 / 6.0),
    # Barron's loss at its special alphas and at ordinary ones.
    (losses.general_robust, {"alpha": 2.0}, 2.0, 2.0),  # 0.5 * 4
    (losses.general_robust, {"alpha": 2}, 2.0, 2.0),  # an int alpha is a number too
    (losses.general_robust, {"alpha": 1.0}, 0.75, 0.25),  # sqrt(1.5625) - 1
    (losses.general_robust, {"alpha": 0.0}, 2.0, math.log(3.0)),  # log(0.5 * 4 + 1)
    (losses.general_robust, {"alpha": 0.0, "scale": 2.0}, 2.0, math.log(1.5)),
    (losses.general_robust, {"alpha": -2.0}, 2.0, 1.0),  # 2 * 4 / 8
    (losses.general_robust, {"alpha": -1.0}, 3.0, 1.5),  # 3 / -1 * ((9 / 3 + 1)**-0.5 - 1)
    (losses.general_robust, {"alpha": 4.0}, 2.0, 4.0),  # 2 / 4 * ((4 / 2 + 1)**2 - 1)
    (losses.general_robust, {"alpha": 6.0}, 2.0, 14.0 / 3.0),  # 4 / 6 * ((4 / 4 + 1)**3 - 1)
    (losses.general_robust, {"alpha": -math.inf}, 2.0, 1.0 - math.exp(-2.0)),
    (losses.general_robust, {"alpha": "-inf"}, 2.0, 1.0 - math.exp(-2.0)),
    (losses.general_robust, {"alpha": math.inf}, 2.0, math.exp(2.0) - 1.0),
    (losses.general_robust, {"alpha": "inf"}, 2.0, math.exp(2.0) - 1.0),
    (losses.general_robust, {"alpha": "+inf"}, 2.0, math.exp(2.0) - 1.0),
]


@pytest.mark.parametrize(
    "function, kwargs, error, expected",
    HAND_WORKED,
    ids=[f"{case_id(f, k)}-e={e}" for f, k, e, _ in HAND_WORKED],
)
def test_loss_element_hand_worked(function, kwargs, error, expected):
    # A nonzero target shows that the loss depends on y_pred - y_true only.
    y_true = ops.convert_to_tensor([[1.5]])
    y_pred = ops.convert_to_tensor([[1.5 + error]])

    value = to_numpy(function(y_true, y_pred, **kwargs))

    assert value.shape == (1,)
    np.testing.assert_allclose(value[0], expected, rtol=1e-6)


@pytest.mark.parametrize(
    "function, reference, kwargs", FUNCTION_CASES, ids=[case_id(f, k) for f, _, k in FUNCTION_CASES]
)
def test_loss_matches_numpy_formula(function, reference, kwargs):
    rng = np.random.default_rng(7)
    width = kwargs.get("scale", kwargs.get("threshold", kwargs.get("c", 1.0)))
    y_true = rng.normal(size=(16, 5)).astype("float32")
    # Errors up to 6 widths fall on both sides of every bend and plateau.
    y_pred = (y_true + rng.uniform(-6 * width, 6 * width, size=(16, 5))).astype("float32")
    error = y_pred.astype(np.float64) - y_true.astype(np.float64)

    value = to_numpy(function(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), **kwargs))

    assert value.shape == (16,)
    np.testing.assert_allclose(value, reference(error, **kwargs).mean(axis=-1), rtol=1e-5, atol=1e-6)


GENERAL_ALPHAS = [-math.inf, -1e4, -10.0, -2.0, -1.0, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 1.9, 2.0, 2.1, 3.0, 4.0, math.inf]


@pytest.mark.parametrize("alpha", GENERAL_ALPHAS)
@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_general_robust_matches_numpy_formula(alpha, scale):
    rng = np.random.default_rng(13)
    y_true = rng.normal(size=(8, 6)).astype("float32")
    # |x| <= 4 keeps exp(x**2 / 2) of alpha = +inf far from float32 overflow.
    y_pred = (y_true + rng.uniform(-4 * scale, 4 * scale, size=(8, 6))).astype("float32")
    error = y_pred.astype(np.float64) - y_true.astype(np.float64)

    value = to_numpy(losses.general_robust(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), alpha, scale))

    expected = reference_general_robust(error, alpha, scale).mean(axis=-1)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("alpha", [-3.0, -1.0, 0.5, 1.0, 1.5, 3.0])
def test_reference_matches_power_form(alpha):
    # The expm1 form of the reference equals equation 1 written with a power,
    # where the power form is well conditioned.
    squared = np.linspace(0.0, 30.0, 31)
    beta = abs(alpha - 2.0)
    power_form = beta / alpha * ((squared / beta + 1.0) ** (alpha / 2.0) - 1.0)

    np.testing.assert_allclose(reference_general_robust(np.sqrt(squared), alpha), power_form, rtol=1e-12, atol=1e-15)


# The special cases of Barron's loss as functions of z = (e / c)**2.
SPECIAL_CASES = {
    2.0: lambda z: 0.5 * z,
    1.0: lambda z: np.sqrt(z + 1.0) - 1.0,
    0.0: lambda z: np.log(0.5 * z + 1.0),
    -2.0: lambda z: 2.0 * z / (z + 4.0),
    -math.inf: lambda z: 1.0 - np.exp(-0.5 * z),
    math.inf: lambda z: np.exp(0.5 * z) - 1.0,
}
SPECIAL_ERRORS = [0.0, 1e-3, -0.3, 1.0, -2.5, 4.0, -10.0]


@pytest.mark.parametrize("alpha", list(SPECIAL_CASES), ids=repr)
@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_general_robust_special_case_equal(alpha, scale):
    # |x| <= 10 keeps exp(x**2 / 2) of alpha = +inf below float32 overflow.
    errors = [e * scale for e in SPECIAL_ERRORS]
    squared = (np.asarray(errors, dtype=np.float64) / scale) ** 2

    value = to_numpy(losses.general_robust(ops.zeros((len(errors), 1)), ops.convert_to_tensor(column(errors)), alpha, scale))

    np.testing.assert_allclose(value, SPECIAL_CASES[alpha](squared), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_general_robust_equals_named_losses(scale):
    y_true = ops.zeros((7, 1))
    y_pred = ops.convert_to_tensor(column([e * scale for e in SPECIAL_ERRORS]))

    def general(alpha, at_scale=scale):
        return to_numpy(losses.general_robust(y_true, y_pred, alpha=alpha, scale=at_scale))

    np.testing.assert_array_equal(general(-2.0), to_numpy(losses.geman_mcclure(y_true, y_pred, scale=scale)))
    np.testing.assert_array_equal(general(-math.inf), to_numpy(losses.welsch(y_true, y_pred, scale=scale)))
    np.testing.assert_allclose(
        scale**2 * general(1.0), to_numpy(losses.pseudo_huber(y_true, y_pred, threshold=scale)), rtol=1e-6
    )
    np.testing.assert_allclose(
        scale**2 / 2 * general(0.0, scale / math.sqrt(2.0)),
        to_numpy(losses.cauchy(y_true, y_pred, scale=scale)),
        rtol=1e-5,
    )


NEAR_ERRORS = [0.0, 1e-3, -0.3, 1.0, -2.5, 7.0, -10.0]
NEAR_OFFSETS = [1e-6, -1e-6, 1e-9, -1e-9]


def limit_tolerance(offset, rounding=2e-6):
    """Return the relative distance allowed between the loss at base + offset and at base.

    For |e| <= 10 the loss moves by about |offset| * L / 4 relative near alpha = 0
    (L = log(1 + z / 2) <= 4) and by |offset| / 2 * log(z / |offset|) <= 13 * |offset|
    near alpha = 2, so 50 * |offset| covers both with margin. `rounding` allows for
    float32 rounding, which differs between the closed form at base and the
    general form beside it, more so in gradients.
    """
    return 50.0 * abs(offset) + rounding


@pytest.mark.parametrize("base", [2.0, 1.0, 0.0, -2.0])
@pytest.mark.parametrize("offset", NEAR_OFFSETS)
def test_general_robust_near_special_alpha(base, offset):
    alpha = base + offset
    errors = column(NEAR_ERRORS)

    value, gradient = prediction_gradient(lambda t, p: losses.general_robust(t, p, alpha=alpha), np.zeros_like(errors), errors)
    limit, limit_gradient = prediction_gradient(lambda t, p: losses.general_robust(t, p, alpha=base), np.zeros_like(errors), errors)

    expected = reference_general_robust(errors[:, 0].astype(np.float64), alpha)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(value, limit, rtol=limit_tolerance(offset), atol=1e-9)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient, limit_gradient, rtol=limit_tolerance(offset, rounding=2e-5), atol=1e-9)


@pytest.mark.parametrize("base", [2.0, 1.0, 0.0, -2.0])
@pytest.mark.parametrize("offset", [0.0] + NEAR_OFFSETS)
def test_general_robust_tensor_alpha_near_special(base, offset):
    # In float32, 2 +- 1e-9 rounds to 2.0 and 1 +- 1e-9 to 1.0.
    alpha = np.float32(base + offset)
    errors = column(NEAR_ERRORS)
    y_true = ops.zeros_like(ops.convert_to_tensor(errors))

    value, alpha_gradient = value_and_gradient(lambda a: losses.general_robust(y_true, errors, alpha=a), alpha)
    _, prediction_gradient_value = prediction_gradient(
        lambda t, p: losses.general_robust(t, p, alpha=ops.convert_to_tensor(alpha)), np.zeros_like(errors), errors
    )

    limit = reference_general_robust(errors[:, 0].astype(np.float64), base)
    np.testing.assert_allclose(value, limit, rtol=limit_tolerance(float(alpha) - base), atol=1e-9)
    assert np.isfinite(alpha_gradient)
    assert np.all(np.isfinite(prediction_gradient_value))


@pytest.mark.parametrize("alpha", [-3.0, -2.0, -1e-6, 0.0, 1e-6, 0.5, 1.0, 1.5, 2.0 - 1e-3, 2.0 + 1e-3, 5.0])
def test_general_robust_alpha_gradient_matches_difference(alpha):
    alpha = np.float32(alpha)
    errors = np.asarray([[0.3, -1.0, 2.5, -4.0]], dtype="float32")
    y_true = ops.zeros((1, 4))

    _, gradient = value_and_gradient(lambda a: losses.general_robust(y_true, errors, alpha=a), alpha)

    # Central difference of the float64 reference around the float32 alpha,
    # which never evaluates the reference at alpha itself.
    step = 1e-7
    upper = reference_general_robust(errors.astype(np.float64), float(alpha) + step).mean()
    lower = reference_general_robust(errors.astype(np.float64), float(alpha) - step).mean()
    np.testing.assert_allclose(gradient, (upper - lower) / (2 * step), rtol=1e-3)


def test_general_robust_alpha_gradient_zero_at_two():
    # The true derivative is +inf at alpha = 2, and the loss documents 0 there.
    errors = column([0.5, -3.0])

    _, gradient = value_and_gradient(lambda a: losses.general_robust(ops.zeros((2, 1)), errors, alpha=a), np.float32(2.0))

    assert gradient == 0.0


@pytest.mark.parametrize("base", [-2.0, 0.0, 1.0, 2.0])
@pytest.mark.parametrize("as_tensor", [False, True], ids=["number", "tensor"])
def test_general_robust_float64_precise(base, as_tensor, backend):
    if backend == "jax":
        pytest.skip("JAX runs without x64 here, so float64 inputs become float32")
    errors = np.asarray([[1e-3], [-0.3], [1.0], [-2.5], [7.0]], dtype=np.float64)
    # 2 + 1e-9 is representable in float64, so it stays off the closed form.
    alpha = base + 1e-9
    # An explicit dtype, because the PyTorch backend converts a numpy float64 scalar to float32.
    alpha_argument = ops.convert_to_tensor(alpha, dtype="float64") if as_tensor else alpha

    value = to_numpy(losses.general_robust(ops.zeros_like(errors), ops.convert_to_tensor(errors), alpha=alpha_argument))

    assert value.dtype == np.float64
    np.testing.assert_allclose(value, reference_general_robust(errors[:, 0], alpha), rtol=1e-11)


@pytest.mark.parametrize("c", [1.0, 3.0, 4.685])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_tukey_biweight_gradient_continuous_at_c(c, sign):
    below = sign * c * (1 - 1e-3)
    # The prediction c is the float32 of c, so error / c is exactly 1 in the middle row.
    errors = column([below, sign * c, sign * c * (1 + 1e-3)])

    value, gradient = prediction_gradient(lambda t, p: losses.tukey_biweight(t, p, c=c), np.zeros_like(errors), errors)

    # Inside c the gradient is e * (1 - (e / c)**2)**2, about 4e-6 * c here.
    expected_below = below * (1 - (below / c) ** 2) ** 2
    np.testing.assert_allclose(gradient[0, 0], expected_below, rtol=1e-3)
    assert gradient[1, 0] == 0.0
    assert gradient[2, 0] == 0.0
    np.testing.assert_allclose(value[1], c**2 / 6, rtol=1e-6)
    np.testing.assert_allclose(value[0], c**2 / 6, rtol=1e-5)


# Every loss under test, including Barron's at every kind of alpha.
EDGE_CASES = [
    (losses.pseudo_huber, reference_pseudo_huber, {"threshold": 2.0}),
    (losses.cauchy, reference_cauchy, {"scale": 2.0}),
    (losses.geman_mcclure, reference_geman_mcclure, {"scale": 2.0}),
    (losses.welsch, reference_welsch, {"scale": 2.0}),
    (losses.tukey_biweight, reference_tukey_biweight, {"c": 2.0}),
] + [
    (losses.general_robust, reference_general_robust, {"alpha": alpha, "scale": 2.0})
    for alpha in [-math.inf, -2.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0 - 1e-9, 2.0, 2.0 + 1e-9, 3.0, math.inf]
]
EDGE_IDS = [case_id(f, k) for f, _, k in EDGE_CASES]


@pytest.mark.parametrize("function, reference, kwargs", EDGE_CASES, ids=EDGE_IDS)
def test_loss_zero_error_zero_gradient(function, reference, kwargs):
    targets = column([0.3, -2.0, 0.0])

    value, gradient = prediction_gradient(lambda t, p: function(t, p, **kwargs), targets, targets)

    np.testing.assert_array_equal(value, np.zeros(3, dtype="float32"))
    np.testing.assert_array_equal(gradient, np.zeros((3, 1), dtype="float32"))


def small_error_curvature(function, kwargs):
    """Return k with loss = k * e**2 / 2 near e = 0: 1 for losses scaled by c**2, 1 / c**2 otherwise."""
    if function in (losses.pseudo_huber, losses.cauchy, losses.tukey_biweight):
        return 1.0
    return 1.0 / kwargs["scale"] ** 2


@pytest.mark.parametrize("function, reference, kwargs", EDGE_CASES, ids=EDGE_IDS)
def test_loss_tiny_error_finite(function, reference, kwargs):
    # e**2 = 1e-60 underflows float32 to 0, but the gradient k * e is a normal number.
    errors = column([1e-30, -1e-30])

    value, gradient = prediction_gradient(lambda t, p: function(t, p, **kwargs), np.zeros_like(errors), errors)

    assert np.all(np.isfinite(value))
    np.testing.assert_allclose(value, [0.0, 0.0], atol=1e-40)
    assert np.all(np.isfinite(gradient))
    curvature = small_error_curvature(function, kwargs)
    np.testing.assert_allclose(gradient[:, 0], [curvature * 1e-30, -curvature * 1e-30], rtol=1e-5)


# At |e| = 1e18 the value overflows float32 for alpha > 2 (it grows like
# |x|**alpha), so those alphas are left out here and checked below.
HUGE_CASES = [case for case in EDGE_CASES if case[2].get("alpha", 0.0) <= 2.0 + 1e-6]


@pytest.mark.parametrize("function, reference, kwargs", HUGE_CASES, ids=[case_id(f, k) for f, _, k in HUGE_CASES])
def test_loss_huge_error_finite(function, reference, kwargs):
    errors = column([1e18, -1e18])
    error64 = errors[:, 0].astype(np.float64)

    value, gradient = prediction_gradient(lambda t, p: function(t, p, **kwargs), np.zeros_like(errors), errors)

    assert np.all(np.isfinite(value))
    np.testing.assert_allclose(value, reference(error64, **kwargs), rtol=1e-5)
    assert np.all(np.isfinite(gradient))
    # Gradients below 1e-20 may come out 0: their float32 intermediates fall
    # below the smallest normal number, 1.2e-38, and CPUs flush them to 0.
    np.testing.assert_allclose(gradient[:, 0], reference_derivative(reference, error64, **kwargs), rtol=1e-4, atol=1e-20)


def test_general_robust_large_alpha_overflows():
    # Where the loss itself exceeds float32's 3.4e38 it is inf: exp(0.5 * 14**2)
    # = exp(98) for alpha = +inf, and about (1e36 / 2)**2 / 2 for alpha = 4.
    below, _ = prediction_gradient(lambda t, p: losses.general_robust(t, p, alpha=math.inf), [[0.0]], [[13.0]])
    above, _ = prediction_gradient(lambda t, p: losses.general_robust(t, p, alpha=math.inf), [[0.0]], [[14.0]])
    quartic, _ = prediction_gradient(lambda t, p: losses.general_robust(t, p, alpha=4.0), [[0.0]], [[1e18]])

    np.testing.assert_allclose(below, math.expm1(84.5), rtol=1e-5)
    assert np.isposinf(above[0])
    assert np.isposinf(quartic[0])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("function, reference, kwargs", EDGE_CASES, ids=EDGE_IDS)
def test_loss_half_precision_input(dtype, function, reference, kwargs):
    errors = np.asarray([[0.0, 0.5], [-1.0, 3.0], [2.5, -6.0]], dtype="float32")
    y_pred = ops.cast(ops.convert_to_tensor(errors), dtype)
    rounded = to_numpy(ops.cast(y_pred, "float32")).astype(np.float64)

    value = function(ops.zeros_like(y_pred), y_pred, **kwargs)

    assert keras.backend.standardize_dtype(value.dtype) == dtype
    # The half-precision result carries 8 (bfloat16) or 11 (float16) bits.
    np.testing.assert_allclose(to_numpy(ops.cast(value, "float32")), reference(rounded, **kwargs).mean(axis=-1), rtol=1e-2, atol=1e-3)


# Every class with non-default hyperparameters, with its metric and reference.
CLASS_CASES = [
    (losses.PseudoHuber, metrics.PseudoHuberMetric, losses.pseudo_huber, {"threshold": 0.7}),
    (losses.Cauchy, metrics.CauchyMetric, losses.cauchy, {"scale": 1.7}),
    (losses.GemanMcClure, metrics.GemanMcClureMetric, losses.geman_mcclure, {"scale": 0.6}),
    (losses.Welsch, metrics.WelschMetric, losses.welsch, {"scale": 2.2}),
    (losses.TukeyBiweight, metrics.TukeyBiweightMetric, losses.tukey_biweight, {"c": 3.3}),
    (losses.GeneralRobust, metrics.GeneralRobustMetric, losses.general_robust, {"alpha": 0.4, "scale": 1.3}),
    (losses.GeneralRobust, metrics.GeneralRobustMetric, losses.general_robust, {"alpha": -math.inf, "scale": 0.8}),
    (losses.GeneralRobust, metrics.GeneralRobustMetric, losses.general_robust, {"alpha": "-inf", "scale": 0.8}),
    (losses.GeneralRobust, metrics.GeneralRobustMetric, losses.general_robust, {"alpha": "+inf", "scale": 3.0}),
]
CLASS_IDS = [f"{c.__name__}({','.join(f'{k}={v}' for k, v in kw.items())})" for c, _, _, kw in CLASS_CASES]
REFERENCES = {
    losses.pseudo_huber: reference_pseudo_huber,
    losses.cauchy: reference_cauchy,
    losses.geman_mcclure: reference_geman_mcclure,
    losses.welsch: reference_welsch,
    losses.tukey_biweight: reference_tukey_biweight,
    losses.general_robust: reference_general_robust,
}


def regression_batch(rows, seed):
    """Return targets, predictions and positive weights for `rows` samples of 3 outputs."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(rows, 3)).astype("float32")
    y_pred = (y_true + rng.uniform(-3.0, 3.0, size=(rows, 3))).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=rows).astype("float32")
    return y_true, y_pred, weights


@pytest.mark.parametrize("loss_class, metric_class, function, kwargs", CLASS_CASES, ids=CLASS_IDS)
def test_class_per_sample_matches_function(loss_class, metric_class, function, kwargs):
    y_true, y_pred, _ = regression_batch(6, seed=3)

    per_sample = to_numpy(loss_class(**kwargs, reduction=None)(y_true, y_pred))

    np.testing.assert_array_equal(per_sample, to_numpy(function(y_true, y_pred, **kwargs)))


@pytest.mark.parametrize("loss_class, metric_class, function, kwargs", CLASS_CASES, ids=CLASS_IDS)
def test_class_weighted_sum_reference(loss_class, metric_class, function, kwargs):
    y_true, y_pred, weights = regression_batch(6, seed=4)
    error = y_pred.astype(np.float64) - y_true.astype(np.float64)
    expected = np.sum(weights * REFERENCES[function](error, **kwargs).mean(axis=-1))

    value = to_numpy(loss_class(**kwargs, reduction="sum")(y_true, y_pred, sample_weight=weights))

    np.testing.assert_allclose(value, expected, rtol=1e-5)


@pytest.mark.parametrize("loss_class, metric_class, function, kwargs", CLASS_CASES, ids=CLASS_IDS)
def test_metric_uneven_batches_weighted(loss_class, metric_class, function, kwargs):
    y_true, y_pred, weights = regression_batch(12, seed=21)
    error = y_pred.astype(np.float64) - y_true.astype(np.float64)
    expected = np.average(REFERENCES[function](error, **kwargs).mean(axis=-1), weights=weights)
    metric = metric_class(**kwargs)

    start = 0
    for size in (1, 3, 7, 1):
        stop = start + size
        metric.update_state(y_true[start:stop], y_pred[start:stop], sample_weight=weights[start:stop])
        start = stop

    assert start == 12
    np.testing.assert_allclose(float(to_numpy(metric.result())), expected, rtol=1e-5)


@pytest.mark.parametrize("loss_class, metric_class, function, kwargs", CLASS_CASES, ids=CLASS_IDS)
def test_loss_config_round_trip(loss_class, metric_class, function, kwargs):
    loss = loss_class(**kwargs, reduction="sum", name="robust_checked")
    config = loss.get_config()

    restored = loss_class.from_config(json.loads(json.dumps(config)))

    for name, value in kwargs.items():
        assert config[name] == value
        assert getattr(restored, name) == value
    assert restored.get_config() == config
    y_true, y_pred, _ = regression_batch(5, seed=6)
    np.testing.assert_array_equal(to_numpy(restored(y_true, y_pred)), to_numpy(loss(y_true, y_pred)))


@pytest.mark.parametrize("loss_class, metric_class, function, kwargs", CLASS_CASES, ids=CLASS_IDS)
def test_metric_config_round_trip(loss_class, metric_class, function, kwargs):
    metric = metric_class(**kwargs, name="robust_metric_checked")
    config = metric.get_config()

    restored = metric_class.from_config(json.loads(json.dumps(config)))

    for name, value in kwargs.items():
        assert config[name] == value
        assert getattr(restored, name) == value
    assert restored.get_config() == config
    y_true, y_pred, weights = regression_batch(5, seed=7)
    metric.update_state(y_true, y_pred, sample_weight=weights)
    restored.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_array_equal(to_numpy(restored.result()), to_numpy(metric.result()))


REGISTERED_NAMES = {
    losses.PseudoHuber: "keras_tailor>PseudoHuber",
    losses.Cauchy: "keras_tailor>Cauchy",
    losses.GemanMcClure: "keras_tailor>GemanMcClure",
    losses.Welsch: "keras_tailor>Welsch",
    losses.TukeyBiweight: "keras_tailor>TukeyBiweight",
    losses.GeneralRobust: "keras_tailor>GeneralRobust",
    metrics.PseudoHuberMetric: "keras_tailor>PseudoHuberMetric",
    metrics.CauchyMetric: "keras_tailor>CauchyMetric",
    metrics.GemanMcClureMetric: "keras_tailor>GemanMcClureMetric",
    metrics.WelschMetric: "keras_tailor>WelschMetric",
    metrics.TukeyBiweightMetric: "keras_tailor>TukeyBiweightMetric",
    metrics.GeneralRobustMetric: "keras_tailor>GeneralRobustMetric",
    losses.pseudo_huber: "keras_tailor>pseudo_huber",
    losses.cauchy: "keras_tailor>cauchy",
    losses.geman_mcclure: "keras_tailor>geman_mcclure",
    losses.welsch: "keras_tailor>welsch",
    losses.tukey_biweight: "keras_tailor>tukey_biweight",
    losses.general_robust: "keras_tailor>general_robust",
}


@pytest.mark.parametrize("component, registered_name", list(REGISTERED_NAMES.items()), ids=list(REGISTERED_NAMES.values()))
def test_class_registered_name_exact(component, registered_name):
    # The registered name is written into saved files, so it must never change.
    assert keras.saving.get_registered_name(component) == registered_name
    assert keras.saving.get_registered_object(registered_name) is component


def compiled_model(alpha):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(
        optimizer="sgd",
        loss=losses.GeneralRobust(alpha=alpha, scale=2.0),
        metrics=[metrics.GeneralRobustMetric(alpha=alpha, scale=0.5)],
    )
    x = np.asarray([[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0], [0.0, 1.0]], dtype="float32")
    y = np.asarray([[4.0], [-1.0], [2.0], [0.5]], dtype="float32")
    model.fit(x, y, epochs=1, verbose=0)
    return model, x, y


@pytest.mark.parametrize("alpha", [-math.inf, "-inf", math.inf, "inf", 0.5], ids=repr)
def test_general_robust_keras_file_round_trip(alpha, tmp_path):
    model, x, y = compiled_model(alpha)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    path = tmp_path / "model.keras"
    model.save(path)

    loaded = keras.saving.load_model(path)
    evaluation = loaded.evaluate(x, y, verbose=0, return_dict=True)

    assert loaded.loss.get_config()["alpha"] == alpha
    assert loaded.get_compile_config()["metrics"][0]["config"]["alpha"] == alpha
    for key, value in expected.items():
        assert evaluation[key] == pytest.approx(value, rel=1e-6)


def saved_config_text(alpha, tmp_path):
    model, _, _ = compiled_model(alpha)
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        return archive.read("config.json").decode("utf-8")


def reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def test_string_alpha_config_strict_json(tmp_path):
    text = saved_config_text("-inf", tmp_path)

    config = json.loads(text, parse_constant=reject_constant)

    assert '"alpha": "-inf"' in text
    assert config["compile_config"]["loss"]["config"]["alpha"] == "-inf"


def test_float_alpha_config_not_strict(tmp_path):
    # Keras 3.15.1 writes float("-inf") with json.dumps, which emits the
    # non-standard token -Infinity that Python reads back and strict parsers reject.
    text = saved_config_text(-math.inf, tmp_path)

    assert '"alpha": -Infinity' in text
    with pytest.raises(ValueError):
        json.loads(text, parse_constant=reject_constant)


# alpha = +inf overflows float32 once |x| > 13.3, far below these targets.
TRAINABLE_CASES = [case for case in CLASS_CASES if case[3].get("alpha") != "+inf"]


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize(
    "loss_class, metric_class, function, kwargs", TRAINABLE_CASES, ids=[CLASS_IDS[CLASS_CASES.index(c)] for c in TRAINABLE_CASES]
)
def test_class_mixed_precision_trains(policy, loss_class, metric_class, function, kwargs):
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=loss_class(**kwargs), metrics=[metric_class(**kwargs, name="robust")])
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 3)).astype("float32")
    # Targets up to about 900 square beyond float16's 65504.
    y = (300.0 * x[:, :1]).astype("float32")

    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)

    assert model.layers[-1].compute_dtype == policy.removeprefix("mixed_")
    assert math.isfinite(history.history["loss"][0])
    assert math.isfinite(history.history["robust"][0])
    for weight in model.trainable_weights:
        assert np.all(np.isfinite(to_numpy(weight)))


# (argument, function, loss class, metric class) for every positive width.
WIDTH_ARGUMENTS = [
    ("threshold", losses.pseudo_huber, losses.PseudoHuber, metrics.PseudoHuberMetric),
    ("scale", losses.cauchy, losses.Cauchy, metrics.CauchyMetric),
    ("scale", losses.geman_mcclure, losses.GemanMcClure, metrics.GemanMcClureMetric),
    ("scale", losses.welsch, losses.Welsch, metrics.WelschMetric),
    ("c", losses.tukey_biweight, losses.TukeyBiweight, metrics.TukeyBiweightMetric),
    ("scale", losses.general_robust, losses.GeneralRobust, metrics.GeneralRobustMetric),
]
INVALID_WIDTHS = [0, -1, 0.0, -2.5, float("nan"), float("inf"), float("-inf"), True, "1", None, [1.0]]
INVALID_ALPHAS = [float("nan"), True, "1", "Infinity", "-INF", "", None, [1.0]]
INVALID_CASES = [
    (argument, value, factory)
    for argument, function, loss_class, metric_class in WIDTH_ARGUMENTS
    for value in INVALID_WIDTHS
    for factory in (function, loss_class, metric_class)
] + [
    ("alpha", value, factory)
    for value in INVALID_ALPHAS
    for factory in (losses.general_robust, losses.GeneralRobust, metrics.GeneralRobustMetric)
]


@pytest.mark.parametrize(
    "argument, value, factory",
    INVALID_CASES,
    ids=[f"{factory.__name__}-{argument}={value!r}" for argument, value, factory in INVALID_CASES],
)
def test_invalid_hyperparameter_raises(argument, value, factory):
    with pytest.raises(ValueError) as error:
        if factory in (losses.pseudo_huber, losses.cauchy, losses.geman_mcclure, losses.welsch,
                       losses.tukey_biweight, losses.general_robust):
            factory(ops.convert_to_tensor([[0.0]]), ops.convert_to_tensor([[1.0]]), **{argument: value})
        else:
            factory(**{argument: value})

    assert f"Invalid {argument}" in str(error.value)
    assert repr(value) in str(error.value)


# Each pair of shapes that must not broadcast, with the text of both shapes.
MISMATCHED_SHAPES = [
    ((4, 1), (4, 3), "(4, 1)", "(4, 3)"),
    ((4, 2), (3, 2), "(4, 2)", "(3, 2)"),
    ((4,), (4, 3), "(4,)", "(4, 3)"),
]
SHAPE_CASES = [
    (shapes, call)
    for shapes in MISMATCHED_SHAPES
    for call in [function for _, function, _, _ in WIDTH_ARGUMENTS]
    + [loss_class() for _, _, loss_class, _ in WIDTH_ARGUMENTS]
]


@pytest.mark.parametrize(
    "shapes, call",
    SHAPE_CASES,
    ids=[f"{getattr(call, '__name__', type(call).__name__)}-{shapes[0]}-{shapes[1]}" for shapes, call in SHAPE_CASES],
)
def test_mismatched_shapes_raise(shapes, call):
    true_shape, pred_shape, true_text, pred_text = shapes

    with pytest.raises(ValueError) as error:
        call(ops.zeros(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


@pytest.mark.parametrize("function, reference, kwargs", FUNCTION_CASES, ids=[case_id(f, k) for f, _, k in FUNCTION_CASES])
def test_tensor_hyperparameters_match_numbers(function, reference, kwargs):
    # Tensors, such as trainable variables, pass the checks and give the same loss.
    y_true, y_pred, _ = regression_batch(4, seed=8)
    tensors = {name: ops.convert_to_tensor(value, dtype="float32") for name, value in kwargs.items()}

    from_tensors = to_numpy(function(y_true, y_pred, **tensors))

    np.testing.assert_allclose(from_tensors, to_numpy(function(y_true, y_pred, **kwargs)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("module", [losses, metrics], ids=lambda module: module.__name__)
def test_docstring_examples_pass(module):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = [test for test in finder.find(module) if test.examples]

    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)

    assert len(tests) >= 6
    assert results.failed == 0


ALL_COMPONENTS = list(REGISTERED_NAMES)


@pytest.fixture(scope="module")
def checker_reports():
    return check_components(ALL_COMPONENTS)


@pytest.mark.parametrize("index", range(len(ALL_COMPONENTS)), ids=[c.__name__ for c in ALL_COMPONENTS])
def test_contract_checker_passes(checker_reports, index):
    report = checker_reports[index]

    assert report.label.endswith(ALL_COMPONENTS[index].__name__)
    assert report.passed, report.format()
