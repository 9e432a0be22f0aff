"""Numerics of Barron's general robust loss and of its closed-form special cases.

Every function here takes `z = x**2`, the squared scaled error, as a tensor.
`loss_for_number_alpha` branches in Python on a float alpha, and
`loss_for_tensor_alpha` branches with `where` on a tensor alpha, such as a
trainable variable, keeping every gradient finite.
"""

import keras
import numpy as np
from keras import ops

# An alpha at least this large in magnitude uses the infinite limit: the
# relative difference from the limit is about (z + z**2 / 4) / |alpha| with
# z = (e / c)**2, below 1e-24 wherever the value is finite in float64. Without
# it, a Python float alpha beyond the float32 range would become inf in the
# cast and give NaN.
INFINITE_ALPHA = 1e30


def is_tensor(value):
    """Return True for a backend tensor, a Keras variable or symbolic tensor, or a numpy array."""
    return ops.is_tensor(value) or isinstance(value, (keras.Variable, keras.KerasTensor, np.ndarray))


def as_dtype(value, dtype):
    """Return a Python number or a tensor as a tensor of `dtype`."""
    # On TensorFlow, ops.cast first makes a float32 tensor of a Python float,
    # so a float64 loss would get alpha or the scale rounded to float32.
    if is_tensor(value):
        return ops.cast(value, dtype)
    return ops.convert_to_tensor(value, dtype=dtype)


def charbonnier(squared):
    """Return sqrt(1 + z) - 1 for z = x**2, as z / (sqrt(1 + z) + 1).

    The subtraction form rounds to 0 in float32 once z is below about 6e-8.
    """
    return squared / (ops.sqrt(1.0 + squared) + 1.0)


def geman_mcclure_unit(squared):
    """Return 2 * z / (z + 4), written as 2 - 8 / (z + 4) from z = 4 on.

    The autodiff of 2 * z / (z + 4) subtracts 2 * z / (z + 4)**2 from
    2 / (z + 4). Once (z + 4)**2 overflows (|x| > 4e9 in float32), JAX drops
    the second term and returns 2 / (z + 4) instead of about 8 / z**2. The
    second form differentiates to 8 / (z + 4)**2 directly, and because the
    value is >= 1 there, its subtraction loses no digits.
    """
    shifted = squared + 4.0
    return ops.where(squared < 4.0, 2.0 * squared / shifted, 2.0 - 8.0 / shifted)


def welsch_unit(squared):
    # -expm1(-z / 2) keeps the digits of small z that 1 - exp(-z / 2) rounds away.
    return -ops.expm1(-0.5 * squared)


# Closed forms of Barron's loss as a function of z = x**2, for the alphas where
# the general formula is undefined or where a named loss of `robust_family` is exact.
_CLOSED_FORMS = {
    2.0: lambda squared: 0.5 * squared,
    1.0: charbonnier,
    0.0: lambda squared: ops.log1p(0.5 * squared),
    -2.0: geman_mcclure_unit,
}


def loss_for_number_alpha(squared, alpha):
    """Return Barron's loss of `squared` for a Python float `alpha`, branching in Python."""
    if alpha <= -INFINITE_ALPHA:
        return welsch_unit(squared)
    if alpha >= INFINITE_ALPHA:
        return ops.expm1(0.5 * squared)
    if alpha in _CLOSED_FORMS:
        return _CLOSED_FORMS[alpha](squared)
    # The gap alpha - 2 is taken in float64 before the cast, because in
    # float32 2 - 1e-9 rounds to 2.0 and the gap would be 0.
    gap = as_dtype(alpha - 2.0, squared.dtype)
    if alpha > 1.0:
        return _loss_above_one(squared, as_dtype(alpha, squared.dtype), gap)
    return _loss_up_to_one(squared, as_dtype(alpha, squared.dtype), -gap)


def loss_for_tensor_alpha(squared, alpha):
    """Return Barron's loss of `squared` for a tensor `alpha`, branching with `where`."""
    alpha = as_dtype(alpha, squared.dtype)
    negative_infinite = alpha <= -INFINITE_ALPHA
    positive_infinite = alpha >= INFINITE_ALPHA
    at_two = alpha == 2.0
    closed_form = ops.logical_or(ops.logical_or(negative_infinite, positive_infinite), at_two)

    # `where` passes zero times the gradient of the branch it drops, and zero
    # times inf is NaN. So each branch receives an alpha for which it stays
    # finite wherever it is dropped: 0 below, 1.5 above (any alpha in (1, 2)
    # keeps z * exp(v) below z). A NaN alpha falls in the lower branch and
    # gives NaN.
    above_one = ops.logical_and(ops.logical_not(closed_form), alpha > 1.0)
    up_to_one = ops.logical_and(ops.logical_not(closed_form), ops.logical_not(above_one))
    alpha_above = ops.where(above_one, alpha, 1.5)
    alpha_below = ops.where(up_to_one, alpha, 0.0)
    general = ops.where(
        above_one,
        _loss_above_one(squared, alpha_above, alpha_above - 2.0),
        _loss_up_to_one(squared, alpha_below, 2.0 - alpha_below),
    )

    # NOTE: at alpha == 2 exactly the gradient w.r.t. alpha is 0, but the true
    # derivative is +inf there, because the loss is about 0.5 * z + (alpha - 2)
    # * z / 4 * log(z / |alpha - 2|). Keep a trainable alpha inside (0, 2) or
    # (2, inf), for example with a sigmoid, as Barron does.
    result = ops.where(at_two, 0.5 * squared, general)
    result = ops.where(negative_infinite, welsch_unit(squared), result)
    exponential = ops.expm1(0.5 * ops.where(positive_infinite, squared, 0.0))
    return ops.where(positive_infinite, exponential, result)


def _loss_up_to_one(squared, alpha, beta):
    """Return Barron's loss for alpha <= 1, with `beta = 2 - alpha >= 1`.

    `beta / alpha * expm1(u)` with `L = log1p(z / beta)` and `u = alpha * L / 2`
    is computed as `beta / 2 * L * exprel(u)`, where `exprel(u) = expm1(u) / u`.
    The division by alpha cancels, so alpha = 0 is an ordinary point. Because
    beta >= 1, exp(u) <= exp(L / 2) <= sqrt(1 + z), so expm1(u) cannot
    overflow where z does not.
    """
    log_term = ops.log1p(squared / beta)
    return 0.5 * beta * log_term * _exprel(0.5 * alpha * log_term)


def _loss_above_one(squared, alpha, gap):
    """Return Barron's loss for alpha > 1 and alpha != 2, with `gap = alpha - 2`.

    With `beta = |gap|`, `L = log1p(z / beta)` and `v = gap * L / 2`, the
    identity `beta * (1 + z / beta)**(alpha / 2) = (beta + z) * exp(v)` turns the
    loss into `(z * exp(v) + beta * expm1(v)) / alpha`. Near alpha = 2, v is
    near 0 even where L is large, so nothing is amplified: the direct form
    would compute exp(alpha * L / 2), whose rounding grows with L.
    """
    beta = ops.abs(gap)
    # z / beta overflows only when beta is tiny (alpha near 2). Then beta / z
    # is below 1e-38, and log(z) - log(beta) equals log1p(z / beta) to rounding.
    # The dropped branch divides a zeroed z, because on TensorFlow and PyTorch
    # the gradient of an inf quotient w.r.t. beta is NaN even where `where`
    # multiplies it by zero.
    overflow = ops.isinf(squared / beta)
    log_term = ops.where(
        overflow,
        ops.log(ops.where(overflow, squared, 1.0)) - ops.log(beta),
        ops.log1p(ops.where(overflow, 0.0, squared) / beta),
    )
    exponent = 0.5 * gap * log_term
    return (squared * ops.exp(exponent) + beta * ops.expm1(exponent)) / alpha


def _exprel(u):
    """Return expm1(u) / u, which is 1 at u = 0, with finite gradients for every finite u."""
    # The gradient of expm1(u) / u subtracts two terms of size 1 / u**2, which
    # loses all digits for small u (NaN once 1 / u**2 overflows). So |u| < 0.1
    # uses the Taylor series up to u**9 / 10!, whose first omitted term is
    # below 3e-18 of the value.
    near_zero = ops.abs(u) < 0.1
    series_input = ops.where(near_zero, u, 0.0)
    series = 1.0
    for order in range(10, 1, -1):
        series = 1.0 + series_input / order * series
    safe_input = ops.where(near_zero, 1.0, u)
    return ops.where(near_zero, series, ops.expm1(safe_input) / safe_input)
