"""Label and prediction handling for the confusion-matrix metrics in `classification.py`.

Every metric there turns `y_true` and `y_pred` into one class per sample, or
one 0/1 decision per label, with the functions here. So all of them accept the
same formats and reject the same mistakes.

Single-label inputs, with `C = num_classes` (at least 2) and `N` samples:

- `y_true` of shape `(N,)` or `(N, 1)` contains class ids, of an integer or
  float dtype. Float ids must be whole numbers, and inside a compiled function,
  where that cannot be checked, they are rounded.
- `y_true` of shape `(N, C)` contains one-hot rows. Each row counts as its
  largest entry, so a soft label counts as its most likely class.
- `y_pred` of shape `(N, C)` contains probabilities, logits or any other
  scores. Each row counts as the class with the largest score, and the lowest
  class id wins a tie. A row with a NaN score counts in no cell. `from_logits`
  leaves these predictions unchanged, because softmax keeps the order of the
  scores.
- `y_pred` of shape `(N,)` or `(N, 1)` with an integer or bool dtype contains
  class ids.
- `y_pred` of shape `(N,)` or `(N, 1)` with a float dtype is the probability
  of class 1, which needs `C = 2`. A sample is class 1 when the probability is
  greater than `threshold`, or, with `from_logits=True`, when the logit is
  greater than `log(threshold / (1 - threshold))`. Float class ids 0.0 and
  1.0 give the same classes.

Any other pair of shapes raises `ValueError` naming both, and nothing is
broadcast: a rank above 2, a last axis other than 1 or `C`, different sample
counts, or a float `y_pred` with one column when `C > 2`. That last case is
usually a one-unit model head on a multiclass problem. Broadcasting instead is
how `keras.metrics.F1Score` in Keras 3.15.1 turns `(N, 1)` integer labels with
`(N, C)` predictions into a plausible but wrong value.

Multilabel inputs, with `L = num_labels`: `y_true` and `y_pred` both have
shape `(N, L)`, or `(N,)` when `L = 1`. `y_true` contains 0/1 indicators.
`y_pred` contains probabilities or logits, compared with `threshold` as in the
binary case above, or 0/1 decisions of an integer or bool dtype.

Values are checked when they can be read, which means outside a compiled
function: eager TensorFlow, un-jitted JAX and eager PyTorch, which includes
`model.fit` on PyTorch. Class ids outside `[0, C)`, float ids that are not
whole numbers and multilabel indicators other than 0 and 1 raise `ValueError`
there. Inside a compiled function (`model.fit` on TensorFlow and JAX) the
values cannot be read, so a row with an out-of-range class id adds to no cell
of the matrix, and a nonzero multilabel indicator counts as 1.

`sample_weight` is one weight per sample: a scalar, or a tensor of shape
`(N,)` or `(N, 1)`.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_tailor import _validation

_format_shape = _validation._format_shape


def _is_float(tensor):
    return keras.backend.standardize_dtype(tensor.dtype).startswith(("float", "bfloat"))


def _concrete_value(tensor):
    """Return `tensor` as a numpy array, or None inside a compiled function where its values are unknown.

    Outside a compiled function this copies the values to the host, one
    synchronisation per call on an accelerator.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if not tf.executing_eagerly():
            return None
    elif backend == "jax":
        import jax

        if isinstance(tensor, jax.core.Tracer):
            return None
    elif backend == "torch":
        import torch

        if torch.compiler.is_compiling():
            return None
    return np.asarray(ops.convert_to_numpy(tensor))


def _shape_error(problem, y_true, y_pred, advice):
    return ValueError(
        f"{problem}, but received y_true.shape={_format_shape(tuple(y_true.shape))} and "
        f"y_pred.shape={_format_shape(tuple(y_pred.shape))}. {advice}"
    )


def _check_sample_counts(y_true, y_pred, problem, advice):
    true_count, pred_count = y_true.shape[0], y_pred.shape[0]
    if true_count is not None and pred_count is not None and true_count != pred_count:
        raise _shape_error(problem, y_true, y_pred, advice)


def _check_class_ids(name, tensor, num_classes):
    """Raise `ValueError` if the readable values of `tensor` are not whole numbers in `[0, num_classes)`."""
    original = _concrete_value(tensor)
    if original is None or original.size == 0:
        return
    values = original.astype("float64")
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values >= num_classes)
    if bad.any():
        index = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"Invalid {name}: class ids must be whole numbers in [0, {num_classes}) for "
            f"num_classes={num_classes}, but received {original.ravel()[index].item()!r} at flat index {index}. "
            "Pass whole class ids from 0 to num_classes - 1, or raise num_classes if a class is missing."
        )


def _check_indicators(name, tensor):
    """Raise `ValueError` if the readable values of `tensor` are not all 0 or 1."""
    original = _concrete_value(tensor)
    if original is None or original.size == 0:
        return
    values = original.astype("float64")
    bad = (values != 0) & (values != 1)
    if bad.any():
        index = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"Invalid {name}: multilabel indicators must be 0 or 1, but received "
            f"{original.ravel()[index].item()!r} at flat index {index}."
        )


def _decision_cut(threshold, from_logits):
    """Return the value a probability, or a logit when `from_logits`, must exceed to count as positive."""
    if from_logits:
        # sigmoid(z) > t if and only if z > log(t / (1 - t)), and this form needs no sigmoid.
        return math.log(threshold / (1.0 - threshold))
    return threshold


def _first_largest_index(scores, num_classes):
    """Return, per row, the index of the largest score, the lowest index on a tie.

    The row maximum of scores with a NaN is NaN, which equals no entry, so such
    a row gets `num_classes` and counts in no cell on every backend.
    `ops.argmax` would pick a class for it that differs between backends:
    TensorFlow 2.21 skips the NaN, and JAX and PyTorch return its index.
    """
    if scores.shape[0] == 0:
        # Eager TensorFlow and PyTorch reject the maximum of a tensor with no elements.
        return ops.zeros((0,), dtype="int32")
    largest = ops.max(scores, axis=-1, keepdims=True)
    indices = ops.arange(num_classes, dtype="int32")
    candidates = ops.where(ops.equal(scores, largest), indices, ops.full_like(indices, num_classes))
    return ops.min(candidates, axis=-1)


def _squeeze_last(tensor):
    return ops.squeeze(tensor, axis=-1) if len(tensor.shape) == 2 else tensor


def _true_class_ids(y_true, y_pred, num_classes):
    rank = len(y_true.shape)
    if rank == 2 and y_true.shape[-1] == num_classes:
        return _first_largest_index(y_true, num_classes)
    if rank == 1 or (rank == 2 and y_true.shape[-1] == 1):
        _check_class_ids("y_true", y_true, num_classes)
        y_true = _squeeze_last(y_true)
        if _is_float(y_true):
            y_true = ops.round(y_true)
        return ops.cast(y_true, "int32")
    raise _shape_error(
        f"y_true must have shape (N,) or (N, 1) with class ids, or (N, {num_classes}) with one-hot rows "
        f"for num_classes={num_classes}",
        y_true,
        y_pred,
        "Pass labels in one of these shapes.",
    )


def _pred_class_ids(y_true, y_pred, num_classes, threshold, from_logits):
    rank = len(y_pred.shape)
    if rank == 2 and y_pred.shape[-1] == num_classes:
        return _first_largest_index(y_pred, num_classes)
    if not (rank == 1 or (rank == 2 and y_pred.shape[-1] == 1)):
        raise _shape_error(
            f"y_pred must have shape (N, {num_classes}) with one score per class, or (N,) or (N, 1) "
            f"for num_classes={num_classes}",
            y_true,
            y_pred,
            "Pass predictions in one of these shapes.",
        )
    if not _is_float(y_pred):
        _check_class_ids("y_pred", y_pred, num_classes)
        return ops.cast(_squeeze_last(y_pred), "int32")
    if num_classes != 2:
        raise _shape_error(
            f"A float y_pred with one column is the probability of class 1, which fits only num_classes=2, "
            f"not num_classes={num_classes}",
            y_true,
            y_pred,
            f"Pass y_pred of shape (N, {num_classes}) with one score per class, or integer class ids.",
        )
    positive = ops.greater(_squeeze_last(y_pred), _decision_cut(threshold, from_logits))
    return ops.cast(positive, "int32")


def class_ids(y_true, y_pred, num_classes, threshold=0.5, from_logits=False):
    """Return the true and predicted class of each sample as two int32 tensors of shape `(N,)`.

    The module docstring lists the accepted shapes.

    Raises:
        ValueError: the shapes do not fit `num_classes` or each other, or a
            readable class id is not a whole number in `[0, num_classes)`.
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_true.shape) == 0 or len(y_pred.shape) == 0:
        raise _shape_error(
            "y_true and y_pred must have one row per sample", y_true, y_pred, "Pass arrays of rank 1 or 2."
        )
    _check_sample_counts(
        y_true, y_pred, "y_true and y_pred must have the same number of samples", "Pass one label per prediction."
    )
    true_ids = _true_class_ids(y_true, y_pred, num_classes)
    pred_ids = _pred_class_ids(y_true, y_pred, num_classes, threshold, from_logits)
    return true_ids, pred_ids


def label_decisions(y_true, y_pred, num_labels, threshold=0.5, from_logits=False):
    """Return the true and predicted 0/1 decisions as two bool tensors of shape `(N, num_labels)`.

    Raises:
        ValueError: the shapes are not both `(N, num_labels)`, or a readable
            indicator is not 0 or 1.
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    if num_labels == 1:
        y_true = ops.expand_dims(y_true, -1) if len(y_true.shape) == 1 else y_true
        y_pred = ops.expand_dims(y_pred, -1) if len(y_pred.shape) == 1 else y_pred
    for tensor in (y_true, y_pred):
        if len(tensor.shape) != 2 or tensor.shape[-1] != num_labels:
            raise _shape_error(
                f"y_true and y_pred must both have shape (N, {num_labels}) for num_labels={num_labels}",
                y_true,
                y_pred,
                "Pass one column per label.",
            )
    _check_sample_counts(
        y_true, y_pred, "y_true and y_pred must have the same number of samples", "Pass one label row per prediction row."
    )
    _check_indicators("y_true", y_true)
    true_positive = ops.not_equal(y_true, ops.zeros_like(y_true))
    if _is_float(y_pred):
        predicted_positive = ops.greater(y_pred, _decision_cut(threshold, from_logits))
    else:
        _check_indicators("y_pred", y_pred)
        predicted_positive = ops.not_equal(y_pred, ops.zeros_like(y_pred))
    return true_positive, predicted_positive


def sample_weights(sample_weight, count_like, dtype):
    """Return one weight per sample, shape `(N,)` in `dtype`: ones when `sample_weight` is None.

    `count_like` is any tensor of shape `(N,)`. A weight tensor that is not a
    scalar, `(N,)` or `(N, 1)` raises `ValueError`.
    """
    values = ops.ones_like(count_like, dtype=dtype)
    if sample_weight is None:
        return values
    return _validation.broadcast_sample_weight(sample_weight, values)


def confusion_counts(true_ids, pred_ids, num_classes, sample_weight, dtype):
    """Return the `(num_classes, num_classes)` matrix of summed weights, rows true classes, columns predicted.

    A row with a class id outside `[0, num_classes)` adds to no cell.
    """
    weights = sample_weights(sample_weight, true_ids, dtype)
    valid = ops.logical_and(
        ops.logical_and(ops.greater_equal(true_ids, 0), ops.less(true_ids, num_classes)),
        ops.logical_and(ops.greater_equal(pred_ids, 0), ops.less(pred_ids, num_classes)),
    )
    cells = ops.where(valid, true_ids * num_classes + pred_ids, ops.zeros_like(true_ids))
    weights = ops.where(valid, weights, ops.zeros_like(weights))
    # A segment sum adds each weight in full precision. A one-hot matrix product
    # would do the same work, but TensorFlow 2.21 runs float32 matrix products
    # in TF32 by default on NVIDIA GPUs from Ampere on, which rounds a weight
    # such as 0.3 to 10 mantissa bits.
    # NOTE: on PyTorch, Keras 3.15.1's segment_sum adds in float32 even for
    # dtype="float64", so float64 counts there are only float32-exact.
    counts = ops.segment_sum(weights, cells, num_segments=num_classes * num_classes)
    return ops.reshape(ops.cast(counts, dtype), (num_classes, num_classes))


def multilabel_counts(true_positive, predicted_positive, sample_weight, dtype):
    """Return the `(num_labels, 2, 2)` matrices `[[tn, fp], [fn, tp]]` of summed weights, one per label."""
    weights = sample_weights(sample_weight, ops.cast(true_positive[:, 0], dtype), dtype)
    weights = ops.expand_dims(weights, -1)
    truth = ops.cast(true_positive, dtype)
    predicted = ops.cast(predicted_positive, dtype)
    true_negatives = ops.sum(weights * (1 - truth) * (1 - predicted), axis=0)
    false_positives = ops.sum(weights * (1 - truth) * predicted, axis=0)
    false_negatives = ops.sum(weights * truth * (1 - predicted), axis=0)
    true_positives = ops.sum(weights * truth * predicted, axis=0)
    negatives = ops.stack([true_negatives, false_positives], axis=-1)
    positives = ops.stack([false_negatives, true_positives], axis=-1)
    return ops.stack([negatives, positives], axis=1)
