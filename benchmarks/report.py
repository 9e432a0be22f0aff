"""Write docs/benchmarks.md from the JSON results of benchmarks/run.py.

Run as `python benchmarks/report.py RESULTS_FOLDER OUTPUT.md`. Each ratio
compares two medians measured in the same process on the same machine.
"""

import json
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
OURS = "keras_tailor.losses.Huber"
TARGETS = {
    "loss": 1.00,  # keras-tailor Huber's median time over keras.losses.Huber's, at most
    "torch": 1.20,  # over torch.nn.HuberLoss on the PyTorch backend, at most
    "fit_overhead": 0.03,  # extra model.fit epoch time, at most
    "bandwidth": 0.60,  # fraction of the numpy copy bandwidth at 10^7 elements, at least
    "checker": 60.0,  # seconds for keras-tailor check keras_tailor on one backend, at most
}


def _mark(ok):
    return "met" if ok else "**missed**"


def _load(folder, quick):
    results = {}
    for backend in BACKENDS:
        path = os.path.join(folder, f"{backend}{'-quick' if quick else ''}.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                results[backend] = json.load(handle)
    return results


def _ratio_table(title, rows, ours):
    """Return a table of median ms per size, each with its ratio to `ours` at that size."""
    by_size = {}
    for row in rows:
        by_size.setdefault(row["elements"], {})[row["loss"]] = row["seconds"]
    names = list(dict.fromkeys(row["loss"] for row in rows))
    lines = [
        title,
        "",
        "| elements | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for elements, times in sorted(by_size.items()):
        reference = times[ours]
        cells = [f"{times[n] * 1e3:.3f} ({times[n] / reference:.2f}×)" for n in names]
        lines.append(f"| {elements:,} | " + " | ".join(cells) + " |")
    return lines


def _loss_table(backend, data):
    title = f"### {backend}: forward plus backward of a Huber loss (median ms, ratio to keras-tailor)"
    return _ratio_table(title, data["losses"], OURS)


LOSS_FAMILY_TITLES = {
    "gaussian_nll": "a Gaussian NLL loss",
    "pinball": "a pinball loss at quantile 0.9",
}
METRIC_FAMILY_TITLES = {
    "cohen_kappa": "Cohen's kappa, 5 classes, class ids",
    "pearson": "Pearson correlation, `(N, 1)` targets",
}


def _loss_family_tables(results):
    lines = []
    families = list(dict.fromkeys(name for data in results.values() for name in data.get("loss_families", {})))
    for family in families:
        for backend, data in results.items():
            if family not in data.get("loss_families", {}):
                continue
            entry = data["loss_families"][family]
            title = f"### {backend}: forward plus backward of {LOSS_FAMILY_TITLES.get(family, family)} (median ms, ratio to keras-tailor)"
            lines += [""] + _ratio_table(title, entry["rows"], entry["ours"])
    return lines


def _metric_table(rows, ours):
    """Return table rows of samples/s and the time per sample over `ours`'s, for one backend."""
    reference = next(row["samples_per_second"] for row in rows if row["metric"] == ours)
    return [
        f"| {row['metric']} | {row.get('data', '')} | {row['samples']:,} | {row['samples_per_second']:.3g} | {reference / row['samples_per_second']:.2f}× |"
        for row in rows
    ]


def _metric_family_tables(results):
    header = [
        "| metric | data | samples per call | samples/s | time / keras-tailor |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines = []
    families = list(dict.fromkeys(name for data in results.values() for name in data.get("metric_families", {})))
    for family in families:
        for backend, data in results.items():
            if family not in data.get("metric_families", {}):
                continue
            entry = data["metric_families"][family]
            lines += ["", f"### {backend}: {METRIC_FAMILY_TITLES.get(family, family)}", ""] + header
            lines += _metric_table(entry["rows"], entry["ours"])
    return lines


def _checker_tables(results):
    lines = []
    for backend, data in results.items():
        breakdown = data.get("checker_breakdown")
        if breakdown is None:
            continue
        lines += [
            "",
            f"### {backend}: {breakdown['components']} components",
            "",
            f"In-process checks one component at a time: {breakdown['in_process_seconds']:.0f} s. "
            f"Fresh-process checks of all components in one child process: {breakdown['fresh_process_seconds']:.0f} s, "
            f"{breakdown['fresh_process_failed_checks']} failed.",
            "",
            "| component kind | components | in-process seconds | seconds per component |",
            "| --- | --- | --- | --- |",
        ]
        for kind, total in sorted(breakdown["by_kind"].items(), key=lambda item: -item[1]["seconds"]):
            lines.append(f"| {kind} | {total['components']} | {total['seconds']:.1f} | {total['seconds'] / total['components']:.2f} |")
        lines += ["", "| slowest components, in-process checks | kind | seconds | failed checks |", "| --- | --- | --- | --- |"]
        for row in breakdown["slowest"]:
            lines.append(f"| `{row['component']}` | {row['kind']} | {row['seconds']:.1f} | {row['failed_checks']} |")
    return lines


def _summary_rows(backend, data):
    rows = []
    largest = max(row["elements"] for row in data["losses"])
    times = {row["loss"]: row["seconds"] for row in data["losses"] if row["elements"] == largest}
    ratio = times[OURS] / times["keras.losses.Huber"]
    rows.append((backend, f"Huber time / keras.losses.Huber at {largest:,} elements", f"{ratio:.2f}×", f"≤ {TARGETS['loss']:.2f}×", _mark(ratio <= TARGETS["loss"])))
    if "torch.nn.HuberLoss" in times:
        ratio = times[OURS] / times["torch.nn.HuberLoss"]
        rows.append((backend, f"Huber time / torch.nn.HuberLoss at {largest:,} elements", f"{ratio:.2f}×", f"≤ {TARGETS['torch']:.2f}×", _mark(ratio <= TARGETS["torch"])))
    for row in data["bandwidth"]:
        if row["loss"] == OURS:
            fraction = row["fraction_of_copy"]
            rows.append((backend, "Huber bandwidth / numpy copy", f"{fraction:.0%}", f"≥ {TARGETS['bandwidth']:.0%}", _mark(fraction >= TARGETS["bandwidth"])))
    fit = {row["model"]: row["seconds_per_epoch"] for row in data["fit"]}
    ours = next(v for k, v in fit.items() if k.startswith("keras_tailor"))
    builtin = next(v for k, v in fit.items() if not k.startswith("keras_tailor"))
    overhead = ours / builtin - 1
    rows.append((backend, "model.fit epoch overhead", f"{overhead:+.1%}", f"≤ {TARGETS['fit_overhead']:.0%}", _mark(overhead <= TARGETS["fit_overhead"])))
    if "checker" in data:
        seconds = data["checker"]["seconds"]
        rows.append((backend, "keras-tailor check keras_tailor", f"{seconds:.0f} s", f"≤ {TARGETS['checker']:.0f} s", _mark(seconds <= TARGETS["checker"])))
    return rows


def render(results):
    first = next(iter(results.values()))["machine"]
    lines = [
        "# Benchmarks",
        "",
        "keras-tailor against Keras built-ins, the textbook `where` Huber and, on the",
        "PyTorch backend, `torch.nn.HuberLoss`, measured side by side in one process per",
        "backend. The Gaussian NLL, pinball, Cohen's kappa and Pearson components are",
        "measured the same way against hand-written `keras.ops` versions, torch,",
        "torchmetrics, scikit-learn and scipy. Every number is a median over repeated runs;",
        "ratios divide two medians from the same run. Regenerate with `make bench`.",
        "",
        f"Machine: {first['platform']}, {first['cpu_count']} CPU cores, no GPU. Python {first['python']},",
        f"Keras {first['keras']}, TensorFlow {first['tensorflow']}, JAX {first['jax']}, PyTorch {first['torch']},",
        f"NumPy {first['numpy']}. Measured {first['date']}.",
        "",
        "## Targets",
        "",
        "| backend | measure | value | target | status |",
        "| --- | --- | --- | --- | --- |",
    ]
    for backend, data in results.items():
        for row in _summary_rows(backend, data):
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Losses", ""]
    lines.append(
        "Compiled as Keras compiles a training step: `tf.function(jit_compile=True)` on "
        "TensorFlow, `jax.jit` on JAX, eager on PyTorch (Keras's default there). Rows of "
        "16 elements; each loss is averaged over the batch."
    )
    for backend, data in results.items():
        lines += [""] + _loss_table(backend, data)
    lines += ["", "## Losses: Gaussian NLL and pinball", ""]
    lines.append(
        "Compiled and sized as the Huber rows; elements count the targets. For the Gaussian NLL, `y_pred` has 2 columns per target: the means, then the variances. Before timing, "
        "`benchmarks/run.py` checks that every candidate returns the value of the keras-tailor "
        "loss on the smallest size. The variances lie in [0.3, 2], above the floor of 1e-6, so "
        "the textbook loss's `maximum` floor and `torch.nn.GaussianNLLLoss(full=False, eps=1e-6, "
        'reduction="mean")` compute the same value.'
    )
    lines += _loss_family_tables(results)
    lines += ["", "## Metrics: `update_state` throughput (samples per second)", ""]
    lines += ["| backend | metric | samples per call | samples/s |", "| --- | --- | --- | --- |"]
    for backend, data in results.items():
        for row in data["metrics"]:
            lines.append(f"| {backend} | {row['metric']} | {row['samples']:,} | {row['samples_per_second']:.3g} |")
    lines += ["", "## Metrics: Cohen's kappa and Pearson (samples per second)", ""]
    lines.append(
        "The keras-tailor and Keras metrics are compiled as above and get the backend's tensors. "
        "torchmetrics, scikit-learn and scipy run on CPU numpy arrays or torch tensors in every "
        "backend's process, so their numbers differ between backends only by noise. A streaming "
        "`update_state` adds one batch to its state, while `sklearn.metrics.cohen_kappa_score` and "
        "`scipy.stats.pearsonr` compute the final value in one call on all samples. "
        "torchmetrics' `MulticlassCohenKappa` runs with its default `validate_args=True`. "
        "Before timing, `benchmarks/run.py` checks that CohenKappa and Pearson match "
        "scikit-learn, scipy and torchmetrics on the timed data. "
        "`keras.metrics.PearsonCorrelation` computes another quantity: one coefficient per "
        "row, averaged, so it gets the same values in rows of 16 (on `(N, 1)` rows every "
        "coefficient is NaN). The last column divides keras-tailor's samples/s by each row's."
    )
    lines += _metric_family_tables(results)
    lines += ["", "## `model.fit` on California housing (seconds per epoch, batch 256)", ""]
    lines += ["| backend | loss and metric | seconds per epoch |", "| --- | --- | --- |"]
    for backend, data in results.items():
        for row in data["fit"]:
            lines.append(f"| {backend} | {row['model']} | {row['seconds_per_epoch']:.3f} |")
    checker_lines = _checker_tables(results)
    if checker_lines:
        lines += ["", "## `keras-tailor check keras_tailor`, per component", ""]
        lines.append(
            "The checker reports no time per check, so the benchmark process times "
            "`check_components([component], fresh_process=False)` for each component, then the "
            "fresh-process checks (registration, model round trip, distribution) of all components "
            "in one child process, as `keras-tailor check` runs them. Each component's first "
            "compilations count in its time."
        )
        lines += checker_lines
    lines += ["", "EXPLANATIONS_PLACEHOLDER", ""]
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    folder, output = argv[0], argv[1]
    quick = "--quick" in argv
    results = _load(folder, quick)
    if not results:
        print(f"error: no results in {folder}; run benchmarks/run.py first", file=sys.stderr)
        return 2
    text = render(results)
    explanations = os.path.join(os.path.dirname(os.path.abspath(__file__)), "explanations.md")
    if os.path.exists(explanations):
        with open(explanations, encoding="utf-8") as handle:
            text = text.replace("EXPLANATIONS_PLACEHOLDER", handle.read().strip())
    else:
        text = text.replace("EXPLANATIONS_PLACEHOLDER", "")
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text.rstrip() + "\n")
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
