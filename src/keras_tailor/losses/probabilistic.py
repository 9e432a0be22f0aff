"""Probabilistic regression losses: Gaussian negative log-likelihood, Tweedie deviance and Gaussian CRPS.

The Gaussian losses score a predicted distribution, so `y_pred` carries two
numbers per target. Its last axis has `2 * k` columns for `k` targets: the
first `k` are the means and the last `k` the variances (`gaussian_nll`) or
standard deviations (`gaussian_crps`), as a `Dense(2 * k)` head gives them.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor.authoring import loss


def _gaussian_examples():
    """Return example `(y_true, y_pred)` for `keras_tailor.testing`: 32 targets, then a mean and a spread column.

    The spreads lie in [0.3, 2], valid whether the column contains variances,
    standard deviations or their logarithms. The last rows are edge cases: an
    exact prediction, a spread of 0 (clamped to `epsilon`) and an error of 1000.
    """
    rng = np.random.default_rng(31)
    y_true = rng.normal(size=(32, 1))
    mean = y_true + rng.normal(scale=0.5, size=(32, 1))
    spread = rng.uniform(0.3, 2.0, size=(32, 1))
    mean[-3:, 0] = [y_true[-3, 0], y_true[-2, 0], y_true[-1, 0] + 1000.0]
    spread[-2, 0] = 0.0
    return y_true.astype("float32"), np.concatenate([mean, spread], axis=1).astype("float32")


def _tweedie_examples():
    """Return example `(y_true, y_pred)` for `keras_tailor.testing`: counts-like targets >= 0 and positive means.

    The means lie in [0.05, 4], valid as `mu` or as `log(mu)`. Targets of 0,
    the point mass of a Tweedie distribution, make up a quarter of the rows,
    and the last rows set a mean of 1e-4 and one of 20.
    """
    rng = np.random.default_rng(32)
    y_true = rng.gamma(2.0, 1.0, size=(32, 1)) * (rng.uniform(size=(32, 1)) > 0.25)
    y_pred = rng.uniform(0.05, 4.0, size=(32, 1))
    y_pred[-2:, 0] = [1e-4, 20.0]
    return y_true.astype("float32"), y_pred.astype("float32")


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(
            f"Invalid {name}: received {value!r} of type {type(value).__name__}, expected True or False."
        )


def _check_epsilon(epsilon):
    # Unlike `_validation.check_positive`, a tensor is rejected here, because
    # the bound is applied as `log(epsilon)` with Python's `math.log`.
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real):
        raise ValueError(
            f"Invalid epsilon: received {epsilon!r} of type {type(epsilon).__name__}, "
            "expected a finite number > 0."
        )
    _validation.check_positive("epsilon", epsilon)


def _promote_half_precision(y_pred):
    """Return `y_pred` as a float tensor, float32 when it is float16 or bfloat16.

    Squares and exponentials overflow float16 early (an error of 256 squared,
    exp(11.1)), and bfloat16 keeps 8 bits of mantissa. A `keras.losses.Loss`
    under a mixed policy already receives float32, but streaming metrics pass
    the model's float16 outputs straight to the function.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    dtype = keras.backend.standardize_dtype(y_pred.dtype)
    if dtype in ("float16", "bfloat16"):
        return ops.cast(y_pred, "float32")
    if not dtype.startswith("float"):
        return ops.cast(y_pred, keras.config.floatx())
    return y_pred


def _split_location_and_spread(y_true, y_pred, spread_name):
    """Return `y_true` and the two halves of `y_pred`'s last axis, all of one shape.

    `y_pred` has shape `(..., 2 * k)` and `y_true` shape `(..., k)`, or `(...)`
    when `k` is 1. Any other pair raises `ValueError` naming both shapes.
    """
    y_pred = _promote_half_precision(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)

    true_shape = tuple(y_true.shape)
    pred_shape = tuple(y_pred.shape)
    if len(true_shape) == len(pred_shape) - 1:
        y_true = ops.expand_dims(y_true, axis=-1)
    aligned_shape = tuple(y_true.shape)
    columns = pred_shape[-1] if pred_shape else 0
    targets = aligned_shape[-1] if aligned_shape else None
    compatible = (
        len(pred_shape) >= 1
        and len(aligned_shape) == len(pred_shape)
        and (columns is None or (columns > 0 and columns % 2 == 0))
        and all(a is None or b is None or a == b for a, b in zip(aligned_shape[:-1], pred_shape[:-1]))
        and (targets is None or columns is None or 2 * targets == columns)
    )
    if not compatible:
        raise ValueError(
            "y_pred must have twice as many columns as y_true, the first half the means and the "
            f"second half the {spread_name}, but received y_true.shape={_validation._format_shape(true_shape)} "
            f"and y_pred.shape={_validation._format_shape(pred_shape)}."
        )
    half = columns // 2 if columns is not None else targets
    if half is None:
        raise ValueError(
            f"y_pred needs a known last axis to split it into means and {spread_name}, but received "
            f"y_true.shape={_validation._format_shape(true_shape)} and "
            f"y_pred.shape={_validation._format_shape(pred_shape)}."
        )
    return y_true, y_pred[..., :half], y_pred[..., half:]


def _clamp_below(values, floor):
    """Return `max(values, floor)` whose gradient passes to `values` unchanged, as if not clamped.

    torch.nn.GaussianNLLLoss (torch 2.13.0) clamps the variance in place under
    `no_grad`, which gives this gradient. A plain `maximum` would give 0 below
    the floor, so a variance that starts below it could never recover. The
    form `values + stop_gradient(max - values)` would lose `floor` to rounding
    when `values` is large and negative, while `values - stop_gradient(values)`
    is exactly 0 for finite values.
    """
    return ops.stop_gradient(ops.maximum(values, floor)) + (values - ops.stop_gradient(values))


def _validate_gaussian_nll(epsilon=1e-6, full=False, log_variance=False):
    _check_epsilon(epsilon)
    _check_bool("full", full)
    _check_bool("log_variance", log_variance)


def gaussian_nll(y_true, y_pred, epsilon=1e-6, full=False, log_variance=False):
    """Compute the Gaussian negative log-likelihood per sample from predicted means and variances.

    Formula, for each target `y` with predicted mean `mu` and variance `var`:

        loss = 0.5 * (log(max(var, epsilon)) + (y - mu)**2 / max(var, epsilon))

    plus `0.5 * log(2 * pi)` when `full` is True, then the mean over the `k`
    targets. This is `torch.nn.GaussianNLLLoss` (torch 2.13.0) with
    `reduction="none"`, averaged over the last axis. As there, the value uses
    the clamped variance but the gradient reaches `var` even below `epsilon`.
    With `log_variance=True` the second half of `y_pred` is `s = log(var)`,
    any real number, clamped at `log(epsilon)` the same way.

    `(y - mu)**2 / var` is computed as `(y - mu) * ((y - mu) / var)`, which
    stays finite for errors above 1.8e19 (where the square alone overflows
    float32) whenever the result itself fits.

    Args:
        y_true: targets of shape `(..., k)`, or `(...)` when `k` is 1.
        y_pred: shape `(..., 2 * k)`: the `k` means, then the `k` variances
            (or log variances).
        epsilon: the lower bound on the variance. A finite number > 0.
            Defaults to 1e-6, as in torch.
        full: whether to add the constant `0.5 * log(2 * pi)`, which makes
            the value the exact negative log density. Defaults to False.
        log_variance: whether the second half of `y_pred` contains `log(var)`
            instead of `var`, so a linear output layer needs no positivity
            constraint. Defaults to False.

    Returns:
        The loss per sample, with the shape of `y_true` without its last axis.
        Half-precision inputs are computed and returned in float32.

    Raises:
        ValueError: `epsilon` is not a finite number > 0, `full` or
            `log_variance` is not a bool, or `y_pred` does not have twice the
            columns of `y_true`.

    References:
        D. A. Nix and A. S. Weigend, "Estimating the mean and variance of the
        target probability distribution", IEEE ICNN 1994.

    Example:

    >>> float(gaussian_nll([[1.0]], [[0.0, 1.0]])[0])
    0.5
    >>> round(float(gaussian_nll([[1.0]], [[0.0, 1.0]], full=True)[0]), 6)
    1.418939
    """
    _validate_gaussian_nll(epsilon, full, log_variance)
    spread_name = "log variances" if log_variance else "variances"
    y_true, mean, spread = _split_location_and_spread(y_true, y_pred, spread_name)
    error = y_true - mean
    if log_variance:
        log_variance_values = _clamp_below(spread, math.log(epsilon))
        elementwise = 0.5 * (log_variance_values + error * (error * ops.exp(-log_variance_values)))
    else:
        variance = _clamp_below(spread, epsilon)
        elementwise = 0.5 * (ops.log(variance) + error * (error / variance))
    if full:
        elementwise = elementwise + 0.5 * math.log(2.0 * math.pi)
    return ops.mean(elementwise, axis=-1)


GaussianNLL = loss(
    gaussian_nll,
    package="keras_tailor",
    name="GaussianNLL",
    validate=_validate_gaussian_nll,
    examples=_gaussian_examples,
    doc="""Gaussian negative log-likelihood of targets under predicted means and variances.

    Formula, for each target `y` with predicted mean `mu` and variance `var`:

        loss = 0.5 * (log(max(var, epsilon)) + (y - mu)**2 / max(var, epsilon))

    plus `0.5 * log(2 * pi)` when `full` is True, averaged over the `k`
    targets per sample, then reduced over the batch by `reduction`. `y_pred`
    has `2 * k` columns: the means, then the variances (or their logarithms
    with `log_variance=True`). The variance clamp works as in
    `torch.nn.GaussianNLLLoss` (torch 2.13.0): the value uses the clamped
    variance and the gradient reaches the unclamped one.

    Args:
        epsilon: the lower bound on the variance. A finite number > 0.
            Defaults to 1e-6.
        full: whether to add `0.5 * log(2 * pi)`. Defaults to False.
        log_variance: whether the second half of `y_pred` contains log variances.
            Defaults to False.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"` or `None`, as in `keras.losses.Loss`.
        name: the loss name. Defaults to `"gaussian_nll"`.
        dtype: the dtype of the computation. Defaults to `None`, which uses
            `keras.config.floatx()`.

    References:
        D. A. Nix and A. S. Weigend, "Estimating the mean and variance of the
        target probability distribution", IEEE ICNN 1994.

    Example:

    >>> loss = GaussianNLL(log_variance=True)
    >>> float(loss([[1.0], [0.0]], [[0.0, 0.0], [0.0, 0.0]]))
    0.25
    """,
)


def _validate_tweedie(power=1.5, log_input=False):
    if isinstance(power, bool) or not isinstance(power, numbers.Real) or not 1 <= power <= 2:
        raise ValueError(
            f"Invalid power: received {power!r}, expected a number in [1, 2] "
            "(1 is Poisson, 2 is Gamma, between is compound Poisson-Gamma)."
        )
    _check_bool("log_input", log_input)


def tweedie(y_true, y_pred, power=1.5, log_input=False):
    """Compute the unit Tweedie deviance per sample, for powers from 1 (Poisson) to 2 (Gamma).

    Formula, for each target `y >= 0` with predicted mean `mu > 0` and power `p`:

        p = 1:      d = 2 * (y * log(y / mu) - y + mu)
        1 < p < 2:  d = 2 * (y**(2 - p) / ((1 - p) * (2 - p))
                             - y * mu**(1 - p) / (1 - p) + mu**(2 - p) / (2 - p))
        p = 2:      d = 2 * (log(mu / y) + y / mu - 1)

    with `y * log(y / mu) = 0` at `y = 0`, then the mean over the last axis.
    The values equal scikit-learn's `mean_tweedie_deviance` (scikit-learn
    1.9.1) per sample. For `1 < p < 2` the first two terms cancel as `p`
    nears 1 or 2, so they are rewritten with `expm1`, in one form for
    `p <= 1.5` and another above, which keep float32 accurate up to the ends.

    Domain: `y_true` must be >= 0, and > 0 for `p = 2`. At `y = 0` the value
    is `2 * mu**(2 - p) / (2 - p)` for `p < 2` and +inf for `p = 2` (the Gamma
    deviance is undefined there, and scikit-learn rejects it). A negative
    target gives NaN. `y_pred` must be > 0 unless `log_input` is True: at
    `y_pred = 0` the value is 0 when `y = 0` and `p < 2`, and +inf or NaN when
    `y > 0`, and a negative `y_pred` gives NaN. Values are data, so none of
    this raises; use `log_input=True` with a linear output, or a positive
    activation such as `exp`, to keep `mu` in range.

    Args:
        y_true: non-negative targets, of the same shape as `y_pred` up to a
            trailing axis of size 1.
        y_pred: the predicted mean `mu`, or `log(mu)` when `log_input` is True.
        power: the Tweedie power `p`, a number in [1, 2]. Defaults to 1.5.
        log_input: whether `y_pred` is `log(mu)`, any real number. Defaults
            to False.

    Returns:
        The deviance per sample, with the shape of `y_pred` without its last axis.
        Half-precision inputs are computed and returned in float32.

    Raises:
        ValueError: `power` is not a number in [1, 2], `log_input` is not a
            bool, or the shapes of `y_true` and `y_pred` differ.

    References:
        B. Jørgensen, "The Theory of Dispersion Models", Chapman & Hall, 1997;
        scikit-learn 1.9.1 user guide, "Mean Poisson, Gamma, and Tweedie deviances".

    Example:

    >>> [round(float(v), 5) for v in tweedie([[0.0], [4.0]], [[4.0], [1.0]], power=1.5)]
    [8.0, 4.0]
    """
    _validate_tweedie(power, log_input)
    y_true, y_pred = _validation.align_targets(y_true, _promote_half_precision(y_pred))
    if log_input:
        log_mean = y_pred
        mean = ops.exp(y_pred)
    else:
        log_mean = ops.log(y_pred)
        mean = y_pred

    # The formulas for y > 0 read y and mu through these copies, set to
    # y = mu = 1 where y <= 0. A `where` passes no gradient to the branch it
    # discards, but an inf or NaN inside that branch (log 0, or exp(-a * 1e18)
    # times 0) still turns the product rule's zero into NaN.
    positive = ops.greater(y_true, 0)
    safe_true = ops.where(positive, y_true, ops.ones_like(y_true))
    safe_mean = ops.where(positive, mean, ops.ones_like(mean))
    safe_log_mean = ops.where(positive, log_mean, ops.zeros_like(log_mean))
    # L = log(y / mu), which is 0 where y <= 0, so y * L is 0 at y = 0.
    log_ratio = ops.log(safe_true) - safe_log_mean

    if power == 1:
        deviance = 2.0 * (y_true * log_ratio - y_true + mean)
    elif power == 2:
        # y / mu - 1 - L written as expm1(L) - L: no division by an mu that
        # overflowed (log_input), and no cancellation of y / mu against 1.
        gamma = 2.0 * (ops.expm1(log_ratio) - log_ratio)
        deviance = ops.where(positive, gamma, ops.full_like(gamma, float("inf")))
    else:
        a = 1.0 - power
        b = 2.0 - power
        # Both forms are the formula above regrouped with L = log(y / mu):
        #   d / 2 = mu**a * (y * expm1(a * L) / (a * b) + (mu - y) / b)
        #         = mu**b * expm1(b * L) / (a * b) + mu**a * (mu - y) / a
        # expm1(a * L) / a tends to L as p -> 1, and expm1(b * L) / b as p -> 2,
        # so each form stays accurate at its own end of (1, 2).
        if power <= 1.5:
            scaled = safe_true * ops.expm1(a * log_ratio) / (a * b) + (safe_mean - safe_true) / b
            deviance = 2.0 * ops.exp(a * safe_log_mean) * scaled
        else:
            first = ops.exp(b * safe_log_mean) * ops.expm1(b * log_ratio) / (a * b)
            deviance = 2.0 * (first + ops.exp(a * safe_log_mean) * (safe_mean - safe_true) / a)
        at_zero = 2.0 * ops.exp(b * log_mean) / b
        deviance = ops.where(positive, deviance, at_zero)

    deviance = ops.where(ops.less(y_true, 0), ops.full_like(deviance, float("nan")), deviance)
    return ops.mean(deviance, axis=-1)


Tweedie = loss(
    tweedie,
    package="keras_tailor",
    validate=_validate_tweedie,
    examples=_tweedie_examples,
    doc="""Unit Tweedie deviance between non-negative targets and a predicted mean.

    Formula, for `1 < p < 2`, with target `y`, predicted mean `mu` and power `p`:

        d = 2 * (y**(2 - p) / ((1 - p) * (2 - p))
                 - y * mu**(1 - p) / (1 - p) + mu**(2 - p) / (2 - p))

    and its limits, the Poisson deviance at `p = 1` and the Gamma deviance at
    `p = 2`, averaged over the last axis per sample, then reduced over the
    batch by `reduction`. With `reduction="mean_with_sample_weight"` it equals
    scikit-learn's `mean_tweedie_deviance(..., sample_weight=..., power=p)`
    (scikit-learn 1.9.1). See `keras_tailor.losses.probabilistic.tweedie` for
    the values at `y = 0`, at `mu = 0` and for negative inputs.

    Args:
        power: the Tweedie power, a number in [1, 2]. Defaults to 1.5.
        log_input: whether `y_pred` is `log(mu)`, so a linear output layer can
            be used. Defaults to False.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"` or `None`, as in `keras.losses.Loss`.
        name: the loss name. Defaults to `"tweedie"`.
        dtype: the dtype of the computation. Defaults to `None`, which uses
            `keras.config.floatx()`.

    References:
        B. Jørgensen, "The Theory of Dispersion Models", Chapman & Hall, 1997.

    Example:

    >>> loss = Tweedie(power=1.0)
    >>> float(loss([[0.0], [1.0]], [[2.0], [1.0]]))
    2.0
    """,
)


def _validate_gaussian_crps(epsilon=1e-6, log_sigma=False):
    _check_epsilon(epsilon)
    _check_bool("log_sigma", log_sigma)


_INVERSE_SQRT_PI = 1.0 / math.sqrt(math.pi)
_INVERSE_SQRT_TWO_PI = 1.0 / math.sqrt(2.0 * math.pi)


def gaussian_crps(y_true, y_pred, epsilon=1e-6, log_sigma=False):
    """Compute the continuous ranked probability score of a normal predictive distribution per sample.

    Formula, for each target `y` with predicted mean `mu` and standard
    deviation `sigma`, `z = (y - mu) / sigma`, and the standard normal
    density `phi` and distribution function `Phi`:

        crps = sigma * (z * (2 * Phi(z) - 1) + 2 * phi(z) - 1 / sqrt(pi))

    then the mean over the `k` targets. It is computed as
    `(y - mu) * erf(z / sqrt(2)) + sigma * (2 * phi(z) - 1 / sqrt(pi))`,
    the same value without the product `sigma * z`. The score is in the units
    of `y`, and it tends to the absolute error `|y - mu|` as `sigma` tends to 0.

    `sigma` is clamped at `epsilon` as `gaussian_nll` clamps the variance:
    the value uses `max(sigma, epsilon)` and the gradient reaches `sigma`
    unchanged. With `log_sigma=True` the second half of `y_pred` is
    `log(sigma)`, any real number, clamped at `log(epsilon)`.

    Args:
        y_true: targets of shape `(..., k)`, or `(...)` when `k` is 1.
        y_pred: shape `(..., 2 * k)`: the `k` means, then the `k` standard
            deviations (or their logarithms).
        epsilon: the lower bound on `sigma`. A finite number > 0. Defaults to 1e-6.
        log_sigma: whether the second half of `y_pred` contains `log(sigma)`, so
            a linear output layer needs no positivity constraint. Defaults to False.

    Returns:
        The score per sample, with the shape of `y_true` without its last axis.
        Half-precision inputs are computed and returned in float32.

    Raises:
        ValueError: `epsilon` is not a finite number > 0, `log_sigma` is not a
            bool, or `y_pred` does not have twice the columns of `y_true`.

    References:
        T. Gneiting, A. E. Raftery, A. H. Westveld and T. Goldman, "Calibrated
        Probabilistic Forecasting Using Ensemble Model Output Statistics and
        Minimum CRPS Estimation", Monthly Weather Review 133(5), 2005.

    Example:

    >>> round(float(gaussian_crps([[0.0]], [[0.0, 1.0]])[0]), 6)
    0.233695
    """
    _validate_gaussian_crps(epsilon, log_sigma)
    spread_name = "log standard deviations" if log_sigma else "standard deviations"
    y_true, mean, spread = _split_location_and_spread(y_true, y_pred, spread_name)
    if log_sigma:
        sigma = ops.exp(_clamp_below(spread, math.log(epsilon)))
    else:
        sigma = _clamp_below(spread, epsilon)
    error = y_true - mean
    # NOTE: the gradient w.r.t. sigma passes through dz/dsigma = -error / sigma**2,
    # so it is NaN once that quotient overflows (|error| > 3.4e26 at sigma = 1e-6
    # in float32), although the score itself stays finite.
    z = error / sigma
    density = _INVERSE_SQRT_TWO_PI * ops.exp(-0.5 * z * z)
    elementwise = error * ops.erf(z * (1.0 / math.sqrt(2.0))) + sigma * (2.0 * density - _INVERSE_SQRT_PI)
    return ops.mean(elementwise, axis=-1)


GaussianCRPS = loss(
    gaussian_crps,
    package="keras_tailor",
    name="GaussianCRPS",
    validate=_validate_gaussian_crps,
    examples=_gaussian_examples,
    doc="""Continuous ranked probability score of targets under predicted normal distributions.

    Formula, for each target `y` with predicted mean `mu` and standard
    deviation `sigma`, and `z = (y - mu) / sigma`:

        crps = sigma * (z * (2 * Phi(z) - 1) + 2 * phi(z) - 1 / sqrt(pi))

    averaged over the `k` targets per sample, then reduced over the batch by
    `reduction`. `y_pred` has `2 * k` columns: the means, then the standard
    deviations (or their logarithms with `log_sigma=True`). Unlike the
    negative log-likelihood, the score grows linearly, not quadratically, with
    the error, and it is in the units of the target.

    Args:
        epsilon: the lower bound on `sigma`. A finite number > 0. Defaults to 1e-6.
        log_sigma: whether the second half of `y_pred` contains `log(sigma)`.
            Defaults to False.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"` or `None`, as in `keras.losses.Loss`.
        name: the loss name. Defaults to `"gaussian_crps"`.
        dtype: the dtype of the computation. Defaults to `None`, which uses
            `keras.config.floatx()`.

    References:
        T. Gneiting, A. E. Raftery, A. H. Westveld and T. Goldman, Monthly
        Weather Review 133(5), 2005.

    Example:

    >>> loss = GaussianCRPS()
    >>> round(float(loss([[0.0], [0.0]], [[0.0, 1.0], [0.0, 2.0]])), 6)
    0.350542
    """,
)
