"""Quantile regression losses: the pinball loss for one quantile or a set of quantile columns."""

import numbers

import keras
from keras import ops

from keras_tailor import _validation
from keras_tailor.authoring import loss

_QUANTILES_RANGE = "a number in (0, 1) or a non-empty, strictly increasing list of numbers in (0, 1)"


def _validate_pinball(quantiles=0.5):
    if isinstance(quantiles, (list, tuple)):
        if not quantiles:
            raise ValueError(f"Invalid quantiles: received {quantiles!r}, expected {_QUANTILES_RANGE}.")
        for index, value in enumerate(quantiles):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
                raise ValueError(
                    f"Invalid quantiles: received {list(quantiles)!r}, expected {_QUANTILES_RANGE}, "
                    f"but quantiles[{index}] is {value!r}."
                )
        for index in range(1, len(quantiles)):
            if quantiles[index] <= quantiles[index - 1]:
                raise ValueError(
                    f"Invalid quantiles: received {list(quantiles)!r}, expected {_QUANTILES_RANGE}, "
                    f"but quantiles[{index}]={quantiles[index]!r} is not greater than "
                    f"quantiles[{index - 1}]={quantiles[index - 1]!r}. Sort them and drop duplicates."
                )
        return
    if isinstance(quantiles, bool) or not isinstance(quantiles, numbers.Real) or not 0 < quantiles < 1:
        raise ValueError(f"Invalid quantiles: received {quantiles!r}, expected {_QUANTILES_RANGE}.")


def _align_quantile_columns(y_true, y_pred, quantiles):
    """Return `y_true` and `y_pred` as tensors, `y_true` with a last axis that broadcasts over the quantile columns.

    `y_pred` must end in one column per quantile. `y_true` may have the shape of
    `y_pred` without that axis, the same with a trailing axis of size 1, or the
    shape of `y_pred` (a target per column).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not keras.backend.standardize_dtype(y_pred.dtype).startswith(("float", "bfloat")):
        y_pred = ops.cast(y_pred, keras.config.floatx())
    y_true = ops.cast(y_true, y_pred.dtype)

    true_shape = tuple(y_true.shape)
    pred_shape = tuple(y_pred.shape)
    count = len(quantiles)
    columns = pred_shape[-1] if pred_shape else 0
    if columns is not None and columns != count:
        raise ValueError(
            f"y_pred must have one column per quantile: quantiles={list(quantiles)!r} needs a "
            f"last axis of size {count}, but received y_true.shape={_validation._format_shape(true_shape)} "
            f"and y_pred.shape={_validation._format_shape(pred_shape)}."
        )

    if len(true_shape) == len(pred_shape) - 1:
        y_true = ops.expand_dims(y_true, axis=-1)
        expected_last = (1,)
    elif len(true_shape) == len(pred_shape):
        expected_last = (1, count)
    else:
        expected_last = ()
    aligned_shape = tuple(y_true.shape)
    compatible = (
        len(aligned_shape) == len(pred_shape)
        and all(a is None or b is None or a == b for a, b in zip(aligned_shape[:-1], pred_shape[:-1]))
        and (aligned_shape[-1] is None or aligned_shape[-1] in expected_last)
    )
    if not compatible:
        raise ValueError(
            "y_true must have the shape of y_pred without its quantile axis, that shape with a "
            f"trailing axis of size 1, or the shape of y_pred, but received "
            f"y_true.shape={_validation._format_shape(true_shape)} and "
            f"y_pred.shape={_validation._format_shape(pred_shape)} for {count} quantiles."
        )
    return y_true, y_pred


def pinball(y_true, y_pred, quantiles=0.5):
    """Compute the pinball (quantile) loss per sample for one quantile or one column per quantile.

    Formula, for each element with `e = y_true - y_pred` and quantile `q`:

        loss = q * e          if e >= 0
        loss = (q - 1) * e    if e < 0

    which equals `max(q * e, (q - 1) * e)`, then the mean over the last axis.
    Its minimizer over `y_pred` is the `q`-quantile of `y_true`. At `e = 0`
    the gradient with respect to `y_pred` is `-q` on every backend (the
    subgradient of the `e >= 0` branch), not a backend's choice at a tie of
    `max`.

    Shapes:
        - `quantiles` a number: `y_true` and `y_pred` have one shape, up to a
          trailing axis of size 1, as for any Keras loss. Every element is
          scored at that one quantile.
        - `quantiles` a list of `K`: `y_pred` has shape `(..., K)`, column `j`
          the prediction of quantile `quantiles[j]`. `y_true` has shape
          `(...)` or `(..., 1)` and is broadcast across the `K` columns, or
          shape `(..., K)` for a target per column. A last axis of another
          size raises `ValueError`, and so does a list of one with more than
          one column.

    Args:
        y_true: targets.
        y_pred: predicted quantiles.
        quantiles: the quantile level `q`, a number in (0, 1), or a list of
            them in strictly increasing order, one per column of `y_pred`.
            Increasing order makes column order match quantile order, which
            the interval metrics rely on when they take the lowest and highest
            columns as an interval. Defaults to 0.5, half the absolute error.

    Returns:
        The loss per sample, with the shape of `y_pred` without its last axis.

    Raises:
        ValueError: `quantiles` is not a number in (0, 1) or a non-empty,
            strictly increasing list of them, or the shapes of `y_true` and
            `y_pred` do not fit the rules above.

    References:
        R. Koenker and G. Bassett, "Regression Quantiles", Econometrica 46(1), 1978.

    Example:

    >>> [float(v) for v in pinball([[2.0], [2.0]], [[1.0], [4.0]], quantiles=0.25)]
    [0.25, 1.5]
    >>> float(pinball([2.0], [[1.0, 2.0, 4.0]], quantiles=[0.25, 0.5, 0.75])[0])
    0.25
    """
    _validate_pinball(quantiles)
    if isinstance(quantiles, (list, tuple)):
        y_true, y_pred = _align_quantile_columns(y_true, y_pred, quantiles)
    else:
        y_true, y_pred = _validation.align_targets(y_true, y_pred)
    levels = ops.convert_to_tensor(quantiles, dtype=y_pred.dtype)
    error = y_true - y_pred
    # The indicator is a constant for autodiff, so the gradient is exactly
    # q - 1{e < 0}: q at e = 0 on every backend. `maximum` would give q on
    # TensorFlow but q - 0.5 on JAX and PyTorch, which split a tie.
    below = ops.cast(ops.less(error, 0), y_pred.dtype)
    elementwise = error * (levels - below)
    return ops.mean(elementwise, axis=-1)


Pinball = loss(
    pinball,
    package="keras_tailor",
    validate=_validate_pinball,
    doc="""Pinball (quantile) loss for one quantile or one output column per quantile.

    Formula, for each element with `e = y_true - y_pred` and quantile `q`:

        loss = max(q * e, (q - 1) * e)

    averaged over the last axis per sample, then reduced over the batch by
    `reduction`. With a list of `K` quantiles the model predicts `K` columns,
    column `j` trained towards the `quantiles[j]`-quantile of the target, and
    a target of shape `(N,)` or `(N, 1)` is broadcast across the columns. See
    `keras_tailor.losses.quantile.pinball` for the shape rules.

    Args:
        quantiles: a number in (0, 1), or a strictly increasing list of them,
            one per column of `y_pred`. Defaults to 0.5.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"` or `None`, as in `keras.losses.Loss`.
            `"mean_with_sample_weight"` divides by the sum of the weights, as
            scikit-learn's `mean_pinball_loss` does.
        name: the loss name. Defaults to `"pinball"`.
        dtype: the dtype of the computation. Defaults to `None`, which uses
            `keras.config.floatx()`.

    References:
        R. Koenker and G. Bassett, "Regression Quantiles", Econometrica 46(1), 1978.

    Example:

    >>> loss = Pinball(quantiles=[0.25, 0.5, 0.75])
    >>> float(loss([[2.0], [2.0]], [[1.0, 2.0, 4.0], [2.0, 2.0, 2.0]]))
    0.125
    """,
)
