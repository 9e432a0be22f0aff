"""Measure keras-tailor against Keras built-ins and other peers on the current Keras backend.

Run as `KERAS_BACKEND=jax python benchmarks/run.py --out benchmarks/results` (what
`make bench` does for each backend). `--quick` uses small sizes and few repeats,
only to prove the script runs. Results are medians over repeated runs, written
as JSON with the machine, versions and date.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import keras
import numpy as np
from keras import ops

import keras_tailor as kt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families  # noqa: E402
import timing  # noqa: E402

ROW_WIDTH = 16  # elements per sample; a loss averages over this last axis


def _textbook_where_huber(y_true, y_pred, delta=1.0):
    """Compute the hand-written Huber that many users write, with `where` picking the branch."""
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * delta**2
    return ops.mean(ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1))


def _loss_candidates():
    """Return `{name: loss(y_true, y_pred) -> scalar}` for the current backend."""
    candidates = {
        "keras_tailor.losses.Huber": kt.losses.Huber(threshold=1.0),
        "keras.losses.Huber": keras.losses.Huber(delta=1.0),
        "textbook ops.where Huber": _textbook_where_huber,
    }
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def tf_where_huber(y_true, y_pred, delta=1.0):
            error = y_pred - y_true
            abs_error = tf.abs(error)
            return tf.reduce_mean(tf.where(abs_error <= delta, 0.5 * tf.square(error), delta * abs_error - 0.5 * delta**2))

        candidates["textbook tf.where Huber"] = tf_where_huber
    if backend == "torch":
        import torch

        candidates["torch.nn.HuberLoss"] = torch.nn.HuberLoss(delta=1.0)
    return candidates


def _compiled_value_and_gradient(loss):
    """Return `step(y_true, y_pred)` computing the loss and its gradient w.r.t. y_pred, compiled where Keras compiles."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def step(y_true, y_pred):
            with tf.GradientTape() as tape:
                tape.watch(y_pred)
                value = loss(y_true, y_pred)
            return value, tape.gradient(value, y_pred)

        # TensorFlow on CPU returns from the call when the step has finished.
        return step
    if backend == "jax":
        import jax

        step = jax.jit(jax.value_and_grad(lambda p, t: loss(t, p)))
        return lambda t, p: timing.block(step(p, t))
    import torch

    # The PyTorch backend of Keras runs eagerly in model.fit (jit_compile="auto" is False there).
    def step(y_true, y_pred):
        y_pred.grad = None
        value = loss(y_true, y_pred)
        value.backward()
        return value

    return step


def _backend_arrays(y_true, y_pred):
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return torch.from_numpy(y_true), torch.from_numpy(y_pred).requires_grad_(True)
    if backend == "jax":
        import jax.numpy as jnp

        return jnp.asarray(y_true), jnp.asarray(y_pred)
    import tensorflow as tf

    return tf.constant(y_true), tf.constant(y_pred)


def bench_losses(sizes, repeats):
    results = []
    rng = np.random.default_rng(0)
    for elements in sizes:
        rows = max(1, elements // ROW_WIDTH)
        y_true = rng.normal(size=(rows, ROW_WIDTH)).astype("float32")
        y_pred = (y_true + rng.normal(scale=1.5, size=y_true.shape)).astype("float32")
        t, p = _backend_arrays(y_true, y_pred)
        for name, loss in _loss_candidates().items():
            step = _compiled_value_and_gradient(loss)
            seconds = timing.median_seconds(lambda: step(t, p), repeats)
            results.append({"loss": name, "elements": rows * ROW_WIDTH, "seconds": seconds})
    return results


def bench_loss_families(sizes, repeats):
    """Time the Gaussian NLL and pinball families as the Huber rows are timed, after checking their values agree."""
    rng = np.random.default_rng(2)
    results = {}
    for family_name, family in families.loss_families().items():
        candidates = family["candidates"]
        families.check_loss_values(family, candidates, *families.loss_data(family_name, min(sizes), rng), _backend_arrays)
        rows = []
        for elements in sizes:
            y_true, y_pred = families.loss_data(family_name, elements, rng)
            t, p = _backend_arrays(y_true, y_pred)
            for name, loss in candidates.items():
                step = _compiled_value_and_gradient(loss)
                seconds = timing.median_seconds(lambda: step(t, p), repeats)
                rows.append({"loss": name, "elements": y_true.size, "seconds": seconds})
        results[family_name] = {"ours": family["ours"], "rows": rows}
    return results


def bench_bandwidth(elements, repeats, loss_results):
    """Achieved bytes/s of each loss at the largest size against a numpy copy of the same bytes."""
    copy = timing.copy_bandwidth(elements, repeats)
    largest = max(r["elements"] for r in loss_results)
    rows = []
    for result in loss_results:
        if result["elements"] != largest:
            continue
        # Forward plus backward reads y_true and y_pred and writes the gradient: 12 bytes per element.
        achieved = 12 * result["elements"] / result["seconds"]
        rows.append({"loss": result["loss"], "elements": largest, "bytes_per_second": achieved, "copy_bytes_per_second": copy, "fraction_of_copy": achieved / copy})
    return rows


def bench_metrics(elements, repeats):
    """update_state throughput: HuberMetric against Keras's own mean metrics on the same data."""
    rng = np.random.default_rng(1)
    rows = elements // ROW_WIDTH
    y_true = rng.normal(size=(rows, ROW_WIDTH)).astype("float32")
    y_pred = (y_true + rng.normal(size=y_true.shape)).astype("float32")
    values = kt.losses.huber(y_true, y_pred)
    candidates = {
        "keras_tailor.metrics.HuberMetric": (kt.metrics.HuberMetric(threshold=1.0), (y_true, y_pred)),
        "keras.metrics.MeanMetricWrapper(keras.losses.huber)": (keras.metrics.MeanMetricWrapper(keras.losses.huber, delta=1.0), (y_true, y_pred)),
        "keras.metrics.Mean (precomputed values)": (keras.metrics.Mean(), (values,)),
    }
    results = []
    for name, (metric, arguments) in candidates.items():
        update = _compiled_update(metric)
        seconds = timing.median_seconds(lambda: update(*arguments), repeats)
        results.append({"metric": name, "samples": rows, "seconds": seconds, "samples_per_second": rows / seconds})
    return results


def _backend_tensors(*arrays):
    """Convert numpy arrays to tensors of the current backend, without gradient tracking."""
    return tuple(ops.convert_to_tensor(array) for array in arrays)


def _metric_row(name, samples, seconds, data):
    return {"metric": name, "samples": samples, "seconds": seconds, "samples_per_second": samples / seconds, "data": data}


def bench_metric_families(samples, repeats):
    """Time CohenKappa and Pearson update_state against Keras, torchmetrics, scikit-learn and scipy on the same samples.

    The keras-tailor and Keras metrics are compiled as in `bench_metrics` and get
    backend tensors. The other peers get numpy arrays or torch CPU tensors on
    every backend. scikit-learn and scipy compute the final value in one call,
    where the streaming metrics only add one batch to their state.
    """
    rng = np.random.default_rng(3)
    y_kappa = families.kappa_data(samples, rng)
    y_pearson = families.pearson_data(samples, rng)
    families.check_metric_values(y_kappa, y_pearson)
    backend = keras.backend.backend()

    kappa_rows = []
    update = _compiled_update(kt.metrics.CohenKappa(num_classes=families.CLASSES))
    arguments = _backend_tensors(*y_kappa)
    seconds = timing.median_seconds(lambda: update(*arguments), repeats)
    kappa_rows.append(_metric_row(families.COHEN_KAPPA, samples, seconds, f"{backend} tensors"))
    for name, step in families.kappa_peers(*y_kappa).items():
        kappa_rows.append(_metric_row(name, samples, timing.median_seconds(step, repeats), "CPU, outside Keras"))

    pearson_rows = []
    update = _compiled_update(kt.metrics.Pearson())
    arguments = _backend_tensors(*y_pearson)
    seconds = timing.median_seconds(lambda: update(*arguments), repeats)
    pearson_rows.append(_metric_row(families.PEARSON, samples, seconds, f"{backend} tensors"))
    # Keras's metric averages one coefficient per row, so it gets the same values
    # in rows of ROW_WIDTH, because on (N, 1) rows every coefficient would be NaN.
    update = _compiled_update(keras.metrics.PearsonCorrelation())
    arguments = _backend_tensors(*(y.reshape(-1, ROW_WIDTH) for y in y_pearson))
    seconds = timing.median_seconds(lambda: update(*arguments), repeats)
    pearson_rows.append(_metric_row(f"keras.metrics.PearsonCorrelation, rows of {ROW_WIDTH}", samples, seconds, f"{backend} tensors"))
    for name, step in families.pearson_peers(*y_pearson).items():
        pearson_rows.append(_metric_row(name, samples, timing.median_seconds(step, repeats), "CPU, outside Keras"))

    return {
        "cohen_kappa": {"ours": families.COHEN_KAPPA, "rows": kappa_rows},
        "pearson": {"ours": families.PEARSON, "rows": pearson_rows},
    }


def _compiled_update(metric):
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        update = jax.jit(metric.stateless_update_state)
        state = [v.value for v in metric.variables]
        return lambda *arguments: timing.block(update(state, *arguments))
    if backend == "tensorflow":
        import tensorflow as tf

        update = tf.function(metric.update_state)
        return lambda *arguments: update(*arguments)
    return lambda *arguments: metric.update_state(*arguments)


def _housing_model(use_keras_tailor, features):
    keras.utils.set_random_seed(0)
    normalization = keras.layers.Normalization()
    normalization.adapt(features)
    model = keras.Sequential([
        keras.Input((features.shape[1],)),
        normalization,
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1),
    ])
    if use_keras_tailor:
        loss = kt.losses.Huber(threshold=0.5)
        metrics = [kt.metrics.HuberMetric(threshold=0.5, name="huber"), "mae"]
    else:
        loss = keras.losses.Huber(delta=0.5)
        metrics = [keras.metrics.MeanMetricWrapper(keras.losses.huber, name="huber", delta=0.5), "mae"]
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def bench_fit(epochs):
    """Seconds per model.fit epoch on California housing: keras-tailor loss and metric against built-ins."""
    from keras_tailor.demo import housing

    split = housing.split_and_prepare(housing.load_housing(), seed=0)
    results = []
    for use_keras_tailor in (False, True):
        model = _housing_model(use_keras_tailor, split.train_features)
        model.fit(split.train_features, split.train_target, epochs=1, batch_size=256, verbose=0)
        times = []
        for _ in range(epochs):
            started = time.perf_counter()
            model.fit(split.train_features, split.train_target, epochs=1, batch_size=256, verbose=0)
            times.append(time.perf_counter() - started)
        name = "keras_tailor Huber + HuberMetric" if use_keras_tailor else "keras Huber + MeanMetricWrapper(huber)"
        results.append({"model": name, "seconds_per_epoch": float(np.median(times)), "epochs": epochs})
    return results


def bench_checker():
    """Wall time of `keras-tailor check keras_tailor` on this backend, in a fresh worker process."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "keras_tailor.testing.run", "--json-out", os.path.join(folder, "r.json"), "keras_tailor"],
            capture_output=True,
            text=True,
            env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        )
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "exit_status": completed.returncode}


def bench_checker_breakdown(targets=("keras_tailor",)):
    """Time the checker on each component of `targets` in this process, then its fresh-process checks in one batch.

    The checker reports no time per check, so this times each component's
    in-process checks with `check_components([component], fresh_process=False)`.
    The fresh-process checks (registration, model round trip, distribution)
    then run for all components in one child process, as in `keras-tailor
    check`, and are timed as one number: one child per component would add
    about 15 s of process start per component.
    """
    from keras_tailor.testing import check_components
    from keras_tailor.testing.discovery import find_components

    components = find_components(list(targets))
    rows = []
    in_process_names = set()
    for component in components:
        started = time.perf_counter()
        report = check_components([component], fresh_process=False)[0]
        seconds = time.perf_counter() - started
        in_process_names.update(result.name for result in report.results)
        rows.append({"component": report.label, "kind": report.kind, "seconds": seconds, "failed_checks": len(report.failures)})

    started = time.perf_counter()
    fresh_reports = check_components(components, skip=sorted(in_process_names))
    fresh_seconds = time.perf_counter() - started

    by_kind = {}
    for row in rows:
        total = by_kind.setdefault(row["kind"], {"components": 0, "seconds": 0.0})
        total["components"] += 1
        total["seconds"] += row["seconds"]
    return {
        "components": len(rows),
        "in_process_seconds": sum(row["seconds"] for row in rows),
        "fresh_process_seconds": fresh_seconds,
        "fresh_process_failed_checks": sum(len(report.failures) for report in fresh_reports),
        "by_kind": by_kind,
        "slowest": sorted(rows, key=lambda row: row["seconds"], reverse=True)[:10],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and 3 repeats, to check the script runs")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"), help="folder for the JSON result")
    args = parser.parse_args(argv)

    sizes = [10**3, 10**5] if args.quick else [10**3, 10**4, 10**5, 10**6, 10**7]
    repeats = 3 if args.quick else 15
    backend = keras.backend.backend()
    result = {"machine": timing.machine_info(), "quick": args.quick, "repeats": repeats}
    print(f"[{backend}] losses", file=sys.stderr, flush=True)
    result["losses"] = bench_losses(sizes, repeats)
    result["bandwidth"] = bench_bandwidth(max(sizes), repeats, result["losses"])
    print(f"[{backend}] Gaussian NLL and pinball losses", file=sys.stderr, flush=True)
    result["loss_families"] = bench_loss_families(sizes, repeats)
    print(f"[{backend}] metrics", file=sys.stderr, flush=True)
    metric_elements = 10**4 if args.quick else 10**6
    result["metrics"] = bench_metrics(metric_elements, repeats)
    print(f"[{backend}] CohenKappa and Pearson metrics", file=sys.stderr, flush=True)
    result["metric_families"] = bench_metric_families(metric_elements, repeats)
    print(f"[{backend}] model.fit", file=sys.stderr, flush=True)
    result["fit"] = bench_fit(epochs=1 if args.quick else 5)
    if not args.quick:
        print(f"[{backend}] checker", file=sys.stderr, flush=True)
        result["checker"] = bench_checker()
        print(f"[{backend}] checker, one component at a time", file=sys.stderr, flush=True)
        result["checker_breakdown"] = bench_checker_breakdown()

    os.makedirs(args.out, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    path = os.path.join(args.out, f"{backend}{suffix}.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    print(f"[{backend}] wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
