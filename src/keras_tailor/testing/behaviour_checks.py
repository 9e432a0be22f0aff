"""Checks that run the component: numerics, losses' reductions, metrics' streaming, and the rest."""

import math

import keras
import numpy as np
from keras import ops

from keras_tailor.testing import models
from keras_tailor.testing.gradients import value_and_gradient
from keras_tailor.testing.report import FAILED, PASSED, SKIPPED

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
# Largest magnitude whose square stays finite in float32 (about 1.8e19), with margin.
LARGE = 1e18
TINY = 1e-30


def _numeric_hyperparameters(instance):
    """Return the positive numeric hyperparameters, used as edge magnitudes (exact thresholds)."""
    try:
        config = instance.get_config()
    except (NotImplementedError, AttributeError):
        return []
    values = []
    for key, value in config.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("seed",) and 0 < value < 1e6:
            values.append(float(value))
    return values


def _edge_values(magnitudes):
    base = [0.0, TINY, -TINY, 1.0, -1.0, LARGE, -LARGE]
    for magnitude in magnitudes:
        base += [magnitude, -magnitude]
    return np.asarray(base, dtype="float32")


def _not_finite(name, array, edges=None, input_name="input"):
    """Return a message if `array` has a NaN or an infinity, else None.

    When the first axis of `array` runs over `edges`, the message names the
    edge values whose rows are not finite.
    """
    array = np.asarray(array, dtype="float64")
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    count = f"{int(bad.sum())} of {bad.size} entries"
    if edges is not None and array.ndim >= 1 and array.shape[0] == len(edges):
        bad_rows = bad.reshape(len(edges), -1).any(axis=1)
        values = ", ".join(f"{float(v):.7g}" for v in edges[bad_rows])
        return f"{name} is not finite at {input_name} = {values} ({count})"
    return f"{name} is not finite at {count}"


def _check_metric_numerics_on_examples(subject, report, examples):
    """Check that a metric gives a finite result with no data, all example inputs, one row, and all weights 0."""
    y_true, y_pred = examples
    cases = (
        ("no data", None, None, None),
        ("the example inputs", y_true, y_pred, None),
        ("the first example row", y_true[:1], y_pred[:1], None),
        ("the example inputs with all weights 0", y_true, y_pred, np.zeros(len(y_true), dtype="float32")),
    )
    problems = []
    for case, true_rows, pred_rows, weights in cases:
        metric = subject.build(config_only=False)
        if true_rows is not None:
            _update(metric, true_rows, pred_rows, weights)
        problems.append(_not_finite(f"result on {case}", ops.convert_to_numpy(metric.result())))
    problems = [p for p in problems if p]
    if problems:
        report.add("numerics", FAILED, "; ".join(problems))
    else:
        report.add("numerics", PASSED, "result finite with no data, the example inputs, one row, and all weights 0")


def _check_loss_numerics_on_examples(subject, report, examples):
    """Check that a loss and its gradient w.r.t. `y_pred` are finite on each example row and on all of them."""
    y_true, y_pred = examples
    # A loss function already returns one value per sample.
    instance = subject.function if subject.is_function else subject.build(config_only=False, reduction=None)
    y_true_tensor = ops.convert_to_tensor(y_true)
    value, gradient = value_and_gradient(lambda p: instance(y_true_tensor, p), y_pred.astype("float32"))
    rows = np.arange(len(y_true))
    problems = [
        _not_finite("loss", value, rows, "example row"),
        _not_finite("gradient w.r.t. y_pred", gradient, rows, "example row"),
    ]
    problems = [p for p in problems if p]
    if problems:
        report.add("numerics", FAILED, "; ".join(problems))
    else:
        report.add(
            "numerics",
            PASSED,
            f"values and gradients finite on the {len(rows)} rows of example_inputs(), which choose the edge cases",
        )


def _layer_numerics_on_examples(instance, arrays, edges):
    """Return problems of a layer of several inputs, with each input in turn set to the edge values.

    The other inputs are 0, so for a layer of `[y_true, y_pred]` the edges are
    the errors in both directions. The checked value is the output plus every
    loss the layer adds with `add_loss`.
    """
    problems = []
    for index, array in enumerate(arrays):
        width = array.shape[1:]
        varied = np.broadcast_to(edges.reshape((-1,) + (1,) * len(width)), (edges.size, *width)).astype("float32")
        others = [np.zeros((edges.size, *other.shape[1:]), dtype="float32") for other in arrays]

        def total(tensor, index=index, others=others):
            inputs = [ops.convert_to_tensor(other) for other in others]
            inputs[index] = tensor
            output = instance(inputs)
            output = output[0] if isinstance(output, (list, tuple)) else output
            value = ops.sum(ops.cast(output, "float32"), axis=tuple(range(1, len(output.shape))))
            for added in instance.losses:
                value = value + ops.cast(added, "float32")
            return value

        value, gradient = value_and_gradient(total, varied)
        problems += [
            _not_finite(f"output plus added losses with input {index} at the edges", value, edges),
            _not_finite(f"gradient w.r.t. input {index}", gradient, edges),
        ]
    return problems


def check_numerics(subject, report):
    """Finite values and gradients on edge inputs: 0, tiny, large, and each hyperparameter's value.

    A loss or metric with `example_inputs()` is checked on those instead,
    because edge values of a regression target are not valid input for it.
    """
    examples = models.component_examples(subject)
    if examples is not None and subject.kind == "metric":
        _check_metric_numerics_on_examples(subject, report, examples)
        return
    if examples is not None:
        _check_loss_numerics_on_examples(subject, report, examples)
        return
    instance = subject.build(config_only=False)
    kind = subject.kind
    edges = _edge_values(_numeric_hyperparameters(instance) if not subject.is_function else [])
    problems = []
    if kind == "loss":
        y_true = np.zeros((edges.size, 1), dtype="float32")
        call = instance if not subject.is_function else (lambda t, p: instance(t, p))
        value, gradient = value_and_gradient(lambda p: call(ops.convert_to_tensor(y_true), p), edges[:, None])
        problems += [_not_finite("loss", value), _not_finite("gradient w.r.t. y_pred", gradient, edges, "y_pred")]
    elif kind == "layer" and models.layer_examples(subject) is not None:
        problems += _layer_numerics_on_examples(instance, models.layer_examples(subject), edges)
    elif kind in ("activation", "layer"):
        x = np.repeat(edges[:, None], models.INPUT_FEATURES, axis=1) if kind == "layer" else edges
        if kind == "layer" and not instance.built:
            instance.build((None, models.INPUT_FEATURES))
        value, gradient = value_and_gradient(lambda t: instance(t), x)
        problems += [
            _not_finite("output", value, edges),
            _not_finite("gradient w.r.t. the input", gradient, edges),
        ]
    elif kind == "regularizer":
        weights = np.clip(edges, -1e9, 1e9)
        value, gradient = value_and_gradient(lambda w: instance(w), weights[:, None])
        problems += [_not_finite("penalty", value), _not_finite("gradient w.r.t. the weights", gradient, weights, "weight")]
    elif kind == "constraint":
        value = ops.convert_to_numpy(instance(ops.convert_to_tensor(edges[:, None])))
        problems.append(_not_finite("projected weights", value, edges, "weight"))
    elif kind == "metric":
        y_true = np.zeros((edges.size, 1), dtype="float32")
        _update(instance, y_true, edges[:, None], None)
        problems.append(_not_finite("result", ops.convert_to_numpy(instance.result())))
    elif kind == "initializer":
        value = ops.convert_to_numpy(instance((4, 3), dtype="float32"))
        problems.append(_not_finite("initial values", value))
    problems = [p for p in problems if p]
    if problems:
        report.add("numerics", FAILED, "; ".join(problems) + f" (edge inputs {edges.tolist()})")
    else:
        report.add("numerics", PASSED, f"{edges.size} edge inputs, values and gradients finite")


def check_mixed_precision(subject, report):
    """A compiled training step under float32, mixed_float16 and mixed_bfloat16 gives finite loss and weights."""
    examples = models.component_examples(subject)
    layer_inputs = models.layer_examples(subject)
    x, y = models.training_data(examples, seed=1, layer_inputs=layer_inputs)
    if examples is None:
        # Targets large enough that a float16 square overflows (300**2 > 65504).
        y = y * 300.0
    problems = []
    previous = keras.config.dtype_policy()
    try:
        for policy in POLICIES:
            keras.config.set_dtype_policy(policy)
            component = subject.build(config_only=False)
            try:
                model = models.build_model(
                    subject.kind, component, learning_rate=1e-6, examples=examples, layer_inputs=layer_inputs
                )
                logs = model.train_on_batch(x, y, return_dict=True)
                evaluation = model.evaluate(x, y, verbose=0, return_dict=True)
            except Exception as error:  # noqa: BLE001  (any failure here is the finding)
                problems.append(f"{policy}: training step raised {type(error).__name__}: {error}")
                continue
            for key, value in {**logs, **{f"evaluate {k}": v for k, v in evaluation.items()}}.items():
                if not np.all(np.isfinite(np.asarray(value, dtype="float64"))):
                    problems.append(f"{policy}: {key} = {_format_value(value)}")
            weights = [ops.convert_to_numpy(w) for w in model.trainable_weights]
            if not all(np.all(np.isfinite(np.asarray(w, dtype="float64"))) for w in weights):
                problems.append(f"{policy}: weights are not finite after one step")
    finally:
        keras.config.set_dtype_policy(previous)
    if problems:
        report.add("mixed_precision", FAILED, "; ".join(problems))
    else:
        report.add("mixed_precision", PASSED, "finite in a compiled step under " + ", ".join(POLICIES))


def check_loss_reductions(subject, report):
    """Every reduction and `sample_weight` behave as Keras defines them, from per-sample values."""
    if subject.is_function:
        report.add("loss_reductions", SKIPPED, "a loss function has no reduction; Keras wraps it")
        return
    rng = np.random.default_rng(2)
    examples = models.component_examples(subject)
    if examples is None:
        y_true = rng.normal(size=(6, 3)).astype("float32")
        y_pred = (y_true + rng.normal(scale=2.0, size=(6, 3))).astype("float32")
    else:
        y_true, y_pred = examples[0][:6], examples[1][:6].astype("float32")
    weights = np.asarray([1.0, 0.0, 2.0, 0.5, 0.0, 3.0], dtype="float32")
    try:
        per_sample = np.asarray(ops.convert_to_numpy(subject.build(config_only=False, reduction=None)(y_true, y_pred)), dtype="float64")
    except Exception as error:  # noqa: BLE001
        report.add("loss_reductions", FAILED, f"reduction=None raised {type(error).__name__}: {error}")
        return
    if per_sample.shape != (len(y_true),):
        report.add(
            "loss_reductions",
            FAILED,
            f"reduction=None gave shape {per_sample.shape}, expected one value per sample ({len(y_true)},)",
        )
        return
    weighted = per_sample * weights
    expected = {
        "sum": weighted.sum(),
        "sum_over_batch_size": weighted.sum() / weighted.size,
        "mean": weighted.sum() / weighted.size,
        "mean_with_sample_weight": weighted.sum() / weights.sum(),
    }
    problems = []
    for reduction, value in expected.items():
        got = float(ops.convert_to_numpy(subject.build(config_only=False, reduction=reduction)(y_true, y_pred, sample_weight=weights)))
        if not np.isclose(got, value, rtol=1e-5, atol=1e-6):
            problems.append(f"reduction={reduction!r} with sample_weight gave {got:.6g}, expected {value:.6g}")
    kept = weights > 0
    without_zero = float(ops.convert_to_numpy(subject.build(config_only=False, reduction="sum")(y_true[kept], y_pred[kept], sample_weight=weights[kept])))
    if not np.isclose(without_zero, expected["sum"], rtol=1e-5, atol=1e-6):
        problems.append("samples with weight 0 change the weighted sum")
    if problems:
        report.add("loss_reductions", FAILED, "; ".join(problems))
    else:
        report.add("loss_reductions", PASSED, "sum, sum_over_batch_size, mean, mean_with_sample_weight and zero weights")


def _format_value(value):
    """Return a scalar with 6 significant digits, or an array as nested lists, for messages."""
    array = np.asarray(value, dtype="float64")
    return f"{float(array):.6g}" if array.ndim == 0 else str(array.tolist())


def _metric_data(rows=13, seed=3, examples=None):
    """Return `(y_true, y_pred, weights)`: `examples` if given, else `rows` regression rows, with weights 2 and 7 zero."""
    rng = np.random.default_rng(seed)
    if examples is None:
        y_true = rng.uniform(0.0, 1.0, size=(rows, 1)).astype("float32")
        y_pred = np.clip(y_true + rng.normal(scale=0.4, size=(rows, 1)), 0.0, 1.0).astype("float32")
    else:
        y_true, y_pred = examples
        rows = len(y_true)
    weights = rng.uniform(0.5, 2.0, size=(rows,)).astype("float32")
    weights[[2, 7]] = 0.0
    return y_true, y_pred, weights


def _update(metric, y_true, y_pred, weights):
    """Call `update_state` with `(y_true, y_pred)`, or with the values alone for a metric that takes values.

    The values are positive (`1 + |y_pred|`), valid for any mean, geometric
    and harmonic ones included.
    """
    if models.takes_values(type(metric)):
        metric.update_state(1.0 + np.abs(np.asarray(y_pred, dtype="float32")), sample_weight=weights)
    else:
        metric.update_state(y_true, y_pred, sample_weight=weights)


def _metric_result(metric, y_true, y_pred, weights, splits):
    metric.reset_state()
    start = 0
    for size in splits:
        stop = start + size
        _update(metric, y_true[start:stop], y_pred[start:stop], weights[start:stop])
        start = stop
    return np.asarray(ops.convert_to_numpy(metric.result()), dtype="float64")


def check_metric_streaming(subject, report):
    """reset_state, any batching (batches of one too) and zero weights give the one-shot result."""
    metric = subject.build(config_only=False)
    y_true, y_pred, weights = _metric_data(examples=models.component_examples(subject))
    rows = len(y_true)
    initial = np.asarray(ops.convert_to_numpy(metric.result()), dtype="float64")
    whole = _metric_result(metric, y_true, y_pred, weights, [rows])
    problems = []
    # With the 13 default rows these are batches [5, 1, 7] and [2, 9, 2].
    for splits in ([1] * rows, [5, 1, rows - 6], [2, rows - 4, 2]):
        streamed = _metric_result(metric, y_true, y_pred, weights, splits)
        if not np.allclose(streamed, whole, rtol=1e-5, atol=1e-6):
            problems.append(f"batches {splits} give {streamed.tolist()}, the whole set gives {whole.tolist()}")
    metric.reset_state()
    after_reset = np.asarray(ops.convert_to_numpy(metric.result()), dtype="float64")
    if not np.array_equal(after_reset, initial, equal_nan=True):
        problems.append(f"reset_state gives {after_reset.tolist()}, the initial result was {initial.tolist()}")
    kept = weights > 0
    without_zero = _metric_result(metric, y_true[kept], y_pred[kept], weights[kept], [int(kept.sum())])
    if not np.allclose(without_zero, whole, rtol=1e-5, atol=1e-6):
        problems.append(
            f"samples with sample_weight 0 change the result ({whole.tolist()} with them, "
            f"{without_zero.tolist()} without them), so update_state ignores or misuses sample_weight"
        )
    if problems:
        report.add("metric_streaming", FAILED, "; ".join(problems))
    else:
        report.add("metric_streaming", PASSED, "reset, 3 batchings incl. batches of one, zero weights")


def check_metric_direction(subject, report):
    """A declared direction, so EarlyStopping(mode="auto") can tell better from worse.

    A metric whose result is not a scalar, such as a confusion matrix, cannot
    be monitored, so it needs no direction and EarlyStopping is not run. Nor
    does a metric whose best value is neither the highest nor the lowest. Such
    a metric sets the class attribute `_no_direction` to the reason and leaves
    `_direction` unset, because Keras 3.15.1 minimizes any metric that has a
    `_direction` other than "up", None included.
    """
    metric = subject.build(config_only=False)
    direction = getattr(metric, "_direction", None)
    reason = getattr(subject.cls, "_no_direction", None)
    if direction is None and isinstance(reason, str):
        report.add("metric_direction", SKIPPED, f"the class declares no direction: {reason}")
        return
    shape = np.shape(ops.convert_to_numpy(metric.result()))
    if shape != ():
        # EarlyStopping compares values with `<` in an `if`, which raises for an array.
        if direction in ("up", "down"):
            report.add(
                "metric_direction",
                PASSED,
                f"direction {direction!r}; the result has shape {shape}, so EarlyStopping cannot monitor it and was not run",
            )
        else:
            report.add(
                "metric_direction",
                SKIPPED,
                f"the result has shape {shape}, not a scalar, so no direction applies and EarlyStopping cannot monitor it",
            )
        return
    if direction not in ("up", "down"):
        report.add(
            "metric_direction",
            FAILED,
            f"no direction declared (_direction={direction!r}); EarlyStopping(mode='auto') raises. "
            "Set _direction = 'up' or 'down'",
        )
        return
    examples = models.component_examples(subject)
    model = models.build_model("metric", metric, examples=examples)
    x, y = models.training_data(examples)
    stopper = keras.callbacks.EarlyStopping(monitor=f"val_{metric.name}", mode="auto", patience=1)
    try:
        model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[stopper])
    except ValueError as error:
        report.add("metric_direction", FAILED, f"EarlyStopping(mode='auto') raised: {error}")
        return
    report.add("metric_direction", PASSED, f"direction {direction!r}; EarlyStopping(mode='auto') works")


def check_metric_stateless(subject, report):
    """On JAX, the stateless API under jax.jit gives the stateful result (Python-side state would not)."""
    if keras.backend.backend() != "jax":
        report.add("metric_stateless", SKIPPED, "checked on the JAX backend, where jit traces the stateless API")
        return
    import jax

    metric = subject.build(config_only=False)
    y_true, y_pred, weights = _metric_data(examples=models.component_examples(subject))
    rows, half = len(y_true), len(y_true) // 2
    expected = _metric_result(metric, y_true, y_pred, weights, [half, rows - half])
    metric.reset_state()
    update = jax.jit(metric.stateless_update_state)
    variables = [v.value for v in metric.variables]
    try:
        for start, stop in ((0, half), (half, rows)):
            if models.takes_values(type(metric)):
                values = 1.0 + np.abs(np.asarray(y_pred[start:stop], dtype="float32"))
                variables = update(variables, values, sample_weight=weights[start:stop])
            else:
                variables = update(variables, y_true[start:stop], y_pred[start:stop], sample_weight=weights[start:stop])
        result = np.asarray(metric.stateless_result(variables), dtype="float64")
    except Exception as error:  # noqa: BLE001
        report.add("metric_stateless", FAILED, f"jax.jit(stateless_update_state) raised {type(error).__name__}: {error}")
        return
    if not np.allclose(result, expected, rtol=1e-5, atol=1e-6):
        report.add("metric_stateless", FAILED, f"jitted stateless result {result.tolist()} differs from stateful {expected.tolist()}")
    else:
        report.add("metric_stateless", PASSED, "jax.jit(stateless_update_state) matches update_state")


def check_metric_history(subject, report):
    """The values model.fit records in History equal one-shot computations on the same data."""
    metric = subject.build(config_only=False)
    examples = models.component_examples(subject)
    x, y = models.training_data(examples, seed=4, rows=40)
    x_val, y_val = models.training_data(examples, seed=5, rows=24)
    # A learning rate of 0 keeps the weights fixed, so each epoch sees the same predictions.
    model = models.build_model("metric", metric, learning_rate=0.0, examples=examples)
    history = model.fit(x, y, validation_data=(x_val, y_val), batch_size=7, epochs=1, verbose=0).history
    reference = subject.build(config_only=False)
    problems = []
    for prefix, features, targets in (("", x, y), ("val_", x_val, y_val)):
        predictions = model.predict(features, verbose=0, batch_size=64)
        reference.reset_state()
        reference.update_state(targets, predictions)
        expected = np.asarray(ops.convert_to_numpy(reference.result()), dtype="float64")
        recorded = np.asarray(history.get(prefix + metric.name, [math.nan])[-1], dtype="float64")
        if recorded.shape != expected.shape or not np.allclose(recorded, expected, rtol=1e-4, atol=1e-6):
            problems.append(
                f"History[{prefix + metric.name!r}] = {_format_value(recorded)}, one-shot value {_format_value(expected)}"
            )
    if problems:
        report.add("metric_history", FAILED, "; ".join(problems))
    else:
        report.add("metric_history", PASSED, "training and validation values equal one-shot results")


def check_weights_component(subject, report):
    """Constraints keep shape and are idempotent; initializers give shape, dtype and seeded repeats;
    regularizers give a scalar that is 0 for zero weights. All of them then run inside model.fit."""
    instance = subject.build(config_only=False)
    problems = []
    rng = np.random.default_rng(6)
    weights = rng.normal(scale=2.0, size=(4, 3)).astype("float32")
    if subject.kind == "constraint":
        once = np.asarray(ops.convert_to_numpy(instance(ops.convert_to_tensor(weights))))
        twice = np.asarray(ops.convert_to_numpy(instance(ops.convert_to_tensor(once))))
        if once.shape != weights.shape:
            problems.append(f"shape {weights.shape} became {once.shape}")
        elif not np.allclose(once, twice, rtol=1e-6, atol=1e-6):
            problems.append(f"not idempotent: applying it twice moves weights by up to {np.max(np.abs(twice - once)):.3g}")
    elif subject.kind == "initializer":
        for dtype in ("float32", "float16"):
            value = instance((4, 3), dtype=dtype)
            if tuple(value.shape) != (4, 3):
                problems.append(f"shape (4, 3) gave {tuple(value.shape)}")
            if keras.backend.standardize_dtype(value.dtype) != dtype:
                problems.append(f"dtype {dtype} gave {keras.backend.standardize_dtype(value.dtype)}")
        if "seed" in subject.arguments or "seed" in subject.defaults:
            seeded = subject.build(config_only=False, seed=1234) if not subject.is_function else None
            if seeded is not None:
                first = ops.convert_to_numpy(seeded((4, 3), dtype="float32"))
                second = ops.convert_to_numpy(subject.build(config_only=False, seed=1234)((4, 3), dtype="float32"))
                if not np.array_equal(first, second):
                    problems.append("two instances with seed=1234 give different values")
    elif subject.kind == "regularizer":
        penalty = np.asarray(ops.convert_to_numpy(instance(ops.convert_to_tensor(weights))))
        if penalty.shape != ():
            problems.append(f"the penalty has shape {penalty.shape}, expected a scalar")
        zero = float(ops.convert_to_numpy(instance(ops.zeros((4, 3)))))
        if zero != 0.0:
            problems.append(f"the penalty of zero weights is {zero}, expected 0")
    x, y = models.example_data(seed=7)
    try:
        model = models.build_model(subject.kind, instance)
        history = model.fit(x, y, epochs=2, batch_size=8, verbose=0).history
        if not all(math.isfinite(v) for v in history["loss"]):
            problems.append(f"model.fit loss is not finite: {history['loss']}")
        if subject.kind == "constraint":
            kernel = ops.convert_to_numpy(model.get_layer("checked").kernel)
            projected = ops.convert_to_numpy(instance(ops.convert_to_tensor(kernel)))
            if not np.allclose(kernel, projected, rtol=1e-6, atol=1e-6):
                problems.append("after model.fit the kernel is not a fixed point of the constraint")
    except Exception as error:  # noqa: BLE001
        problems.append(f"model.fit with it raised {type(error).__name__}: {error}")
    name = f"{subject.kind}_contract"
    if problems:
        report.add(name, FAILED, "; ".join(problems))
    else:
        report.add(name, PASSED, "contract holds, and model.fit runs with it on a variable")
