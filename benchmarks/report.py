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


def _loss_table(backend, data):
    by_size = {}
    for row in data["losses"]:
        by_size.setdefault(row["elements"], {})[row["loss"]] = row["seconds"]
    names = list(dict.fromkeys(row["loss"] for row in data["losses"]))
    lines = [
        f"### {backend}: forward plus backward of a Huber loss (median ms, ratio to keras-tailor)",
        "",
        "| elements | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for elements, times in sorted(by_size.items()):
        ours = times[OURS]
        cells = [f"{times[n] * 1e3:.3f} ({times[n] / ours:.2f}×)" for n in names]
        lines.append(f"| {elements:,} | " + " | ".join(cells) + " |")
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
        "backend. Every number is a median over repeated runs; ratios divide two medians",
        "from the same run. Regenerate with `make bench` (about 10 minutes).",
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
    lines += ["", "## Metrics: `update_state` throughput (samples per second)", ""]
    lines += ["| backend | metric | samples per call | samples/s |", "| --- | --- | --- | --- |"]
    for backend, data in results.items():
        for row in data["metrics"]:
            lines.append(f"| {backend} | {row['metric']} | {row['samples']:,} | {row['samples_per_second']:.3g} |")
    lines += ["", "## `model.fit` on California housing (seconds per epoch, batch 256)", ""]
    lines += ["| backend | loss and metric | seconds per epoch |", "| --- | --- | --- |"]
    for backend, data in results.items():
        for row in data["fit"]:
            lines.append(f"| {backend} | {row['model']} | {row['seconds_per_epoch']:.3f} |")
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
