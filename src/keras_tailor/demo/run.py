"""Train, save, reload in a fresh process, and compare: the steps of `keras-tailor demo`."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np

from keras_tailor.demo import devices as data_parallel_devices
from keras_tailor.demo import housing
from keras_tailor.demo.components import keras_tailor_components
from keras_tailor.demo.model import build_model, read_hyperparameters

logger = logging.getLogger(__name__)

# Float32 sums over 4128 rows in another order and split across devices agree to about 1e-6.
VALIDATION_RTOL = 1e-5
VALIDATION_ATOL = 1e-6


class DemoError(RuntimeError):
    """A step of the demo failed in a way the user can act on."""


class DemoResult:
    """Measurements of one demo run.

    Attributes:
        model_path: the saved `.keras` file.
        history: `model.fit`'s `History.history`.
        max_abs_difference: the largest absolute difference between the
            predictions of the trained and the reloaded model on the validation split.
        components: `{path: (original config, reloaded config)}` for every
            keras-tailor object in the model.
        hyperparameters: `{label: (read from the trained model's objects, read
            from the reloaded model's objects)}`.
        mismatched: the config paths and component labels that differ after reloading.
        devices: the number of CPU devices the model was trained on.
        validation: `{name: (value in History after the last epoch, value of
            the reloaded model evaluated on one device)}` for the loss and
            every metric on the validation split.
    """

    def __init__(
        self, model_path, history, max_abs_difference, components, hyperparameters, mismatched, devices, validation
    ):
        self.model_path = model_path
        self.history = history
        self.max_abs_difference = max_abs_difference
        self.components = components
        self.hyperparameters = hyperparameters
        self.mismatched = mismatched
        self.devices = devices
        self.validation = validation

    @property
    def validation_differs(self):
        """The names whose recorded validation value differs from the single-device evaluation."""
        return sorted(
            name
            for name, (recorded, evaluated) in self.validation.items()
            if not np.isclose(recorded, evaluated, rtol=VALIDATION_RTOL, atol=VALIDATION_ATOL)
        )

    @property
    def passed(self):
        return self.max_abs_difference == 0.0 and not self.mismatched and not self.validation_differs


class EpochLogger(keras.callbacks.Callback):
    """Log every training and validation metric after every epoch."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs
        self.started = None

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        names = [name for name in logs if not name.startswith("val_") and name != "loss"]
        train = "  ".join(f"{name} {logs[name]:.4f}" for name in names)
        validation = "  ".join(f"{name} {logs['val_' + name]:.4f}" for name in names if "val_" + name in logs)
        logger.info(
            "epoch %d/%d  train %s  |  validation %s  (%.1f s)",
            epoch + 1,
            self.epochs,
            train,
            validation,
            time.perf_counter() - self.started,
        )


def _reload_in_fresh_process(model_path, features_path, targets_path, report_path):
    """Run `keras_tailor.demo.reload` in a new interpreter on the same backend."""
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    command = [
        sys.executable,
        "-m",
        "keras_tailor.demo.reload",
        str(model_path),
        str(features_path),
        str(targets_path),
        str(report_path),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        raise DemoError(
            f"Reloading {model_path} in a fresh process failed with exit status "
            f"{completed.returncode}:\n{completed.stderr[-3000:]}"
        )
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    predictions = np.load(str(report_path) + ".predictions.npy")
    return report, predictions


def run_demo(output_dir, epochs=8, seed=0, data_path=None, batch_size=128, loss=None, devices=1):
    """Train the housing model, save it, reload it in a fresh process and compare.

    Args:
        output_dir: folder for `housing_regressor.keras` and the comparison files.
        epochs: training epochs, an integer >= 1.
        seed: seed of the shuffle, the split and the weights.
        data_path: a housing CSV (plain or `.gz`). Defaults to the shipped copy.
        batch_size: training batch size, an integer >= 1.
        loss: a keras-tailor loss instance. Defaults to `Huber(threshold=0.5)`.
        devices: the number of CPU devices to train on, data-parallel, an
            integer >= 1. More than 1 needs the JAX backend started with that
            many host devices (`keras-tailor demo --devices` does it) or the
            TensorFlow backend.

    Returns:
        A `DemoResult`.

    Raises:
        housing.DataError: the data file is missing or malformed.
        DemoError: the fresh-process reload failed.
        devices.DevicesError: the devices cannot be set up on this backend.
        ValueError: `epochs`, `batch_size` or `devices` is not a positive integer.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("devices", devices)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"Invalid {name}: received {value!r}, expected an integer >= 1.")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    data = housing.load_housing(data_path)
    split = housing.split_and_prepare(data, seed=seed)
    logger.info(
        "California housing: %d training and %d validation rows, %d features; "
        "%d empty total_bedrooms imputed with the training median %.0f",
        len(split.train_target),
        len(split.validation_target),
        split.train_features.shape[1],
        int(np.isnan(data.numeric[:, housing.NUMERIC_COLUMNS.index(housing.IMPUTED_COLUMN)]).sum()),
        split.imputed_value,
    )

    with data_parallel_devices.data_parallel(devices):
        keras.utils.set_random_seed(seed)
        model = build_model(split.train_features, seed=seed, loss=loss)
        placement = "one device" if devices == 1 else f"{devices} CPU devices, data-parallel"
        logger.info(
            "Training with %r on the %s backend on %s for %d epochs",
            model.loss,
            keras.backend.backend(),
            placement,
            epochs,
        )
        history = model.fit(
            split.train_features,
            split.train_target,
            validation_data=(split.validation_features, split.validation_target),
            epochs=epochs,
            batch_size=batch_size,
            verbose=0,
            callbacks=[EpochLogger(epochs)],
        )

    model_path = output_dir / "housing_regressor.keras"
    model.save(model_path)
    features_path = output_dir / "validation_features.npy"
    targets_path = output_dir / "validation_targets.npy"
    np.save(features_path, split.validation_features)
    np.save(targets_path, split.validation_target)
    predictions = model.predict(split.validation_features, verbose=0)
    logger.info("Saved %s; reloading it in a fresh process with no custom_objects", model_path)

    report, reloaded_predictions = _reload_in_fresh_process(
        model_path, features_path, targets_path, output_dir / "reload_report.json"
    )
    max_abs_difference = float(np.max(np.abs(reloaded_predictions - predictions)))

    original = json.loads(json.dumps(keras_tailor_components(model)))
    reloaded = report["components"]
    components = {path: (original[path], reloaded.get(path)) for path in original}
    mismatched = sorted(path for path, (before, after) in components.items() if before != after)
    mismatched += sorted(path for path in reloaded if path not in original)

    expected = read_hyperparameters(model)
    reloaded_hyperparameters = report["hyperparameters"]
    hyperparameters = {label: (values, reloaded_hyperparameters.get(label)) for label, values in expected.items()}
    mismatched += sorted(label for label, (before, after) in hyperparameters.items() if before != after)
    mismatched += sorted(label for label in reloaded_hyperparameters if label not in expected)
    validation = {
        name: (float(history.history["val_" + name][-1]), value)
        for name, value in report["evaluation"].items()
        if "val_" + name in history.history
    }
    return DemoResult(
        model_path,
        history.history,
        max_abs_difference,
        components,
        hyperparameters,
        mismatched,
        devices,
        validation,
    )


def _short_value(value):
    """Format a config value, writing a serialized dtype policy as its name."""
    if isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
        return repr(value["config"]["name"])
    return repr(value)


def log_result(result):
    """Log the comparison: the prediction difference and each component's hyperparameters."""
    logger.info(
        "Reloaded model vs original on the validation split: max |difference| = %.3g",
        result.max_abs_difference,
    )
    where = "on one device" if result.devices == 1 else f"data-parallel over {result.devices} devices"
    logger.info("Validation metrics recorded in training (%s) vs the reloaded model evaluated on one device:", where)
    for name, (recorded, evaluated) in result.validation.items():
        status = "different" if name in result.validation_differs else "same"
        logger.info("  %-28s %-12.6g %-12.6g %s", name, recorded, evaluated, status)
    logger.info("Hyperparameters of the trained objects vs the reloaded objects:")
    for label, (before, after) in result.hyperparameters.items():
        values = ", ".join(f"{key}={value!r}" for key, value in before.items())
        status = "same" if before == after else f"CHANGED to {after}"
        logger.info("  %-28s %-44s %s", label, values, status)
    logger.info("Saved configs of keras-tailor objects, before vs after reloading:")
    for path, (before, after) in sorted(result.components.items()):
        name = before["registered_name"]
        config = ", ".join(f"{key}={_short_value(value)}" for key, value in (before["config"] or {}).items())
        status = "same" if before == after else f"CHANGED to {after}"
        logger.info("  %-38s %-28s %s: %s", path, name, config, status)
    if result.passed:
        logger.info(
            "Reloaded predictions equal the original ones and all %d keras-tailor components "
            "came back with every hyperparameter.",
            len(result.components),
        )
    else:
        logger.error(
            "Reload check failed: max |difference| %.3g, changed components: %s, validation metrics that differ: %s",
            result.max_abs_difference,
            result.mismatched or "none",
            result.validation_differs or "none",
        )
