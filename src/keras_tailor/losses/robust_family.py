"""Robust regression losses that grow slower than squared error, and Barron's general loss that contains them.

Each loss depends on the error `e = y_pred - y_true` through `x = e / c` only,
where `c` is a scale > 0 (`threshold` for the pseudo-Huber loss), and each has
a per-sample function (the mean over the last axis, as Keras loss functions
return) and a registered `keras.losses.Loss` class that saves every
hyperparameter. Four of them are special cases of `general_robust`, Barron's
loss `rho(x, alpha)`:

    pseudo_huber(threshold=t)  == t**2 * general_robust(alpha=1, scale=t)
    cauchy(scale=c)            == c**2 / 2 * general_robust(alpha=0, scale=c / sqrt(2))
    geman_mcclure(scale=c)     == general_robust(alpha=-2, scale=c)
    welsch(scale=c)            == general_robust(alpha=-inf, scale=c)

Inputs in float16 or bfloat16 are computed in float32 and the per-sample values
are cast back. float16 overflows above 65504, which the square of an error of
256 already does, and its 11 significant bits are too few for the forms used
near alpha = 0 and alpha = 2.

NOTE: every loss squares `e / c` first, so in float32 an error beyond about
1.8e19 * c overflows to inf and gives inf or NaN, even where the loss itself
(pseudo-Huber, Cauchy) would still be finite.
"""

import math
import numbers

import keras
from keras import ops

from keras_tailor import _validation
from keras_tailor.authoring import loss
from keras_tailor.losses import _barron

__all__ = [
    "Cauchy",
    "GemanMcClure",
    "GeneralRobust",
    "PseudoHuber",
    "TukeyBiweight",
    "Welsch",
    "cauchy",
    "geman_mcclure",
    "general_robust",
    "pseudo_huber",
    "tukey_biweight",
    "welsch",
]

_HALF_PRECISION = ("float16", "bfloat16")

# Strings accepted for an infinite alpha. They keep a saved config strict JSON,
# where Python's json writes float("-inf") as the non-standard token -Infinity.
_INFINITE_ALPHA_STRINGS = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


def _scaled_error(y_true, y_pred, scale):
    """Return `(y_pred - y_true) / scale`, in float32 for half-precision inputs, and the output dtype."""
    y_true, y_pred = _validation.align_targets(y_true, y_pred)
    output_dtype = keras.backend.standardize_dtype(y_pred.dtype)
    if output_dtype in _HALF_PRECISION:
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
    return (y_pred - y_true) / _barron.as_dtype(scale, y_pred.dtype), output_dtype


def _per_sample(elementwise, output_dtype):
    """Return the mean over the last axis, cast to `output_dtype`."""
    # A sum divided by the count, because `ops.mean` on the PyTorch backend of
    # Keras 3.15.1 computes float64 inputs in float32.
    count = ops.cast(ops.shape(elementwise)[-1], elementwise.dtype)
    return ops.cast(ops.sum(elementwise, axis=-1) / count, output_dtype)


def _check_scale(name, value):
    """Raise `ValueError` unless `value` is a finite number > 0 or a tensor, which passes unchecked."""
    # `_validation.check_positive` lets anything that is not a number, bool,
    # str or None through as a tensor, so a list such as [1.0] is rejected here.
    if _barron.is_tensor(value):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"Invalid {name}: received {value!r} of type {type(value).__name__}, expected a finite number > 0."
        )
    return _validation.check_positive(name, value)


def _validate_pseudo_huber(threshold=1.0):
    _check_scale("threshold", threshold)


def _validate_scale(scale=1.0):
    _check_scale("scale", scale)


def _validate_tukey_biweight(c=4.685):
    _check_scale("c", c)


def _check_alpha(alpha):
    """Return a valid `alpha` as a float, or unchanged if it is a tensor, and raise `ValueError` otherwise."""
    if _barron.is_tensor(alpha):
        return alpha
    expected = "a number, float('inf'), float('-inf'), or one of the strings 'inf', '+inf', '-inf'"
    if isinstance(alpha, str):
        if alpha in _INFINITE_ALPHA_STRINGS:
            return _INFINITE_ALPHA_STRINGS[alpha]
        raise ValueError(f"Invalid alpha: received {alpha!r}, expected {expected}.")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"Invalid alpha: received {alpha!r} of type {type(alpha).__name__}, expected {expected}.")
    if math.isnan(alpha):
        raise ValueError(f"Invalid alpha: received {alpha!r}, expected {expected}.")
    return float(alpha)


def _validate_general_robust(alpha=1.0, scale=1.0):
    _check_alpha(alpha)
    _check_scale("scale", scale)


def pseudo_huber(y_true, y_pred, threshold=1.0):
    """Compute the pseudo-Huber (Charbonnier) loss per sample: quadratic near 0, linear for large errors.

    Formula, for each element with `error = y_pred - y_true` and `t = threshold`:

        loss = t**2 * (sqrt(1 + (error / t)**2) - 1)

    then the mean over the last axis. It is about `0.5 * error**2` for
    `|error|` much smaller than `t` and about `t * |error|` for `|error|` much
    larger, like `huber`, but it is smooth everywhere. It equals
    `t**2 * general_robust(alpha=1, scale=t)`.

    Args:
        y_true: targets, of the same shape as `y_pred` up to a trailing axis of size 1.
        y_pred: predictions.
        threshold: `t`, the error magnitude where the loss turns from quadratic
            to linear. A finite number > 0. Defaults to 1.0.

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `threshold` is not a finite number > 0, or the shapes of
            `y_true` and `y_pred` differ.

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        equation 3 (the case alpha = 1, also called Charbonnier or L1-L2 loss).

    Example, with errors 0.75 and 1.875, where sqrt(1 + error**2) is 1.25 and 2.125:

    >>> float(pseudo_huber([[0.0, 0.0]], [[0.75, 1.875]], threshold=1.0)[0])
    0.6875
    """
    _validate_pseudo_huber(threshold)
    error, output_dtype = _scaled_error(y_true, y_pred, threshold)
    threshold = _barron.as_dtype(threshold, error.dtype)
    return _per_sample(threshold * threshold * _barron.charbonnier(ops.square(error)), output_dtype)


def cauchy(y_true, y_pred, scale=1.0):
    """Compute the Cauchy (Lorentzian) loss per sample, which grows only logarithmically for large errors.

    Formula, for each element with `error = y_pred - y_true` and `c = scale`:

        loss = c**2 / 2 * log(1 + (error / c)**2)

    then the mean over the last axis. It is about `0.5 * error**2` for small
    errors. It equals `c**2 / 2 * general_robust(alpha=0, scale=c / sqrt(2))`,
    because Barron's alpha = 0 case has a factor 1/2 inside the logarithm.

    Args:
        y_true: targets, of the same shape as `y_pred` up to a trailing axis of size 1.
        y_pred: predictions.
        scale: `c`, the error magnitude where the loss turns from quadratic to
            logarithmic. A finite number > 0. Defaults to 1.0.

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `scale` is not a finite number > 0, or the shapes of
            `y_true` and `y_pred` differ.

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        which lists the Cauchy/Lorentzian loss as its case alpha = 0.

    Example, with errors 1 and 3: (0.5 * log(2) + 0.5 * log(10)) / 2 = log(20) / 4:

    >>> round(float(cauchy([[0.0, 0.0]], [[1.0, 3.0]], scale=1.0)[0]), 6)
    0.748933
    """
    _validate_scale(scale)
    error, output_dtype = _scaled_error(y_true, y_pred, scale)
    scale = _barron.as_dtype(scale, error.dtype)
    return _per_sample(0.5 * scale * scale * ops.log1p(ops.square(error)), output_dtype)


def geman_mcclure(y_true, y_pred, scale=1.0):
    """Compute the Geman-McClure loss per sample, which tends to 2 for large errors.

    Formula, for each element with `x = (y_pred - y_true) / scale`:

        loss = 2 * x**2 / (x**2 + 4)

    then the mean over the last axis. This is Barron's convention, his loss at
    alpha = -2, so it equals `general_robust(alpha=-2, scale=scale)`. It is about
    `0.5 * x**2` near 0. The form `x**2 / (x**2 + 1)` found elsewhere is this
    loss at scale `c / 2`, divided by 2.

    Args:
        y_true: targets, of the same shape as `y_pred` up to a trailing axis of size 1.
        y_pred: predictions.
        scale: `c`, the width of the quadratic bowl around 0. A finite number
            > 0. Defaults to 1.0.

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `scale` is not a finite number > 0, or the shapes of
            `y_true` and `y_pred` differ.

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        the case alpha = -2.

    Example, with errors 2 and 6: (2 * 4 / 8 + 2 * 36 / 40) / 2 = (1 + 1.8) / 2:

    >>> round(float(geman_mcclure([[0.0, 0.0]], [[2.0, 6.0]], scale=1.0)[0]), 6)
    1.4
    """
    _validate_scale(scale)
    error, output_dtype = _scaled_error(y_true, y_pred, scale)
    return _per_sample(_barron.geman_mcclure_unit(ops.square(error)), output_dtype)


def welsch(y_true, y_pred, scale=1.0):
    """Compute the Welsch (Leclerc) loss per sample, which tends to 1 for large errors.

    Formula, for each element with `x = (y_pred - y_true) / scale`:

        loss = 1 - exp(-x**2 / 2)

    then the mean over the last axis. This is the limit of Barron's loss as
    alpha tends to -inf, so it equals `general_robust(alpha=float("-inf"),
    scale=scale)`, with the same scale. It is about `0.5 * x**2` near 0. The
    form `k**2 / 2 * (1 - exp(-(error / k)**2))` found elsewhere is this loss
    times `c**2` with `k = sqrt(2) * c`.

    Args:
        y_true: targets, of the same shape as `y_pred` up to a trailing axis of size 1.
        y_pred: predictions.
        scale: `c`, the width of the quadratic bowl around 0. A finite number
            > 0. Defaults to 1.0.

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `scale` is not a finite number > 0, or the shapes of
            `y_true` and `y_pred` differ.

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        the limit alpha -> -inf.

    Example, with errors 0 and 2: (0 + 1 - exp(-2)) / 2:

    >>> round(float(welsch([[0.0, 0.0]], [[0.0, 2.0]], scale=1.0)[0]), 6)
    0.432332
    """
    _validate_scale(scale)
    error, output_dtype = _scaled_error(y_true, y_pred, scale)
    return _per_sample(_barron.welsch_unit(ops.square(error)), output_dtype)


def tukey_biweight(y_true, y_pred, c=4.685):
    """Compute Tukey's biweight (bisquare) loss per sample, constant for errors beyond `c`.

    Formula, for each element with `error = y_pred - y_true`:

        loss = c**2 / 6 * (1 - (1 - (error / c)**2)**3)    if |error| <= c
        loss = c**2 / 6                                   if |error| > c

    then the mean over the last axis. Errors beyond `c` get zero gradient, so
    they no longer pull the fit. Value and gradient are continuous at
    `|error| = c`, where the gradient is exactly 0.

    Args:
        y_true: targets, of the same shape as `y_pred` up to a trailing axis of size 1.
        y_pred: predictions.
        c: the error magnitude beyond which the loss is constant. A finite
            number > 0. Defaults to 4.685, where the M-estimator of a location
            has 95% asymptotic efficiency for normal errors of standard
            deviation 1 (0.9500 by numerical integration).

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `c` is not a finite number > 0, or the shapes of `y_true`
            and `y_pred` differ.

    References:
        `statsmodels.robust.norms.TukeyBiweight` (statsmodels 0.14), whose
        `rho` is this formula with the same default `c`:
        https://www.statsmodels.org/stable/generated/statsmodels.robust.norms.TukeyBiweight.html

    Example, with c = 3 and errors 1.5 and 6: (1.5 * (1 - 0.75**3) + 1.5) / 2:

    >>> float(tukey_biweight([[0.0, 0.0]], [[1.5, 6.0]], c=3.0)[0])
    1.18359375
    """
    _validate_tukey_biweight(c)
    error, output_dtype = _scaled_error(y_true, y_pred, c)
    c = _barron.as_dtype(c, error.dtype)
    # With q = min(x**2, 1) and w = 1 - q, 1 - w**3 has two exact forms, each
    # accurate in value and gradient on its half. Below q = 1/2, q * (1 + w + w**2)
    # keeps small errors that 1 - w**3 rounds to 0 in float32. From q = 1/2 on,
    # 1 - w**3 keeps the gradient 3 * w**2 near |error| = c, which the autodiff
    # of the product form gets as a difference of two numbers near 1. At q = 1
    # the gradient is exactly 0 whichever side of min() a backend differentiates.
    clipped = ops.minimum(ops.square(error), 1.0)
    remainder = 1.0 - clipped
    small_form = clipped * (1.0 + remainder + remainder * remainder)
    large_form = 1.0 - remainder * remainder * remainder
    elementwise = c * c / 6.0 * ops.where(clipped < 0.5, small_form, large_form)
    return _per_sample(elementwise, output_dtype)


def general_robust(y_true, y_pred, alpha=1.0, scale=1.0):
    """Compute Barron's general robust loss per sample, whose shape `alpha` spans L2, Cauchy, Welsch and more.

    Formula, for each element with `x = (y_pred - y_true) / scale`:

        loss = |alpha - 2| / alpha * ((x**2 / |alpha - 2| + 1)**(alpha / 2) - 1)

    then the mean over the last axis. The formula is undefined at alpha = 0,
    2 and +-inf, where the loss is its limit. The special cases are:

        alpha = 2:     0.5 * x**2                    (L2)
        alpha = 1:     sqrt(x**2 + 1) - 1            (pseudo-Huber, Charbonnier)
        alpha = 0:     log(0.5 * x**2 + 1)           (Cauchy, Lorentzian)
        alpha = -2:    2 * x**2 / (x**2 + 4)         (Geman-McClure)
        alpha = -inf:  1 - exp(-0.5 * x**2)          (Welsch, Leclerc)
        alpha = +inf:  exp(0.5 * x**2) - 1

    Smaller alpha is more robust. The loss is bounded for alpha < 0, grows
    like `log(x**2)` at alpha = 0 and like `|x|**alpha` for alpha > 0.
    alpha = +inf is accepted for completeness, but its value overflows float32
    once `|x|` exceeds about 13.3, and any alpha > 2 grows faster than squared
    error.

    Near alpha = 0 and alpha = 2 the formula divides small numbers, so it is
    rewritten without those divisions. With `beta = |alpha - 2|` and
    `L = log1p(x**2 / beta)`, alpha <= 1 uses `beta / 2 * L * expm1(u) / u`
    with `u = alpha * L / 2` (a Taylor series for small `u`), and alpha > 1
    uses `(x**2 * exp(v) + beta * expm1(v)) / alpha` with
    `v = (alpha - 2) * L / 2`. So alpha = 1e-9 or 2 - 1e-9 gives the loss at
    that alpha to float32 rounding, close to the limits, with finite gradients.
    The special alphas above use their closed forms.

    Args:
        y_true: targets, of the same shape as `y_pred` up to a trailing axis of size 1.
        y_pred: predictions.
        alpha: the shape. A number, including `float("inf")` and
            `float("-inf")`, or one of the strings `"inf"`, `"+inf"`, `"-inf"`.
            `|alpha| >= 1e30` counts as infinite. A tensor, such as a
            trainable scalar variable, is accepted too and passes unchecked.
            Defaults to 1.0 (pseudo-Huber).
        scale: `c`, the width of the quadratic bowl around 0. A finite number
            > 0. Defaults to 1.0.

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `alpha` is NaN, a string other than those above or not a
            number, `scale` is not a finite number > 0, or the shapes of
            `y_true` and `y_pred` differ.

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        equation 1 and its special cases.

    Example, at alpha = 1 with errors 0.75 and 1.875, where sqrt(x**2 + 1) is 1.25 and 2.125:

    >>> float(general_robust([[0.0, 0.0]], [[0.75, 1.875]], alpha=1.0, scale=1.0)[0])
    0.6875
    """
    alpha = _check_alpha(alpha)
    _check_scale("scale", scale)
    error, output_dtype = _scaled_error(y_true, y_pred, scale)
    squared = ops.square(error)
    if isinstance(alpha, float):
        elementwise = _barron.loss_for_number_alpha(squared, alpha)
    else:
        elementwise = _barron.loss_for_tensor_alpha(squared, alpha)
    return _per_sample(elementwise, output_dtype)


_CLASS_ARGUMENTS = """
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"` or `None`, as in `keras.losses.Loss`.
        name: the loss name. Defaults to `"{name}"`.
        dtype: the dtype of the computation. Defaults to `None`, which uses
            `keras.config.floatx()`."""


PseudoHuber = loss(
    pseudo_huber,
    package="keras_tailor",
    validate=_validate_pseudo_huber,
    doc="""Pseudo-Huber (Charbonnier) loss between targets and predictions, with every hyperparameter saved.

    Formula, for each element with `error = y_pred - y_true` and `t = threshold`:

        loss = t**2 * (sqrt(1 + (error / t)**2) - 1)

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`. It is a smooth `Huber`: about `0.5 * error**2` for small
    errors and about `t * |error|` for large ones.

    Args:
        threshold: the error magnitude where the loss turns from quadratic to
            linear. A finite number > 0. Defaults to 1.0."""
    + _CLASS_ARGUMENTS.format(name="pseudo_huber")
    + """

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        the case alpha = 1.

    Example:

    >>> loss = PseudoHuber(threshold=1.0)
    >>> float(loss([[0.0, 0.0]], [[0.75, 1.875]]))
    0.6875
    """,
)

Cauchy = loss(
    cauchy,
    package="keras_tailor",
    validate=_validate_scale,
    doc="""Cauchy (Lorentzian) loss between targets and predictions, with every hyperparameter saved.

    Formula, for each element with `error = y_pred - y_true` and `c = scale`:

        loss = c**2 / 2 * log(1 + (error / c)**2)

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`.

    Args:
        scale: the error magnitude where the loss turns from quadratic to
            logarithmic. A finite number > 0. Defaults to 1.0."""
    + _CLASS_ARGUMENTS.format(name="cauchy")
    + """

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        the case alpha = 0 at scale c / sqrt(2), times c**2 / 2.

    Example, (0.5 * log(2) + 0.5 * log(10)) / 2 = log(20) / 4:

    >>> loss = Cauchy(scale=1.0)
    >>> round(float(loss([[0.0, 0.0]], [[1.0, 3.0]])), 6)
    0.748933
    """,
)

GemanMcClure = loss(
    geman_mcclure,
    # The default name, the CamelCase of the function name, would be GemanMcclure.
    name="GemanMcClure",
    package="keras_tailor",
    validate=_validate_scale,
    doc="""Geman-McClure loss between targets and predictions, with every hyperparameter saved.

    Formula, for each element with `x = (y_pred - y_true) / scale`, in Barron's
    convention (his loss at alpha = -2):

        loss = 2 * x**2 / (x**2 + 4)

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`. It tends to 2 for large errors.

    Args:
        scale: the width of the quadratic bowl around 0. A finite number > 0.
            Defaults to 1.0."""
    + _CLASS_ARGUMENTS.format(name="geman_mcclure")
    + """

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        the case alpha = -2.

    Example, (2 * 4 / 8 + 2 * 36 / 40) / 2:

    >>> loss = GemanMcClure(scale=1.0)
    >>> round(float(loss([[0.0, 0.0]], [[2.0, 6.0]])), 6)
    1.4
    """,
)

Welsch = loss(
    welsch,
    package="keras_tailor",
    validate=_validate_scale,
    doc="""Welsch (Leclerc) loss between targets and predictions, with every hyperparameter saved.

    Formula, for each element with `x = (y_pred - y_true) / scale`, in
    Barron's scaling (his loss as alpha tends to -inf, with the same scale):

        loss = 1 - exp(-x**2 / 2)

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`. It tends to 1 for large errors.

    Args:
        scale: the width of the quadratic bowl around 0. A finite number > 0.
            Defaults to 1.0."""
    + _CLASS_ARGUMENTS.format(name="welsch")
    + """

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        the limit alpha -> -inf.

    Example, (0 + 1 - exp(-2)) / 2:

    >>> loss = Welsch(scale=1.0)
    >>> round(float(loss([[0.0, 0.0]], [[0.0, 2.0]])), 6)
    0.432332
    """,
)

TukeyBiweight = loss(
    tukey_biweight,
    package="keras_tailor",
    validate=_validate_tukey_biweight,
    doc="""Tukey's biweight (bisquare) loss between targets and predictions, with every hyperparameter saved.

    Formula, for each element with `error = y_pred - y_true`:

        loss = c**2 / 6 * (1 - (1 - (error / c)**2)**3)    if |error| <= c
        loss = c**2 / 6                                   if |error| > c

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`. Errors beyond `c` get zero gradient.

    Args:
        c: the error magnitude beyond which the loss is constant. A finite
            number > 0. Defaults to 4.685, the 95%-efficiency constant for
            errors of standard deviation 1."""
    + _CLASS_ARGUMENTS.format(name="tukey_biweight")
    + """

    References:
        `statsmodels.robust.norms.TukeyBiweight` (statsmodels 0.14), the same
        `rho` and default `c`.

    Example, with c = 3: (1.5 * (1 - 0.75**3) + 1.5) / 2:

    >>> loss = TukeyBiweight(c=3.0)
    >>> float(loss([[0.0, 0.0]], [[1.5, 6.0]]))
    1.18359375
    """,
)

GeneralRobust = loss(
    general_robust,
    package="keras_tailor",
    validate=_validate_general_robust,
    doc="""Barron's general robust loss between targets and predictions, with every hyperparameter saved.

    Formula, for each element with `x = (y_pred - y_true) / scale`:

        loss = |alpha - 2| / alpha * ((x**2 / |alpha - 2| + 1)**(alpha / 2) - 1)

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`. At alpha = 2, 0, -inf and +inf the loss is the limit of the
    formula: L2, Cauchy, Welsch and `exp(0.5 * x**2) - 1`. See
    `general_robust` for every special case and the numerics near them.

    `float("-inf")` is saved and loaded by Keras, whose `json.dumps` writes it
    as the non-standard token `-Infinity` that Python reads back but strict
    JSON parsers reject. The strings `"-inf"`, `"inf"` and `"+inf"` keep a
    saved config strict JSON.

    Args:
        alpha: the shape. A number, including `float("inf")` and
            `float("-inf")`, or one of the strings `"inf"`, `"+inf"`, `"-inf"`.
            Defaults to 1.0 (pseudo-Huber).
        scale: the width of the quadratic bowl around 0. A finite number > 0.
            Defaults to 1.0."""
    + _CLASS_ARGUMENTS.format(name="general_robust")
    + """

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019.

    Example, at alpha = 0: (log(1.5) + log(3)) / 2:

    >>> loss = GeneralRobust(alpha=0.0, scale=1.0)
    >>> round(float(loss([[0.0, 0.0]], [[1.0, 2.0]])), 6)
    0.752039
    """,
)
