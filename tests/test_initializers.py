"""Orthogonality, centre tap, dtype, seeding and argument checks of `DeltaOrthogonal`."""

import re

import keras
import numpy as np
import pytest
from keras import ops

from conftest import to_numpy
from keras_tailor.initializers import DeltaOrthogonal, delta_orthogonal


def shape_id(shape):
    return "x".join(str(size) for size in shape)


# Convolution kernel shapes with the index of the centre tap, (k - 1) // 2 on each spatial axis.
CONV_CASES = [
    pytest.param(shape, centre, id=shape_id(shape))
    for shape, centre in [
        ((3, 4, 8), (1,)),
        ((4, 4, 8), (1,)),
        ((3, 3, 4, 8), (1, 1)),
        ((5, 3, 8, 4), (2, 1)),
        ((2, 2, 4, 4), (0, 0)),
        ((3, 3, 3, 4, 4), (1, 1, 1)),
    ]
]


def draw_kernel(shape, gain=1.0, seed=0, dtype="float32"):
    return DeltaOrthogonal(gain=gain, seed=seed)(shape, dtype=dtype)


def assert_orthogonal(matrix, gain, atol):
    """Assert that the rows or the columns of `matrix`, whichever are fewer, are orthogonal with norm `gain`."""
    matrix = np.asarray(matrix, dtype=np.float64)
    rows, columns = matrix.shape
    gram = matrix @ matrix.T if rows <= columns else matrix.T @ matrix
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, columns)), rtol=0.0, atol=atol * gain**2)


@pytest.mark.parametrize("gain", [1.0, 2.5])
@pytest.mark.parametrize("shape", [(8, 8), (4, 8), (8, 4)], ids=shape_id)
def test_delta_orthogonal_dense_is_orthogonal(shape, gain):
    kernel = to_numpy(draw_kernel(shape, gain=gain, seed=3))

    assert kernel.shape == shape
    assert_orthogonal(kernel, gain, atol=1e-5)


def test_delta_orthogonal_square_both_products():
    kernel = to_numpy(draw_kernel((8, 8), gain=1.5, seed=3)).astype(np.float64)

    np.testing.assert_allclose(kernel @ kernel.T, 2.25 * np.eye(8), atol=1e-5)
    np.testing.assert_allclose(kernel.T @ kernel, 2.25 * np.eye(8), atol=1e-5)


def test_delta_orthogonal_square_not_identity():
    kernel = to_numpy(draw_kernel((8, 8), seed=3))

    assert not np.allclose(np.abs(kernel), np.eye(8), atol=1e-3)


@pytest.mark.parametrize("shape, centre", CONV_CASES)
def test_delta_orthogonal_conv_centre_tap(shape, centre):
    kernel = to_numpy(draw_kernel(shape, gain=1.5, seed=4))

    centre_matrix = kernel[centre].copy()
    off_centre = kernel.copy()
    off_centre[centre] = 0.0

    assert kernel.shape == shape
    assert centre_matrix.shape == shape[-2:]
    assert np.count_nonzero(off_centre) == 0
    assert_orthogonal(centre_matrix, 1.5, atol=1e-5)


@pytest.mark.parametrize("shape, centre", [((3, 3, 4, 8), (1, 1)), ((8, 4), ())], ids=["conv", "dense"])
def test_delta_orthogonal_float16_kernel(shape, centre):
    kernel = draw_kernel(shape, gain=2.0, seed=5, dtype="float16")

    centre_matrix = to_numpy(kernel)[centre]

    assert keras.backend.standardize_dtype(kernel.dtype) == "float16"
    assert_orthogonal(centre_matrix, 2.0, atol=5e-3)


def test_delta_orthogonal_float32_kernel():
    kernel = draw_kernel((3, 3, 4, 8), seed=5, dtype="float32")

    assert keras.backend.standardize_dtype(kernel.dtype) == "float32"


def test_delta_orthogonal_dtype_none_is_floatx():
    initializer = DeltaOrthogonal(seed=6)
    default_kernel = initializer((4, 4), dtype=None)
    keras.config.set_floatx("float16")
    try:
        float16_kernel = initializer((4, 4), dtype=None)
    finally:
        keras.config.set_floatx("float32")

    assert keras.backend.standardize_dtype(default_kernel.dtype) == "float32"
    assert keras.backend.standardize_dtype(float16_kernel.dtype) == "float16"


def test_delta_orthogonal_same_seed_repeats():
    first_call = to_numpy(DeltaOrthogonal(seed=11)((3, 3, 4, 8)))
    second_call = to_numpy(DeltaOrthogonal(seed=11)((3, 3, 4, 8)))

    np.testing.assert_array_equal(first_call, second_call)


def test_delta_orthogonal_same_instance_repeats():
    initializer = DeltaOrthogonal(seed=11)

    first_call = to_numpy(initializer((6, 6)))
    second_call = to_numpy(initializer((6, 6)))

    np.testing.assert_array_equal(first_call, second_call)


def test_delta_orthogonal_different_seeds_differ():
    first_seed = to_numpy(DeltaOrthogonal(seed=11)((6, 6)))
    second_seed = to_numpy(DeltaOrthogonal(seed=12)((6, 6)))

    assert not np.allclose(first_seed, second_seed)


def test_delta_orthogonal_no_seed_differs():
    initializer = DeltaOrthogonal()

    first_call = to_numpy(initializer((6, 6)))
    second_call = to_numpy(initializer((6, 6)))

    assert not np.allclose(first_call, second_call)


def test_delta_orthogonal_function_matches_class():
    from_function = to_numpy(delta_orthogonal((3, 4, 8), "float32", gain=2.0, seed=4))
    from_class = to_numpy(DeltaOrthogonal(gain=2.0, seed=4)((3, 4, 8), dtype="float32"))

    np.testing.assert_array_equal(from_function, from_class)


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_delta_orthogonal_conv2d_preserves_norm(gain):
    layer = keras.layers.Conv2D(
        8, 3, padding="same", use_bias=False, kernel_initializer=DeltaOrthogonal(gain=gain, seed=7)
    )
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 4)).astype("float32")

    y = to_numpy(layer(ops.convert_to_tensor(x)))
    centre_matrix = to_numpy(layer.kernel)[1, 1]

    # With 4 input and 8 output channels the centre matrix has orthonormal rows,
    # so every pixel's channel vector keeps its norm, times the gain.
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), gain * np.linalg.norm(x, axis=-1), rtol=1e-5)
    np.testing.assert_allclose(y, x @ centre_matrix, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(4,), ()], ids=["rank1", "rank0"])
def test_delta_orthogonal_rejects_low_rank_shape(shape):
    with pytest.raises(ValueError, match=re.escape(f"shape={shape}")):
        DeltaOrthogonal(seed=1)(shape)


@pytest.mark.parametrize("gain", [0, 0.0, -1.0, float("nan"), float("inf"), True, "1", None])
def test_delta_orthogonal_rejects_invalid_gain(gain):
    pattern = "gain.*" + re.escape(f"received {gain!r}")

    with pytest.raises(ValueError, match=pattern):
        DeltaOrthogonal(gain=gain)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3", 2.0])
def test_delta_orthogonal_rejects_invalid_seed(seed):
    pattern = "seed.*" + re.escape(f"received {seed!r}")

    with pytest.raises(ValueError, match=pattern):
        DeltaOrthogonal(seed=seed)


def test_delta_orthogonal_function_rejects_gain():
    with pytest.raises(ValueError, match="gain.*received -2.0"):
        delta_orthogonal((4, 4), "float32", gain=-2.0)


def test_delta_orthogonal_config():
    initializer = DeltaOrthogonal(gain=2.0, seed=7)

    assert initializer.get_config() == {"gain": 2.0, "seed": 7}
    assert DeltaOrthogonal().get_config() == {"gain": 1.0, "seed": None}


def test_delta_orthogonal_config_round_trip():
    initializer = DeltaOrthogonal(gain=2.0, seed=7)

    restored = DeltaOrthogonal.from_config(initializer.get_config())

    assert restored.get_config() == initializer.get_config()
    np.testing.assert_array_equal(to_numpy(restored((3, 4, 4))), to_numpy(initializer((3, 4, 4))))


def test_delta_orthogonal_serialize_round_trip():
    serialized = keras.saving.serialize_keras_object(DeltaOrthogonal(gain=0.5, seed=2))

    restored = keras.initializers.get(serialized)

    assert serialized["registered_name"] == "keras_tailor>DeltaOrthogonal"
    assert isinstance(restored, DeltaOrthogonal)
    assert restored.get_config() == {"gain": 0.5, "seed": 2}
