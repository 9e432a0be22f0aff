"""Child process of the checker: loads saved components with no custom_objects and reports.

Run as `python -m keras_tailor.testing.fresh_child TASKS RESULTS`. With
`"devices": 2` in TASKS it first makes two virtual CPU devices (TensorFlow
logical devices, or XLA host devices on JAX), which must happen before Keras
starts its backend. It imports only the modules each task names, which the
parent took from the component's own `__module__`, never from a saved file.
"""

import importlib
import json
import os
import sys


def _configure_devices(count):
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "jax":
        flag = f"--xla_force_host_platform_device_count={count}"
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flag).strip()
    elif backend == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)


def _error_text(error):
    return f"{type(error).__name__}: {error}"[:2000]


def _registration(task, keras):
    importlib.import_module(task["import"])
    restored = keras.saving.deserialize_keras_object(task["serialized"])
    entry = {"class": f"{type(restored).__module__}:{type(restored).__qualname__}"}
    if hasattr(restored, "get_config") and not callable(getattr(restored, "__wrapped__", None)):
        try:
            entry["config"] = json.loads(json.dumps(restored.get_config()))
        except (TypeError, NotImplementedError):
            entry["config"] = None
    else:
        entry["function"] = getattr(restored, "__qualname__", None)
    return entry


def _model(task, keras, np):
    importlib.import_module(task["import"])
    with np.load(task["x"]) as archive:
        arrays = [archive[f"arr_{index}"] for index in range(len(archive.files))]
    x = arrays[0] if len(arrays) == 1 else arrays
    y = np.load(task["y"])
    results = {}
    for path in task["files"]:
        try:
            model = keras.saving.load_model(path)
            entry = {
                "predictions": model.predict(x, verbose=0).tolist(),
                # A metric such as a confusion matrix evaluates to an array, which JSON stores as lists.
                "evaluation": {
                    key: np.asarray(value).tolist()
                    for key, value in model.evaluate(x, y, verbose=0, return_dict=True).items()
                },
                "weights": [np.asarray(w).tolist() for w in model.get_weights()],
            }
            if path.endswith(".keras"):
                history = model.fit(x, y, epochs=1, verbose=0)
                entry["resumed_loss"] = float(history.history["loss"][0])
        except Exception as error:  # noqa: BLE001  (reported to the parent)
            entry = {"error": _error_text(error)}
        results[path] = entry
    return results


_STRATEGIES = []


def _mirrored_strategy(tf):
    """Return the one MirroredStrategy of this process over every logical CPU device.

    A second strategy in the same process numbers its collective operations
    from the same start, so the gradient all-reduce of a later model meets a
    pending one of an earlier model and fails with a shape mismatch.
    """
    if not _STRATEGIES:
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        _STRATEGIES.append(tf.distribute.MirroredStrategy(devices))
    return _STRATEGIES[0]


def _distributed_metric(task, keras, np):
    importlib.import_module(task["import"])
    y_true = np.load(task["y_true"])
    y_pred = np.load(task["y_pred"])
    weights = np.load(task["weights"])

    def run():
        """Return the metric as `model.fit` records it in History, and as `model.evaluate` returns it.

        The model's one layer is an identity `Dense` trained with a learning
        rate of 0, so its output is `y_pred` in both passes.
        """
        metric = keras.saving.deserialize_keras_object(task["serialized"])
        width = y_pred.shape[1]
        model = keras.Sequential(
            [keras.Input((width,)), keras.layers.Dense(width, kernel_initializer="identity", bias_initializer="zeros")]
        )
        loss = keras.losses.MeanSquaredError()
        if "loss" in task:
            loss = keras.saving.deserialize_keras_object(task["loss"])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=loss, metrics=[metric])
        arguments = {"sample_weight": weights, "batch_size": task["batch_size"], "verbose": 0}
        history = model.fit(y_pred, y_true, epochs=1, shuffle=False, **arguments).history
        values = model.evaluate(y_pred, y_true, return_dict=True, **arguments)
        return {
            "fit": np.asarray(history[metric.name][-1], dtype="float64").tolist(),
            "evaluate": np.asarray(values[metric.name], dtype="float64").tolist(),
        }

    single = run()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = _mirrored_strategy(tf)
        with strategy.scope():
            distributed = run()
        replicas = strategy.num_replicas_in_sync
    elif backend == "jax":
        import jax

        devices = jax.devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        try:
            distributed = run()
        finally:
            keras.distribution.set_distribution(None)
        replicas = len(devices)
    else:
        return {"skipped": f"Keras 3.15.1 has no data-parallel distribution for the {backend} backend"}
    return {"single": single, "distributed": distributed, "replicas": replicas}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    tasks_path, results_path = argv
    with open(tasks_path, encoding="utf-8") as handle:
        tasks = json.load(handle)
    if tasks.get("devices", 1) > 1:
        _configure_devices(tasks["devices"])

    import keras
    import numpy as np

    handlers = {
        "registration": lambda task: _registration(task, keras),
        "model": lambda task: _model(task, keras, np),
        "distributed_metric": lambda task: _distributed_metric(task, keras, np),
    }
    results = {}
    for task in tasks["tasks"]:
        try:
            results[task["id"]] = handlers[task["type"]](task)
        except Exception as error:  # noqa: BLE001  (reported to the parent)
            results[task["id"]] = {"error": _error_text(error)}
    with open(results_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
