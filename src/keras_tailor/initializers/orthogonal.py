"""Orthogonal initializers for dense and convolution kernels."""

import keras
from keras import ops

from keras_tailor import _validation
from keras_tailor.authoring import initializer


def _validate_delta_orthogonal(gain=1.0, seed=None):
    _validation.check_positive("gain", gain)
    _validation.check_seed("seed", seed)


def _random_orthogonal(rows, columns, seed):
    """Draw a `rows x columns` matrix with orthonormal rows or columns, whichever are fewer.

    QR of a Gaussian matrix gives Q; multiplying each column by the sign of
    R's diagonal makes Q uniformly (Haar) distributed rather than biased by
    the QR convention. Computed in float32 because not every backend runs QR
    in float16.
    """
    tall = max(rows, columns), min(rows, columns)
    gaussian = keras.random.normal(tall, dtype="float32", seed=seed)
    q, r = ops.qr(gaussian, mode="reduced")
    signs = ops.sign(ops.diagonal(r))
    signs = ops.where(signs == 0, ops.ones_like(signs), signs)
    q = q * signs[None, :]
    return q if rows >= columns else ops.transpose(q)


def delta_orthogonal(shape, dtype, gain=1.0, seed=None):
    """Return a kernel that is orthogonal at the spatial centre and zero elsewhere.

    For a 2-D kernel `(inputs, outputs)` the result is `gain * Q`, a random
    matrix with orthonormal rows or columns (whichever are fewer). For a
    convolution kernel `(*spatial, inputs, outputs)`, the same matrix sits at
    the spatial centre (index `(k - 1) // 2` on each spatial axis of size `k`)
    and every other tap is 0, so at initialization the convolution is an
    orthogonal map of the channels and preserves the norm of the signal when
    `inputs <= outputs` and `gain = 1`.

    Args:
        shape: the kernel shape, of rank 2 or more.
        dtype: the dtype name of the result.
        gain: the scale applied to the orthogonal matrix. A finite number > 0.
            Defaults to 1.0.
        seed: None, or an integer >= 0. With an integer every call returns the
            same kernel.

    Returns:
        A tensor of the given shape and dtype.

    Raises:
        ValueError: `gain` or `seed` is invalid, or `shape` has rank below 2.

    References:
        Lechao Xiao, Yasaman Bahri, Jascha Sohl-Dickstein, Samuel Schoenholz,
        Jeffrey Pennington, "Dynamical Isometry and a Mean Field Theory of CNNs:
        How to Train 10,000-Layer Vanilla Convolutional Neural Networks",
        ICML 2018 (the delta-orthogonal initialization).
    """
    _validate_delta_orthogonal(gain, seed)
    shape = tuple(int(d) for d in shape)
    if len(shape) < 2:
        raise ValueError(
            f"DeltaOrthogonal needs a kernel shape of rank 2 or more, but received shape={shape}."
        )
    *spatial, rows, columns = shape
    matrix = gain * _random_orthogonal(rows, columns, seed)
    if spatial:
        centre = [(size - 1) // 2 for size in spatial]
        padding = [[c, size - 1 - c] for c, size in zip(centre, spatial)] + [[0, 0], [0, 0]]
        matrix = ops.reshape(matrix, (1,) * len(spatial) + (rows, columns))
        matrix = ops.pad(matrix, padding)
    return ops.cast(matrix, dtype)


DeltaOrthogonal = initializer(
    delta_orthogonal,
    package="keras_tailor",
    validate=_validate_delta_orthogonal,
    doc="""Delta-orthogonal initializer: an orthogonal matrix at the kernel's spatial centre.

    For a 2-D kernel `(inputs, outputs)` it draws `gain * Q` with orthonormal
    rows or columns (whichever are fewer), like `keras.initializers.Orthogonal`.
    For a convolution kernel `(*spatial, inputs, outputs)` it puts that matrix
    at the spatial centre (index `(k - 1) // 2` on each spatial axis) and zeros
    elsewhere, so a deep plain CNN starts as an orthogonal map of its channels.

    Args:
        gain: the scale of the orthogonal matrix. A finite number > 0.
            Defaults to 1.0.
        seed: None, or an integer >= 0. With an integer every call returns the
            same kernel, so use a different seed for each layer.

    References:
        Xiao et al., "Dynamical Isometry and a Mean Field Theory of CNNs",
        ICML 2018.

    Example:

    >>> layer = keras.layers.Conv2D(16, 3, kernel_initializer=DeltaOrthogonal(seed=1))
    """,
)
