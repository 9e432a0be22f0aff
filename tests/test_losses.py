"""Value, gradient and bad-input tests for `keras_tailor.losses.huber` and `Huber`.

Expected values come from hand-worked numbers, a numpy formula written here and,
for threshold 1, `torch.nn.functional.huber_loss` (torch 2.13.0). Every input is
a `keras.ops` tensor, so the file runs unchanged on each Keras backend.
"""

import math

import keras
import numpy as np
import pytest
from conftest import to_numpy
from keras import ops

import keras_tailor as kt
from keras_tailor.losses import Huber, huber
from keras_tailor.metrics import HuberMetric

THRESHOLDS = (0.5, 1.0, 2.5)
REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", None)


def reference_huber(y_true, y_pred, threshold):
    """Return the per-sample Huber loss in float64: the two-branch formula, then the mean over the last axis."""
    error = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    abs_error = np.abs(error)
    quadratic = 0.5 * error**2
    linear = threshold * abs_error - 0.5 * threshold**2
    return np.where(abs_error <= threshold, quadratic, linear).mean(axis=-1)


def reference_reduction(per_sample, sample_weight, reduction):
    """Reduce per-sample losses as `keras.losses.Loss` does in Keras 3.15.1.

    Weights multiply the per-sample values first. "sum_over_batch_size" and
    "mean" divide the weighted sum by the number of values, and
    "mean_with_sample_weight" divides it by the sum of the weights when weights
    are given, else by the number of values.
    """
    per_sample = np.asarray(per_sample, dtype=np.float64)
    weighted = per_sample if sample_weight is None else per_sample * np.asarray(sample_weight)
    if reduction is None:
        return weighted
    total = weighted.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return total / np.sum(sample_weight)
    return total / weighted.size


def gradient_wrt_prediction(scalar_function, y_pred):
    """Return the gradient of `scalar_function(y_pred)` with the autodiff of the active backend."""
    backend_name = keras.backend.backend()
    y_pred = np.asarray(y_pred, dtype="float32")
    if backend_name == "tensorflow":
        import tensorflow as tf

        watched = tf.constant(y_pred)
        with tf.GradientTape() as tape:
            tape.watch(watched)
            value = scalar_function(watched)
        return tape.gradient(value, watched).numpy()
    if backend_name == "jax":
        import jax

        return np.asarray(jax.grad(scalar_function)(jax.numpy.asarray(y_pred)))
    if backend_name == "torch":
        import torch

        leaf = torch.tensor(y_pred, requires_grad=True)
        scalar_function(leaf).backward()
        return leaf.grad.numpy()
    raise NotImplementedError(f"No gradient helper for the Keras backend {backend_name!r}.")


def huber_sum_gradient(y_true, y_pred, threshold):
    """Return d sum(huber(y_true, y_pred)) / d y_pred for targets of shape (N, 1)."""
    y_true = ops.convert_to_tensor(np.asarray(y_true, dtype="float32"))
    return gradient_wrt_prediction(lambda p: ops.sum(huber(y_true, p, threshold=threshold)), y_pred)


# Rows of (threshold t, error e, expected loss), below, at and above each t.
# Below t the loss is 0.5 * e**2, at |e| = t both branches give 0.5 * t**2,
# and above t it is t * |e| - 0.5 * t**2.
ELEMENT_CASES = [
    (0.5, 0.25, 0.03125),  # 0.5 * 0.25**2
    (0.5, -0.5, 0.125),  # 0.5 * 0.5**2
    (0.5, 2.0, 0.875),  # 0.5 * 2 - 0.5 * 0.25
    (1.0, 0.5, 0.125),  # 0.5 * 0.5**2
    (1.0, 1.0, 0.5),  # 0.5 * 1**2
    (1.0, -3.0, 2.5),  # 1 * 3 - 0.5
    (2.5, 1.0, 0.5),  # 0.5 * 1**2
    (2.5, -2.5, 3.125),  # 0.5 * 2.5**2
    (2.5, 4.0, 6.875),  # 2.5 * 4 - 0.5 * 6.25
]


@pytest.mark.parametrize("threshold, error, expected", ELEMENT_CASES)
def test_huber_element_hand_worked(threshold, error, expected):
    # A nonzero target shows that the loss depends on y_pred - y_true only.
    y_true = ops.convert_to_tensor([[1.5]])
    y_pred = ops.convert_to_tensor([[1.5 + error]])

    value = to_numpy(huber(y_true, y_pred, threshold=threshold))

    assert value.shape == (1,)
    np.testing.assert_allclose(value[0], expected, rtol=1e-6)


# Three samples of two elements with errors y_pred - y_true of
# [0.5, 1.0], [-3.0, 0.0] and [2.0, -0.25].
BATCH_TRUE = [[0.0, 0.0], [1.0, 1.0], [2.0, -2.0]]
BATCH_PRED = [[0.5, 1.0], [-2.0, 1.0], [4.0, -2.25]]
# Per-sample losses, each the mean of its two elements:
#   t = 0.5: (0.125 + 0.375) / 2,  (1.375 + 0) / 2,  (0.875 + 0.03125) / 2
#   t = 1:   (0.125 + 0.5) / 2,    (2.5 + 0) / 2,    (1.5 + 0.03125) / 2
#   t = 2.5: (0.125 + 0.5) / 2,    (4.375 + 0) / 2,  (2.0 + 0.03125) / 2
BATCH_PER_SAMPLE = {
    0.5: [0.25, 0.6875, 0.453125],
    1.0: [0.3125, 1.25, 0.765625],
    2.5: [0.3125, 2.1875, 1.015625],
}
BATCH_WEIGHTS = [2.0, 0.0, 0.5]


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_huber_per_sample_hand_worked(threshold):
    value = to_numpy(huber(ops.convert_to_tensor(BATCH_TRUE), ops.convert_to_tensor(BATCH_PRED), threshold))

    assert value.shape == (3,)
    np.testing.assert_allclose(value, BATCH_PER_SAMPLE[threshold], rtol=1e-6)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_huber_matches_numpy_formula(threshold):
    rng = np.random.default_rng(7)
    y_true = rng.normal(size=(16, 5)).astype("float32")
    # Errors drawn from [-3t, 3t] fall on both sides of the threshold t.
    y_pred = (y_true + rng.uniform(-3 * threshold, 3 * threshold, size=(16, 5))).astype("float32")

    value = to_numpy(huber(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), threshold))

    np.testing.assert_allclose(value, reference_huber(y_true, y_pred, threshold), rtol=1e-5, atol=1e-6)


def test_huber_matches_torch_huber_loss():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    y_true = rng.normal(size=(12, 4)).astype("float32")
    y_pred = (y_true + rng.uniform(-3.0, 3.0, size=(12, 4))).astype("float32")

    # torch 2.13.0: huber_loss(delta=1) is 0.5 * e**2 for |e| < 1, else |e| - 0.5.
    elementwise = torch.nn.functional.huber_loss(
        torch.from_numpy(y_pred), torch.from_numpy(y_true), reduction="none", delta=1.0
    )
    expected = elementwise.mean(dim=-1).numpy()

    value = to_numpy(huber(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), threshold=1.0))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


def test_huber_default_threshold_is_one():
    value = to_numpy(huber(ops.convert_to_tensor(BATCH_TRUE), ops.convert_to_tensor(BATCH_PRED)))

    np.testing.assert_allclose(value, BATCH_PER_SAMPLE[1.0], rtol=1e-6)


# At threshold 1 the per-sample losses are [0.3125, 1.25, 0.765625].
# Unweighted, the sum is 2.328125, and sum_over_batch_size, mean and
# mean_with_sample_weight all divide it by the 3 values, because with no
# weights mean_with_sample_weight divides by the count.
# With weights [2, 0, 0.5] the values are [0.625, 0, 0.3828125] and the sum is
# 1.0078125. Divided by 3 values (sum_over_batch_size, mean) it is 0.3359375,
# and divided by the weight sum 2.5 (mean_with_sample_weight) it is 0.403125.
HAND_WORKED_REDUCTIONS = [
    (None, False, [0.3125, 1.25, 0.765625]),
    ("sum", False, 2.328125),
    ("sum_over_batch_size", False, 2.328125 / 3),
    ("mean", False, 2.328125 / 3),
    ("mean_with_sample_weight", False, 2.328125 / 3),
    (None, True, [0.625, 0.0, 0.3828125]),
    ("sum", True, 1.0078125),
    ("sum_over_batch_size", True, 0.3359375),
    ("mean", True, 0.3359375),
    ("mean_with_sample_weight", True, 0.403125),
]


@pytest.mark.parametrize("reduction, weighted, expected", HAND_WORKED_REDUCTIONS)
def test_huber_class_reduction_hand_worked(reduction, weighted, expected):
    loss = Huber(threshold=1.0, reduction=reduction)
    sample_weight = ops.convert_to_tensor(BATCH_WEIGHTS) if weighted else None

    value = to_numpy(loss(ops.convert_to_tensor(BATCH_TRUE), ops.convert_to_tensor(BATCH_PRED), sample_weight))

    np.testing.assert_allclose(value, expected, rtol=1e-6)


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_huber_class_reduction_reference(threshold, reduction, weighted):
    loss = Huber(threshold=threshold, reduction=reduction)
    sample_weight = BATCH_WEIGHTS if weighted else None
    expected = reference_reduction(BATCH_PER_SAMPLE[threshold], sample_weight, reduction)

    value = loss(
        ops.convert_to_tensor(BATCH_TRUE),
        ops.convert_to_tensor(BATCH_PRED),
        None if sample_weight is None else ops.convert_to_tensor(sample_weight),
    )

    np.testing.assert_allclose(to_numpy(value), expected, rtol=1e-6)


def test_huber_class_default_arguments():
    loss = Huber()

    assert loss.threshold == 1.0
    assert loss.reduction == "sum_over_batch_size"
    assert loss.name == "huber"


def test_huber_rank_one_target_accepted():
    # Per-sample errors 0.5, 3.0 and -1.0 at threshold 1 give 0.125, 3 - 0.5 = 2.5 and 0.5.
    y_true = ops.convert_to_tensor([0.0, 0.0, 0.0])
    y_pred = ops.convert_to_tensor([[0.5], [3.0], [-1.0]])

    value = to_numpy(huber(y_true, y_pred))

    assert value.shape == (3,)
    np.testing.assert_allclose(value, [0.125, 2.5, 0.5], rtol=1e-6)


def test_huber_rank_one_prediction_accepted():
    y_true = ops.convert_to_tensor([[0.0], [0.0], [0.0]])
    y_pred = ops.convert_to_tensor([0.5, 3.0, -1.0])

    value = to_numpy(huber(y_true, y_pred))

    assert value.shape == (3,)
    np.testing.assert_allclose(value, [0.125, 2.5, 0.5], rtol=1e-6)


def test_huber_class_rank_one_target_weighted():
    # Weights [1, 0, 0] keep only the first sample: (1 * 0.125) / 3 values.
    loss = Huber()
    y_true = ops.convert_to_tensor([0.0, 0.0, 0.0])
    y_pred = ops.convert_to_tensor([[0.5], [3.0], [-1.0]])

    value = to_numpy(loss(y_true, y_pred, sample_weight=ops.convert_to_tensor([1.0, 0.0, 0.0])))

    np.testing.assert_allclose(value, 0.125 / 3, rtol=1e-6)


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_huber_gradient_continuous_at_threshold(threshold, sign):
    # Errors just below, exactly at and just above |error| = threshold. Both
    # 0.75 and 0.75 + t are exact in float32, so the middle row is exactly the tie.
    y_true = [[0.75], [0.75], [0.75]]
    below = sign * threshold * (1 - 1e-3)
    errors = [below, sign * threshold, sign * threshold * (1 + 1e-3)]
    y_pred = [[0.75 + error] for error in errors]

    gradient = huber_sum_gradient(y_true, y_pred, threshold)[:, 0]

    # Below the threshold the gradient is the error itself, at and above it is t * sign.
    np.testing.assert_allclose(gradient[0], below, rtol=1e-5)
    np.testing.assert_allclose(gradient[1], sign * threshold, rtol=1e-6)
    np.testing.assert_allclose(gradient[2], sign * threshold, rtol=1e-6)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_huber_gradient_zero_at_zero_error(threshold):
    gradient = huber_sum_gradient([[0.3], [-2.0]], [[0.3], [-2.0]], threshold)

    assert np.all(np.isfinite(gradient))
    np.testing.assert_array_equal(gradient, np.zeros((2, 1), dtype="float32"))


def test_huber_gradient_divided_by_last_axis():
    # The per-sample loss is a mean over 4 elements, so each element's gradient
    # is its own divided by 4: 0.5 / 4 below the threshold, 1 / 4 and -1 / 4 above it.
    y_true = ops.convert_to_tensor([[0.0, 0.0, 0.0, 0.0]])
    gradient = gradient_wrt_prediction(
        lambda p: ops.sum(huber(y_true, p, threshold=1.0)), [[0.5, 3.0, -3.0, 0.0]]
    )

    np.testing.assert_allclose(gradient, [[0.125, 0.25, -0.25, 0.0]], rtol=1e-6)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_huber_huge_error_finite(threshold):
    # |error| = 1e30 is far above t: the value is t * 1e30 - 0.5 * t**2, which is
    # t * 1e30 in float32, and the gradient is t * sign(error).
    y_true = [[0.0], [0.0]]
    y_pred = [[1e30], [-1e30]]

    value = to_numpy(huber(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), threshold))
    gradient = huber_sum_gradient(y_true, y_pred, threshold)

    assert np.all(np.isfinite(value))
    np.testing.assert_allclose(value, [threshold * 1e30, threshold * 1e30], rtol=1e-6)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient[:, 0], [threshold, -threshold], rtol=1e-6)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_huber_tiny_error_finite(threshold):
    # |error| = 1e-30 is quadratic: 0.5 * 1e-60 underflows float32 to 0, and
    # the gradient is the error itself, 1e-30, a normal float32 number.
    y_true = [[0.0], [0.0]]
    y_pred = [[1e-30], [-1e-30]]

    value = to_numpy(huber(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred), threshold))
    gradient = huber_sum_gradient(y_true, y_pred, threshold)

    assert np.all(np.isfinite(value))
    np.testing.assert_allclose(value, [0.0, 0.0], atol=1e-40)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient[:, 0], [1e-30, -1e-30], rtol=1e-5)


def test_huber_huge_targets_finite():
    # Equal huge targets and predictions give error 0, so value 0 and gradient 0.
    y_true = [[1e30], [-1e30]]

    value = to_numpy(huber(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_true)))
    gradient = huber_sum_gradient(y_true, y_true, 1.0)

    np.testing.assert_array_equal(value, [0.0, 0.0])
    np.testing.assert_array_equal(gradient, np.zeros((2, 1), dtype="float32"))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_huber_mixed_precision_trains(policy):
    keras.config.set_dtype_policy(policy)

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=Huber(threshold=1.0), metrics=[HuberMetric(threshold=1.0)])
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = (3.0 * x[:, :1]).astype("float32")

    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)

    assert model.layers[-1].compute_dtype == policy.removeprefix("mixed_")
    assert math.isfinite(history.history["loss"][0])
    assert math.isfinite(history.history["huber"][0])


# Each invalid threshold with the text its repr puts into the message.
INVALID_THRESHOLDS = [0, -1, 0.0, -1.0, float("nan"), float("inf"), True, "1"]


@pytest.mark.parametrize("threshold", INVALID_THRESHOLDS, ids=repr)
def test_huber_invalid_threshold_raises(threshold):
    with pytest.raises(ValueError) as error:
        huber(ops.convert_to_tensor([[0.0]]), ops.convert_to_tensor([[1.0]]), threshold=threshold)

    assert "threshold" in str(error.value)
    assert repr(threshold) in str(error.value)


@pytest.mark.parametrize("threshold", INVALID_THRESHOLDS, ids=repr)
def test_huber_class_invalid_threshold_raises(threshold):
    with pytest.raises(ValueError) as error:
        Huber(threshold=threshold)

    assert "threshold" in str(error.value)
    assert repr(threshold) in str(error.value)


# Each pair of shapes that must not broadcast, with the text of both shapes.
MISMATCHED_SHAPES = [
    ((4, 1), (4, 3), "(4, 1)", "(4, 3)"),
    ((4, 2), (3, 2), "(4, 2)", "(3, 2)"),
    ((4,), (4, 3), "(4,)", "(4, 3)"),
    ((4, 3), (4,), "(4, 3)", "(4,)"),
]


@pytest.mark.parametrize("true_shape, pred_shape, true_text, pred_text", MISMATCHED_SHAPES)
def test_huber_mismatched_shapes_raise(true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        huber(ops.zeros(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


@pytest.mark.parametrize("true_shape, pred_shape, true_text, pred_text", MISMATCHED_SHAPES)
def test_huber_class_mismatched_shapes_raise(true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        Huber()(ops.zeros(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


# The PyTorch fast path of Huber against its keras.ops formula.

FAST_PATH_EDGES = [0.0, 1e-30, -1e-30, 1e-7, 0.75, -0.75, 0.7500001, 3.0, -3.0, 1e18, -1e18]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight"])
def test_huber_fast_path_matches_formula(backend, reduction):
    """On PyTorch, Huber reduces with torch's one-kernel huber_loss; values and gradients equal `huber`'s."""
    if backend != "torch":
        assert kt.losses.robust._fused_torch_huber(np.zeros((2, 2)), np.ones((2, 2)), reduction) is None
        return
    import torch

    y_pred_values = np.asarray(FAST_PATH_EDGES * 2, dtype="float32").reshape(2, -1)
    y_true = torch.zeros(y_pred_values.shape)
    fast_input = torch.tensor(y_pred_values, requires_grad=True)
    reference_input = torch.tensor(y_pred_values, requires_grad=True)
    loss = kt.losses.Huber(threshold=0.75, reduction=reduction)

    fast = loss(y_true, fast_input)
    fast.backward()
    per_sample = kt.losses.huber(y_true, reference_input, threshold=0.75)
    reference = per_sample.sum() if reduction == "sum" else per_sample.mean()
    reference.backward()

    assert kt.losses.robust._fused_torch_huber(y_true, fast_input, reduction, threshold=0.75) is not None
    np.testing.assert_allclose(fast.item(), reference.item(), rtol=1e-6)
    np.testing.assert_allclose(fast_input.grad.numpy(), reference_input.grad.numpy(), rtol=1e-6, atol=0)
    # At |error| = t the gradient is t * sign(error) over the element count, on both paths.
    count = y_pred_values.shape[1] if reduction == "sum" else y_pred_values.size
    assert fast_input.grad[0, 4].item() == pytest.approx(0.75 / count, rel=1e-6)


def test_huber_fast_path_declines_other_inputs(backend):
    if backend != "torch":
        pytest.skip("the fast path exists on the PyTorch backend only")
    fused = kt.losses.robust._fused_torch_huber
    import torch

    assert fused(torch.zeros(4), torch.zeros(4, 1), "sum_over_batch_size") is None
    assert fused(torch.zeros(4, 2, dtype=torch.float16), torch.zeros(4, 2, dtype=torch.float16), "sum") is None
    assert fused(torch.zeros(0, 2), torch.zeros(0, 2), "sum") is None
    weighted = kt.losses.Huber(reduction="sum")([[0.0], [0.0]], [[2.0], [0.5]], sample_weight=[0.0, 2.0])
    # 0 * (2 - 0.5) + 2 * 0.5 * 0.5**2 = 0.25, from the keras.ops formula.
    assert float(to_numpy(weighted)) == pytest.approx(0.25)
