"""Regularizers that push weights towards exact zeros."""

from keras import ops

from keras_tailor import _validation
from keras_tailor.authoring import regularizer


def _validate_l1(factor=0.01):
    _validation.check_non_negative("factor", factor)


def l1(weights, factor=0.01):
    """Compute the L1 penalty `factor * sum(|w|)` of a weight tensor.

    Args:
        weights: the weight tensor or variable.
        factor: the penalty per unit of absolute weight. A finite number >= 0.
            Defaults to 0.01.

    Returns:
        A scalar tensor.

    Example:

    >>> float(l1([[1.0, -2.0], [0.5, 0.0]], factor=0.1))
    0.35
    """
    _validate_l1(factor)
    weights = ops.convert_to_tensor(weights)
    return ops.cast(factor, weights.dtype) * ops.sum(ops.abs(weights))


L1 = regularizer(
    l1,
    package="keras_tailor",
    validate=_validate_l1,
    doc="""L1 weight penalty `factor * sum(|w|)`, with `factor` saved in its config.

    Args:
        factor: the penalty per unit of absolute weight. A finite number >= 0.
            Defaults to 0.01.

    Example:

    >>> layer = keras.layers.Dense(4, kernel_regularizer=L1(factor=1e-4))
    """,
)
