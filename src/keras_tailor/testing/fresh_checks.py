"""Checks that need a fresh Python process: registration, model round trip, distribution.

Each check prepares tasks here, every task of every component runs in one child
process (importing TensorFlow costs seconds), and the results come back to
functions that judge them.
"""

import json
import math
import os
import subprocess
import sys

import keras
import numpy as np
from keras import ops

from keras_tailor.testing import models
from keras_tailor.testing.behaviour_checks import _format_value, _metric_data
from keras_tailor.testing.config_checks import check_registration_static
from keras_tailor.testing.report import FAILED, PASSED, SKIPPED
from keras_tailor.testing.subject import json_normalize

DEVICES = 2
H5_RESUME_NOTE = (
    "Keras 3.15.1 restores a compiled model from legacy .h5 with an optimizer that "
    "has no variables, so resuming training from .h5 is not checked"
)


class PendingCheck:
    """Tasks for the child process and the function that judges their results."""

    def __init__(self, tasks, judge):
        self.tasks = tasks
        self.judge = judge


def _module_of(subject):
    target = subject.function if subject.is_function else subject.cls
    return target.__module__


def prepare_registration(subject, report, folder, prefix):
    serialized = check_registration_static(subject, report)
    if serialized is None:
        return None
    task_id = f"{prefix}registration"
    serialized = json_normalize(serialized)
    config = serialized.get("config")
    expected_config = config if isinstance(config, dict) else None

    def judge(results):
        entry = results.get(task_id, {"error": "the child process returned no result"})
        if "error" in entry:
            report.add("registration", FAILED, f"a fresh process importing only {_module_of(subject)} could not deserialize it: {entry['error']}")
        elif expected_config is not None and entry.get("config") != expected_config:
            report.add("registration", FAILED, f"a fresh process rebuilt it with config {entry.get('config')}, expected {expected_config}")
        else:
            report.add("registration", PASSED, f"resolves in a fresh process that imports only {_module_of(subject)}")

    task = {"type": "registration", "id": task_id, "import": _module_of(subject), "serialized": serialized}
    return PendingCheck([task], judge)


def _same_values(first, second):
    """Return True if two JSON results, scalars or nested lists, have one shape and agree within tolerance."""
    first, second = np.asarray(first, dtype="float64"), np.asarray(second, dtype="float64")
    return first.shape == second.shape and np.allclose(first, second, rtol=1e-5, atol=1e-6)


def prepare_model_round_trip(subject, report, folder, prefix):
    component = subject.build(config_only=False)
    try:
        examples = models.component_examples(subject)
        layer_inputs = models.layer_examples(subject)
        x, y = models.training_data(examples, seed=8, layer_inputs=layer_inputs)
        model = models.build_model(subject.kind, component, examples=examples, layer_inputs=layer_inputs)
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    except Exception as error:  # noqa: BLE001  (any failure here is the finding)
        report.add("model_round_trip", FAILED, f"training a model with it raised {type(error).__name__}: {error}")
        return None
    # Comparing reloaded outputs is meaningless if the model itself is not
    # repeatable. A compiled predict() can reuse weights that its single trace
    # created, so it is compared with a direct call, which runs call() again.
    predictions = model.predict(x, verbose=0)
    called = np.asarray(ops.convert_to_numpy(model(x, training=False)))
    if not np.allclose(called, predictions, rtol=1e-5, atol=1e-6):
        drift = float(np.max(np.abs(called - predictions)))
        report.add(
            "model_round_trip",
            FAILED,
            f"predict() and a direct call on the same input differ by up to {drift:.3g} before saving, so the "
            "model is not repeatable, for example because a layer creates new weights in call() instead of build()",
        )
        return None
    files, save_problems = [], []
    for extension in ("keras", "h5"):
        path = os.path.join(folder, f"{prefix}model.{extension}")
        try:
            model.save(path)
            files.append(path)
        except Exception as error:  # noqa: BLE001
            save_problems.append(f"saving .{extension} raised {type(error).__name__}: {error}")
    x_path, y_path = os.path.join(folder, f"{prefix}x.npz"), os.path.join(folder, f"{prefix}y.npy")
    # One array, or the list of a layer's several inputs, in order.
    np.savez(x_path, *(x if isinstance(x, list) else [x]))
    np.save(y_path, y)
    expected_predictions = predictions
    # A metric such as a confusion matrix evaluates to an array, stored as lists like the child's JSON.
    expected_evaluation = {
        key: np.asarray(value).tolist() for key, value in model.evaluate(x, y, verbose=0, return_dict=True).items()
    }
    expected_weights = [np.asarray(w) for w in model.get_weights()]
    task_id = f"{prefix}model"

    def judge(results):
        problems = list(save_problems)
        entries = results.get(task_id, {"error": "the child process returned no result"})
        if "error" in entries:
            problems.append(entries["error"])
            entries = {}
        for path, entry in entries.items():
            name = os.path.basename(path)
            if "error" in entry:
                problems.append(f"{name} did not load without custom_objects: {entry['error']}")
                continue
            difference = float(np.max(np.abs(np.asarray(entry["predictions"]) - expected_predictions)))
            if difference > 1e-6:
                problems.append(f"{name}: reloaded predictions differ by up to {difference:.3g}")
            for key, value in expected_evaluation.items():
                got = entry["evaluation"].get(key)
                if got is None or not _same_values(got, value):
                    problems.append(f"{name}: evaluate()[{key!r}] is {got}, before saving {value}")
            if len(entry["weights"]) != len(expected_weights) or not all(
                np.allclose(np.asarray(a), b) for a, b in zip(entry["weights"], expected_weights)
            ):
                problems.append(f"{name}: trained weights did not come back")
            if name.endswith(".keras") and not math.isfinite(entry.get("resumed_loss", math.nan)):
                problems.append(f"{name}: resuming training gave loss {entry.get('resumed_loss')}")
        if problems:
            report.add("model_round_trip", FAILED, "; ".join(problems))
        else:
            report.add("model_round_trip", PASSED, ".keras and .h5 reload with no custom_objects and give the same outputs; " + H5_RESUME_NOTE)

    task = {"type": "model", "id": task_id, "import": _module_of(subject), "files": files, "x": x_path, "y": y_path}
    return PendingCheck([task], judge)


def prepare_distribution(subject, report, folder, prefix):
    backend = keras.backend.backend()
    if backend == "torch":
        report.add("metric_distribution", SKIPPED, "Keras 3.15.1 has no data-parallel distribution for the PyTorch backend")
        return None
    try:
        examples = models.component_examples(subject)
    except ValueError as error:
        report.add("metric_distribution", FAILED, str(error))
        return None
    y_true, y_pred, weights = _metric_data(rows=26, seed=9, examples=examples)
    paths = {}
    for name, array in (("y_true", y_true), ("y_pred", y_pred), ("weights", weights)):
        paths[name] = os.path.join(folder, f"{prefix}{name}.npy")
        np.save(paths[name], array)
    task_id = f"{prefix}distribution"
    metric = subject.build(config_only=False)
    serialized = json_normalize(keras.saving.serialize_keras_object(metric))
    # TensorFlow combines the replicas' copies of each variable by its aggregation,
    # so a count or total that is not summed is the usual cause of a mismatch.
    unsummed = [f"{variable.name} ({variable.aggregation!r})" for variable in metric.variables if variable.aggregation != "sum"]

    def judge(results):
        entry = results.get(task_id, {"error": "the child process returned no result"})
        if "error" in entry:
            report.add("metric_distribution", FAILED, f"evaluating over {DEVICES} devices raised {entry['error']}")
        elif "skipped" in entry:
            report.add("metric_distribution", SKIPPED, entry["skipped"])
        else:
            single, distributed = entry["single"], entry["distributed"]
            mismatches = [
                f"in model.{step} {entry['replicas']} replicas give {_format_value(distributed[step])}, "
                f"one device gives {_format_value(single[step])}"
                for step in ("fit", "evaluate")
                if not _same_values(single[step], distributed[step])
            ]
            if mismatches:
                message = "; ".join(mismatches)
                if unsummed:
                    message += ". State variables not aggregated with 'sum' across replicas: " + ", ".join(unsummed)
                report.add("metric_distribution", FAILED, message)
            else:
                strategy = "MirroredStrategy" if backend == "tensorflow" else "DataParallel"
                report.add(
                    "metric_distribution",
                    PASSED,
                    f"{strategy} over {entry['replicas']} CPU devices matches one device in model.fit and model.evaluate",
                )

    # The child evaluates a model whose output is y_pred, with the loss a model producing it would train with.
    loss = json_normalize(keras.saving.serialize_keras_object(models.head_for(examples)[2]))
    task = {
        "type": "distributed_metric",
        "id": task_id,
        "import": _module_of(subject),
        "serialized": serialized,
        "loss": loss,
        "batch_size": 8,
        **paths,
    }
    return PendingCheck([task], judge)


def run_pending(pending, folder, timeout=1800):
    """Run every pending task in one child process and let each check judge its results."""
    pending = [p for p in pending if p is not None]
    if not pending:
        return
    tasks_path = os.path.join(folder, "tasks.json")
    results_path = os.path.join(folder, "results.json")
    with open(tasks_path, "w", encoding="utf-8") as handle:
        json.dump({"devices": DEVICES, "tasks": [t for p in pending for t in p.tasks]}, handle)
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    completed = subprocess.run(
        [sys.executable, "-m", "keras_tailor.testing.fresh_child", tasks_path, results_path],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    if completed.returncode != 0 or not os.path.exists(results_path):
        results = {}
        failure = f"the fresh process failed with exit status {completed.returncode}: {completed.stderr[-1500:]}"
        for check in pending:
            for task in check.tasks:
                results[task["id"]] = {"error": failure}
    else:
        with open(results_path, encoding="utf-8") as handle:
            results = json.load(handle)
    for check in pending:
        check.judge(results)
