"""Barron's adaptive robust loss: a layer that learns the shape alpha and the scale c of its own loss.

J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019, turns
his general robust loss rho(x, alpha, c) into a probability density,

    p(x | alpha, c) = exp(-rho(x / c, alpha)) / (c * Z(alpha))

for alpha in [0, 2] and c > 0, and trains alpha and c by minimizing the
negative log-likelihood of the residuals. The terms log(c) and log Z(alpha)
keep the fit from inflating c or choosing the least penalizing alpha, so alpha
and c settle where they describe the residuals. A Keras loss cannot own
trainable variables, so here the loss is a layer that adds the mean negative
log-likelihood with `add_loss` and passes the prediction through.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation
from keras_tailor.layers import _partition
from keras_tailor.losses import _barron

__all__ = ["AdaptiveRobustLoss", "robust_negative_log_likelihood"]

_HALF_PRECISION = ("float16", "bfloat16")
# The table of log Z covers this range. Z(alpha) is infinite for alpha < 0.
_ALPHA_MIN, _ALPHA_MAX = 0.0, 2.0


def robust_negative_log_likelihood(residual, alpha, scale):
    """Compute -log p(residual | alpha, scale) of Barron's robust density, elementwise.

    Formula, with `x = residual`, `c = scale` and `rho` Barron's general loss
    (`keras_tailor.losses.general_robust` at scale 1):

        nll = rho(x / c, alpha) + log(c) + log Z(alpha)
        rho(x, alpha) = |alpha - 2| / alpha * ((x**2 / |alpha - 2| + 1)**(alpha / 2) - 1)

    where Z(alpha) is the integral of exp(-rho(x, alpha)) over all real x,
    read from a precomputed table (`keras_tailor.layers._partition`) that is
    within 4.1e-7 of numerical quadrature. At alpha = 0 the density is a
    Cauchy (Student-t with 1 degree of freedom, scale c * sqrt(2)), at
    alpha = 1 a smoothed Laplace, and at alpha = 2 a normal with standard
    deviation c.

    Args:
        residual: a float tensor, usually `y_pred - y_true`.
        alpha: the shape, a number or a float tensor in [0, 2] that broadcasts
            against `residual`, such as one value per column.
        scale: `c`, a number or a float tensor > 0 that broadcasts against `residual`.

    Returns:
        A tensor of the broadcast shape of the three arguments. float16 and
        bfloat16 residuals are computed and returned in float32.

    Raises:
        ValueError: a Python number `alpha` is outside [0, 2] or `scale` is not
            a finite number > 0. Tensors and numpy arrays are not checked.

    Example, at alpha = 2 the normal density: 0.5 * 2**2 + log(sqrt(2 * pi)):

    >>> round(float(robust_negative_log_likelihood(2.0, 2.0, 1.0)), 6)
    2.918939
    """
    _check_alpha_value("alpha", alpha)
    if not _barron.is_tensor(scale):
        _validation.check_positive("scale", scale)
    residual = ops.convert_to_tensor(residual)
    dtype = keras.backend.standardize_dtype(residual.dtype)
    if dtype in _HALF_PRECISION or not dtype.startswith("float"):
        dtype = "float32"
        residual = ops.cast(residual, dtype)
    alpha = _barron.as_dtype(alpha, dtype)
    scale = _barron.as_dtype(scale, dtype)
    # NOTE: the square overflows float32 once |residual / scale| exceeds about
    # 1.8e19, and the loss is then inf or NaN. For alpha near 2 the loss
    # itself exceeds the float32 range at about the same residual.
    squared = ops.square(residual / scale)
    return _barron.loss_for_tensor_alpha(squared, alpha) + ops.log(scale) + _partition.log_partition(alpha)


def _check_alpha_value(name, value):
    """Raise `ValueError` unless `value` is a tensor, a numpy array or a finite number in [0, 2]."""
    if _barron.is_tensor(value):
        return value
    expected = f"a finite number in [{_ALPHA_MIN:g}, {_ALPHA_MAX:g}]"
    _validation.check_finite(name, value)
    if not _ALPHA_MIN <= value <= _ALPHA_MAX:
        raise ValueError(
            f"Invalid {name}: received {value!r}, expected {expected}, because the "
            "partition function Z(alpha) is tabulated on [0, 2] and is infinite for alpha < 0."
        )
    return float(value)


def _check_alpha_range(alpha_range):
    """Return `alpha_range` as a pair of floats `0 <= low <= high <= 2`, or raise `ValueError`."""
    expected = "a pair (alpha_low, alpha_high) with 0 <= alpha_low <= alpha_high <= 2"
    if isinstance(alpha_range, (str, bytes)) or not isinstance(alpha_range, (list, tuple)) or len(alpha_range) != 2:
        raise ValueError(f"Invalid alpha_range: received {alpha_range!r}, expected {expected}.")
    low, high = alpha_range
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"Invalid alpha_range: received {alpha_range!r}, expected {expected}.")
    if low < _ALPHA_MIN or high > _ALPHA_MAX:
        raise ValueError(
            f"Invalid alpha_range: received {alpha_range!r}, expected {expected}, because the "
            "partition function Z(alpha) is tabulated on [0, 2] and is infinite for alpha < 0."
        )
    if low > high:
        raise ValueError(
            f"Invalid alpha_range: received {alpha_range!r}, expected {expected}: the lower bound is above the upper bound."
        )
    return float(low), float(high)


def _check_initial_alpha(initial_alpha, low, high):
    """Return None, or the initial alpha as a float after checking that it lies inside [low, high]."""
    if initial_alpha is None:
        return None
    _validation.check_finite("initial_alpha", initial_alpha)
    if low == high:
        if initial_alpha != low:
            raise ValueError(
                f"Invalid initial_alpha: received {initial_alpha!r}, expected None or {low!r}, "
                f"because alpha_range=({low!r}, {high!r}) fixes alpha."
            )
    elif not low < initial_alpha < high:
        # The sigmoid reaches neither bound, so a bound cannot be a start value.
        raise ValueError(
            f"Invalid initial_alpha: received {initial_alpha!r}, expected None or a number strictly "
            f"inside alpha_range=({low!r}, {high!r})."
        )
    return float(initial_alpha)


def _inverse_softplus(value):
    """Return y with softplus(y) = log(1 + exp(y)) = value, for value > 0, without overflow."""
    # log(expm1(v)) overflows for v above about 709, where it equals v + log(-expm1(-v)).
    return value + math.log(-math.expm1(-value))


@keras.saving.register_keras_serializable(package="keras_tailor")
class AdaptiveRobustLoss(keras.layers.Layer):
    """Barron's adaptive robust loss, with a learned shape `alpha` and scale `c`, added with `add_loss`.

    Call it on `[y_true, y_pred]` or `[y_true, y_pred, sample_weight]` inside a
    functional model. It returns `y_pred` unchanged and adds the mean
    negative log-likelihood of the residual `x = y_pred - y_true`:

        nll(x) = rho(x / c, alpha) + log(c) + log Z(alpha)
        rho(x, alpha) = |alpha - 2| / alpha * ((x**2 / |alpha - 2| + 1)**(alpha / 2) - 1)
        loss = sum over samples of sample_weight * mean(nll over the last axis) / number of samples

    where Z(alpha) normalizes exp(-rho) to a density (see
    `robust_negative_log_likelihood`). Without `sample_weight` every weight
    is 1. With it, the division by the number of samples, not by the sum of
    weights, matches Keras's default `"sum_over_batch_size"` reduction.
    Keras applies the `sample_weight` of `fit` to compiled losses only, never
    to `add_loss`, so pass weights as the third input instead.

    The learned values are

        alpha = alpha_low + (alpha_high - alpha_low) * sigmoid(latent_alpha)
        c = scale_lo + softplus(latent_scale)

    so alpha stays strictly inside `alpha_range` and c above `scale_lo`. Read
    them with the `alpha` and `scale` properties. A learned alpha near 2 means
    Gaussian residuals (the loss is close to squared error), near 1 a
    smoothed L1 loss, and near 0 Cauchy-like heavy tails: the fit then
    discounts outliers. `c` is the width of the quadratic bowl, in the units
    of the targets. Give the model's optimizer a learning rate at which alpha
    and c can move: they are ordinary trainable weights.

    Args:
        alpha_range: `(alpha_low, alpha_high)` with
            `0 <= alpha_low <= alpha_high <= 2`. Equal bounds fix alpha, which
            then is not a weight. Defaults to `(0.001, 1.999)`, which keeps
            alpha away from 2, where the derivative of log Z(alpha) diverges.
        initial_alpha: the starting alpha, strictly inside `alpha_range`, or
            None (default) for its midpoint.
        initial_scale: the starting c, a finite number > `scale_lo`. Defaults to 1.0.
        scale_lo: the lower bound of c, a finite number > 0. Defaults to 1e-5.
        per_column: False (default) learns one alpha and one c for all
            outputs. True learns one of each per column (the last axis of
            `y_pred`), which then must have a known size.
        **kwargs: base layer arguments such as `name`, `dtype` and `trainable`.
            `autocast` may only be False: see the mixed-precision note below.

    Input: a list `[y_true, y_pred]` or `[y_true, y_pred, sample_weight]`.
    `y_true` has the shape of `y_pred` up to a trailing axis of size 1, and
    `sample_weight` has shape `(N,)` or `(N, 1)`. Output: `y_pred`, unchanged
    (same tensor, same dtype).

    Mixed precision: the layer neither casts its inputs nor its weights to the
    compute dtype (it is built with `autocast=False`), and it computes the loss
    in the weights' dtype, float32 under `mixed_float16` and `mixed_bfloat16`.

    Saving: `latent_alpha` and `latent_scale` are layer weights, so a `.keras`
    file restores the learned values after `import keras_tailor`, with no
    `custom_objects`.

    References:
        J. T. Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
        section 3 (the density, its partition function and the NLL).

    Example, a regression model that learns its loss; predict with a second
    model that shares the layers but has no target input:

    >>> features = keras.Input((3,), name="features")
    >>> target = keras.Input((1,), name="target")
    >>> prediction = keras.layers.Dense(1)(features)
    >>> robust = AdaptiveRobustLoss(initial_alpha=1.0, name="robust")
    >>> output = robust([target, prediction])
    >>> model = keras.Model([features, target], output)
    >>> model.compile(optimizer="adam")
    >>> float(keras.ops.convert_to_numpy(robust.alpha)), float(keras.ops.convert_to_numpy(robust.scale))
    (1.0, 1.0)
    """

    def __init__(
        self,
        alpha_range=(0.001, 1.999),
        initial_alpha=None,
        initial_scale=1.0,
        scale_lo=1e-5,
        per_column=False,
        **kwargs,
    ):
        autocast = kwargs.pop("autocast", False)
        if autocast is not False:
            raise ValueError(
                f"Invalid autocast: received {autocast!r}, expected False, because AdaptiveRobustLoss "
                "returns y_pred unchanged and computes its loss in float32 under mixed precision."
            )
        # autocast=False here keeps the inputs in their own dtype, because a
        # float16 residual overflows once squared (above 256). The weights get
        # autocast=False too: under a mixed policy Keras 3.15.1 autocasts
        # variables in call() even for a layer built with autocast=False.
        super().__init__(autocast=False, **kwargs)
        self.alpha_range = _check_alpha_range(alpha_range)
        self.initial_alpha = _check_initial_alpha(initial_alpha, *self.alpha_range)
        _validation.check_positive("scale_lo", scale_lo)
        _validation.check_positive("initial_scale", initial_scale)
        if not initial_scale > scale_lo:
            raise ValueError(
                f"Invalid initial_scale: received {initial_scale!r}, expected a finite number "
                f"> scale_lo={scale_lo!r}."
            )
        self.initial_scale = float(initial_scale)
        self.scale_lo = float(scale_lo)
        self.per_column = _validation.check_bool("per_column", per_column)
        self.latent_alpha = None
        self.latent_scale = None

    @staticmethod
    def example_arguments():
        """Return non-default constructor arguments that `keras_tailor.testing` checks the layer with."""
        return {"alpha_range": (0.01, 1.9), "initial_alpha": 1.5, "initial_scale": 0.5, "scale_lo": 1e-4}

    @staticmethod
    def example_inputs():
        """Return `[y_true, y_pred]` for `keras_tailor.testing`: 32 rows of 2 targets and heavy-tailed predictions."""
        rng = np.random.default_rng(41)
        y_true = rng.normal(size=(32, 2))
        y_pred = y_true + rng.standard_t(df=2, size=(32, 2))
        return [y_true.astype("float32"), y_pred.astype("float32")]

    @property
    def fixed_alpha(self):
        """True when `alpha_range` has equal bounds, so alpha is a constant and not a weight."""
        return self.alpha_range[0] == self.alpha_range[1]

    def _parameter_shape(self, input_shape):
        shapes = _split_shapes(input_shape)
        prediction_shape = shapes[1]
        if not self.per_column:
            return ()
        if len(prediction_shape) < 2 or prediction_shape[-1] is None:
            raise ValueError(
                "AdaptiveRobustLoss(per_column=True) needs y_pred of rank >= 2 with a known last axis, "
                f"but received y_pred of shape {tuple(prediction_shape)}."
            )
        return (prediction_shape[-1],)

    def build(self, input_shape):
        shape = self._parameter_shape(input_shape)
        low, high = self.alpha_range
        if not self.fixed_alpha:
            start = self.initial_alpha if self.initial_alpha is not None else 0.5 * (low + high)
            share = (start - low) / (high - low)
            self.latent_alpha = self.add_weight(
                shape=shape,
                initializer=keras.initializers.Constant(math.log(share) - math.log1p(-share)),
                trainable=True,
                autocast=False,
                name="latent_alpha",
            )
        self.latent_scale = self.add_weight(
            shape=shape,
            initializer=keras.initializers.Constant(_inverse_softplus(self.initial_scale - self.scale_lo)),
            trainable=True,
            autocast=False,
            name="latent_scale",
        )

    def _require_built(self, name):
        if not self.built:
            raise ValueError(
                f"AdaptiveRobustLoss.{name} is not available before the layer is built: call the layer "
                "on [y_true, y_pred] or call build() first."
            )

    @property
    def alpha(self):
        """The current shape alpha, a tensor of shape `()`, or `(columns,)` with `per_column=True`."""
        self._require_built("alpha")
        return self._alpha(self.latent_scale.dtype)

    @property
    def scale(self):
        """The current scale c > `scale_lo`, a tensor of shape `()`, or `(columns,)` with `per_column=True`."""
        self._require_built("scale")
        return self._scale(self.latent_scale.dtype)

    def _alpha(self, dtype):
        low, high = self.alpha_range
        if self.fixed_alpha:
            return ops.full(tuple(self.latent_scale.shape), low, dtype=dtype)
        latent = ops.cast(self.latent_alpha, dtype)
        return low + (high - low) * ops.sigmoid(latent)

    def _scale(self, dtype):
        return self.scale_lo + ops.softplus(ops.cast(self.latent_scale, dtype))

    def call(self, inputs):
        y_true, y_pred, sample_weight = _split_inputs(inputs)
        # The loss is computed in the weights' dtype: float32 under mixed
        # precision, where float16 squares overflow above 65504 and the
        # series near alpha = 0 and 2 need more than 11 significant bits.
        dtype = keras.backend.standardize_dtype(self.latent_scale.dtype)
        targets, predictions = _validation.align_targets(
            ops.cast(y_true, dtype), ops.cast(y_pred, dtype)
        )
        nll = robust_negative_log_likelihood(predictions - targets, self._alpha(dtype), self._scale(dtype))
        per_sample = nll if len(nll.shape) < 2 else _mean_last_axis(nll)
        if sample_weight is not None:
            per_sample = per_sample * _validation.broadcast_sample_weight(sample_weight, per_sample)
        count = ops.cast(ops.size(per_sample), dtype)
        self.add_loss(ops.sum(per_sample) / count)
        return y_pred

    def compute_output_shape(self, input_shape):
        return tuple(_split_shapes(input_shape)[1])

    def compute_output_spec(self, inputs):
        _, y_pred, _ = _split_inputs(inputs)
        return keras.KerasTensor(y_pred.shape, dtype=y_pred.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alpha_range": list(self.alpha_range),
                "initial_alpha": self.initial_alpha,
                "initial_scale": self.initial_scale,
                "scale_lo": self.scale_lo,
                "per_column": self.per_column,
            }
        )
        return config


def _mean_last_axis(values):
    # A sum divided by the count, because `ops.mean` on the PyTorch backend of
    # Keras 3.15.1 computes float64 inputs in float32.
    count = ops.cast(ops.shape(values)[-1], values.dtype)
    return ops.sum(values, axis=-1) / count


_INPUT_MESSAGE = (
    "AdaptiveRobustLoss expects a list [y_true, y_pred] or [y_true, y_pred, sample_weight], "
    "but received {received}."
)


def _split_inputs(inputs):
    """Return `(y_true, y_pred, sample_weight or None)` from the layer's list input."""
    if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
        received = f"a single input of shape {tuple(inputs.shape)}" if hasattr(inputs, "shape") else repr(inputs)
        raise ValueError(_INPUT_MESSAGE.format(received=received))
    y_true, y_pred = inputs[0], inputs[1]
    sample_weight = inputs[2] if len(inputs) == 3 else None
    return y_true, y_pred, sample_weight


def _split_shapes(input_shape):
    """Return the list of input shapes, or raise `ValueError` for a single shape."""
    is_list_of_shapes = isinstance(input_shape, (list, tuple)) and len(input_shape) in (2, 3) and all(
        isinstance(shape, (list, tuple)) for shape in input_shape
    )
    if not is_list_of_shapes:
        raise ValueError(_INPUT_MESSAGE.format(received=f"the input shape {input_shape!r}"))
    return input_shape
