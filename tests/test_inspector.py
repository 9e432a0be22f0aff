"""`keras-tailor inspect`: lists a saved model's objects without loading it.

Models are built and saved here, on this pytest process's backend, as `.keras`
and legacy `.h5` files. Unresolvable names are made by editing config.json (or
the `.h5` `model_config` attribute) in a copy of a saved file.
"""

import ast
import builtins
import importlib
import importlib.util
import json
import logging
import marshal
import os
import pickle
import shutil
import subprocess
import sys
import zipfile

import h5py
import keras
import pytest

import keras_tailor as kt
from keras_tailor import cli, inspector
from keras_tailor.inspector import InspectionError, inspect_file

FORMATS = ("keras", "h5")
MISSING_REGISTERED_NAME = "test_only_package>MissingLayer"


class UnregisteredScale(keras.layers.Layer):
    """A custom layer saved without a registered name, so Keras cannot find it by name at load."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _save_both(model, folder, stem):
    """Save `model` as `.keras` and `.h5` and return the two paths by format."""
    paths = {"keras": folder / f"{stem}.keras", "h5": folder / f"{stem}.h5"}
    model.save(paths["keras"])
    model.save(paths["h5"])
    return paths


def _rewrite_keras_config(source, target, edit):
    """Copy a `.keras` archive, passing its parsed config.json through `edit`."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode("utf-8")
            copy.writestr(item, data)
    return target


def _rewrite_h5_config(source, target, edit):
    """Copy a legacy `.h5` file, passing its parsed `model_config` attribute through `edit`."""
    shutil.copy(source, target)
    with h5py.File(target, "r+") as h5_file:
        config = json.loads(h5_file.attrs["model_config"])
        edit(config)
        h5_file.attrs["model_config"] = json.dumps(config)
    return target


def _rewrite_config(source, target, edit):
    if str(source).endswith(".keras"):
        return _rewrite_keras_config(source, target, edit)
    return _rewrite_h5_config(source, target, edit)


def _replace_layer(config, class_name, module, registered_name):
    """Make the Snake layer of `config` name another class, in the style of each format."""
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Snake":
            layer.update(class_name=class_name, module=module, registered_name=registered_name)
        elif layer["class_name"] == "keras_tailor>Snake":
            # Legacy .h5 configs store only class_name, holding the registered name.
            layer["class_name"] = registered_name


def _find(report, class_name, kind=None):
    matches = [obj for obj in report.objects if obj.class_name == class_name and kind in (None, obj.kind)]
    assert matches, f"no {kind or 'object'} {class_name!r} in {[obj.class_name for obj in report.objects]}"
    return matches[0]


def _run_cli(*arguments):
    """Parse `keras-tailor inspect ARGUMENTS` with the real parser and run it in this process."""
    args = cli.build_parser().parse_args(["inspect", *map(str, arguments)])
    return inspector.run(args)


@pytest.fixture
def inspector_log(caplog):
    """Capture the inspector's log even after `cli.main` turned off propagation to the root logger."""
    logger = logging.getLogger("keras_tailor.inspector")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture(scope="module")
def saved_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("inspector_models")


@pytest.fixture(scope="module")
def plain_files(saved_folder):
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu", name="dense"),
            keras.layers.Dense(1, name="dense_1"),
        ]
    )
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return _save_both(model, saved_folder, "plain")


@pytest.fixture(scope="module")
def tailor_files(saved_folder):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, kernel_initializer=kt.initializers.DeltaOrthogonal(seed=1))(inputs)
    hidden = kt.layers.Snake(initial_frequency=1.5)(hidden)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="adam",
        loss=kt.losses.Huber(threshold=2.5),
        metrics=[kt.metrics.HuberMetric(threshold=0.5, name="huber_half")],
    )
    return _save_both(model, saved_folder, "tailor")


@pytest.fixture(scope="module")
def custom_files(saved_folder):
    """keras_tailor parts, an unregistered layer, and a Snake renamed to a registered name that no module defines."""
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, kernel_initializer=kt.initializers.DeltaOrthogonal(seed=1))(inputs)
    hidden = kt.layers.Snake(initial_frequency=1.5)(hidden)
    hidden = UnregisteredScale(factor=3.0)(hidden)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=kt.losses.Huber(threshold=2.5), metrics=[kt.metrics.HuberMetric()])
    saved = _save_both(model, saved_folder, "custom_original")

    def rename(config):
        _replace_layer(config, "MissingLayer", "test_only_package.layers", MISSING_REGISTERED_NAME)

    return {
        file_format: _rewrite_config(path, saved_folder / f"custom.{file_format}", rename)
        for file_format, path in saved.items()
    }


def _marker_writing_function(marker):
    """Return a lambda that creates `marker` whenever it runs."""
    return lambda inputs: (open(marker, "w").close(), inputs)[1]


@pytest.fixture(scope="module")
def lambda_files(saved_folder):
    """A model whose Lambda layer creates a marker file whenever its function runs."""
    marker = saved_folder / "lambda_ran.txt"
    inputs = keras.Input((4,))
    outputs = keras.layers.Lambda(_marker_writing_function(str(marker)), name="marker_lambda")(inputs)
    model = keras.Model(inputs, outputs)
    # Building the model calls the function on symbolic inputs, which proves that it writes the marker.
    created_by_build = marker.exists()
    paths = _save_both(model, saved_folder, "lambda")
    marker.unlink(missing_ok=True)
    return {"paths": paths, "marker": marker, "created_by_build": created_by_build}


# ---------------------------------------------------------------------------
# Built-in and keras_tailor objects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_plain_model_all_builtin(plain_files, file_format):
    report = inspect_file(plain_files[file_format])
    assert report.unresolved == []
    assert report.unsafe_at_load == []
    assert report.exit_status == inspector.EXIT_OK
    assert report.custom_objects_snippet() is None


@pytest.mark.parametrize("file_format", FORMATS)
def test_plain_model_lists_objects(plain_files, file_format):
    report = inspect_file(plain_files[file_format])
    root = report.objects[0]
    assert root.kind == "model"
    assert root.class_name == "Sequential"
    assert [obj.name for obj in report.objects if obj.class_name == "Dense"] == ["dense", "dense_1"]
    assert _find(report, "Adam").kind == "optimizer"
    assert _find(report, "relu").kind == "activation"
    assert _find(report, "relu").form == "name"
    assert _find(report, "mse").kind == "loss"
    assert _find(report, "mae").kind == "metric"


@pytest.mark.parametrize("file_format", FORMATS)
def test_dense_hyperparameters_exclude_base(plain_files, file_format):
    dense = _find(inspect_file(plain_files[file_format]), "Dense")
    assert dense.hyperparameters["units"] == 4
    assert dense.hyperparameters["activation"] == "relu"
    assert "name" not in dense.hyperparameters
    assert "trainable" not in dense.hyperparameters
    assert "dtype" not in dense.hyperparameters


@pytest.mark.parametrize("file_format", FORMATS)
def test_tailor_loss_threshold_listed(tailor_files, file_format):
    loss = _find(inspect_file(tailor_files[file_format]), "Huber", kind="loss")
    assert loss.registered_name == "keras_tailor>Huber"
    assert loss.hyperparameters["threshold"] == 2.5
    assert loss.resolves
    assert loss.path.endswith(".loss")


@pytest.mark.parametrize("file_format", FORMATS)
def test_tailor_metric_threshold_listed(tailor_files, file_format):
    metric = _find(inspect_file(tailor_files[file_format]), "HuberMetric", kind="metric")
    assert metric.registered_name == "keras_tailor>HuberMetric"
    assert metric.hyperparameters["threshold"] == 0.5
    assert metric.name == "huber_half"
    assert metric.resolves


@pytest.mark.parametrize("file_format", FORMATS)
def test_tailor_layer_and_initializer(tailor_files, file_format):
    report = inspect_file(tailor_files[file_format])
    snake = _find(report, "Snake", kind="layer")
    initializer = _find(report, "DeltaOrthogonal", kind="initializer")
    assert snake.registered_name == "keras_tailor>Snake"
    assert snake.hyperparameters == {"initial_frequency": 1.5}
    assert snake.resolves
    assert initializer.hyperparameters["seed"] == 1
    assert initializer.path.endswith("config.kernel_initializer")
    assert initializer.resolves


@pytest.mark.parametrize("file_format", FORMATS)
def test_tailor_model_exit_zero(tailor_files, file_format, capsys):
    assert inspect_file(tailor_files[file_format]).exit_status == inspector.EXIT_OK
    assert _run_cli(tailor_files[file_format]) == 0
    assert "No custom_objects needed after `import keras_tailor`." in capsys.readouterr().out


@pytest.mark.parametrize("file_format", FORMATS)
def test_keras_version_reported(tailor_files, file_format):
    assert inspect_file(tailor_files[file_format]).keras_version == keras.__version__


def test_keras_date_saved_reported(tailor_files):
    assert inspect_file(tailor_files["keras"]).date_saved


def test_h5_backend_reported(tailor_files):
    assert inspect_file(tailor_files["h5"]).saved_backend == keras.backend.backend()


def test_format_report_table_rows(tailor_files):
    text = inspector.format_report(inspect_file(tailor_files["keras"]))
    header = next(line for line in text.splitlines() if line.startswith("path"))
    huber_row = next(line for line in text.splitlines() if line.startswith("compile_config.loss"))
    for column in ("kind", "class", "registered name", "resolves", "hyperparameters", "flags"):
        assert column in header
    assert "keras_tailor>Huber" in huber_row
    assert "threshold=2.5" in huber_row
    assert " yes " in huber_row
    assert f"saved by Keras {keras.__version__}" in text


def test_json_option_output(tailor_files, capsys):
    assert _run_cli(tailor_files["keras"], "--json") == 0
    report = json.loads(capsys.readouterr().out)
    loss = next(obj for obj in report["objects"] if obj["class_name"] == "Huber")
    assert report["format"] == "keras"
    assert report["keras_version"] == keras.__version__
    assert report["exit_status"] == 0
    assert report["custom_objects"] is None
    assert loss["hyperparameters"]["threshold"] == 2.5
    assert loss["kind"] == "loss"


def test_compiled_function_resolves(saved_folder):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=kt.losses.huber, metrics=[keras.losses.mean_squared_error])
    path = saved_folder / "functions.keras"
    model.save(path)
    report = inspect_file(path)
    loss = _find(report, "huber", kind="loss")
    assert loss.form == "function"
    assert loss.registered_name == "keras_tailor>huber"
    assert loss.resolves
    assert _find(report, "mean_squared_error", kind="metric").resolves


# ---------------------------------------------------------------------------
# Unresolved objects and custom_objects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_missing_registered_name_unresolved(custom_files, file_format):
    report = inspect_file(custom_files[file_format])
    missing = _find(report, "MissingLayer", kind="layer")
    assert missing.registered_name == MISSING_REGISTERED_NAME
    assert not missing.resolves
    assert missing in report.unresolved
    assert _find(report, "Huber", kind="loss").resolves


@pytest.mark.parametrize("file_format", FORMATS)
def test_unregistered_class_unresolved(custom_files, file_format):
    scale = _find(inspect_file(custom_files[file_format]), "UnregisteredScale", kind="layer")
    assert not scale.resolves
    assert scale.hyperparameters == {"factor": 3.0}
    assert "not registered" in scale.resolution


@pytest.mark.parametrize("file_format", FORMATS)
def test_custom_objects_snippet_keys(custom_files, file_format):
    snippet = inspect_file(custom_files[file_format]).custom_objects_snippet()
    assignment = ast.parse(snippet).body[0]
    keys = [key.value for key in assignment.value.keys]
    placeholders = [value.id for value in assignment.value.values]
    assert assignment.targets[0].id == "custom_objects"
    assert sorted(keys) == sorted([MISSING_REGISTERED_NAME, "UnregisteredScale"])
    assert sorted(placeholders) == ["MissingLayer", "UnregisteredScale"]


def test_custom_objects_snippet_module_comment(custom_files):
    snippet = inspect_file(custom_files["keras"]).custom_objects_snippet()
    missing_line = next(line for line in snippet.splitlines() if MISSING_REGISTERED_NAME in line)
    assert "# layer, module 'test_only_package.layers'" in missing_line


@pytest.mark.parametrize("file_format", FORMATS)
def test_unresolved_cli_exit_one(custom_files, file_format, capsys):
    assert _run_cli(custom_files[file_format]) == inspector.EXIT_FINDINGS
    output = capsys.readouterr().out
    assert "custom_objects = {" in output
    assert f"{MISSING_REGISTERED_NAME!r}: MissingLayer," in output


def test_unregistered_function_loss_unresolved(saved_folder):
    def squared_error_for_test(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=squared_error_for_test)
    path = saved_folder / "plain_function_loss.keras"
    model.save(path)
    report = inspect_file(path)
    loss = _find(report, "squared_error_for_test", kind="loss")
    assert loss.form == "function"
    assert not loss.resolves
    assert "'squared_error_for_test': squared_error_for_test,  # loss function" in report.custom_objects_snippet()


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module on sys.path, not yet imported, that registers `inspector_user_package>ImportedLayer`."""
    name = "kt_inspector_user_layers"
    (tmp_path / f"{name}.py").write_text(
        "import keras\n\n\n"
        "@keras.saving.register_keras_serializable(package='inspector_user_package')\n"
        "class ImportedLayer(keras.layers.Layer):\n"
        "    def call(self, inputs):\n"
        "        return inputs\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)
    keras.saving.get_custom_objects().pop("inspector_user_package>ImportedLayer", None)


@pytest.mark.parametrize("file_format", FORMATS)
def test_import_option_resolves_class(tailor_files, tmp_path, user_module, file_format):
    def rename(config):
        _replace_layer(config, "ImportedLayer", user_module, "inspector_user_package>ImportedLayer")

    path = _rewrite_config(tailor_files[file_format], tmp_path / f"imported.{file_format}", rename)
    assert user_module not in sys.modules
    assert not _find(inspect_file(path), "ImportedLayer").resolves
    assert user_module not in sys.modules
    assert _run_cli(path) == inspector.EXIT_FINDINGS
    assert _run_cli(path, "--import", user_module) == inspector.EXIT_OK
    assert _find(inspect_file(path, imports=[user_module]), "ImportedLayer").resolves


def test_import_missing_module_exit_two(tailor_files, inspector_log):
    assert _run_cli(tailor_files["keras"], "--import", "no_such_module_for_inspector") == inspector.EXIT_UNREADABLE
    assert "error: could not import module 'no_such_module_for_inspector'" in inspector_log.text


# ---------------------------------------------------------------------------
# Code that would run at load, and never runs during inspection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_lambda_flagged_marker_absent(lambda_files, file_format, capsys):
    marker = lambda_files["marker"]
    assert lambda_files["created_by_build"], "the Lambda's function should write the marker when it runs"
    assert not marker.exists()

    report = inspect_file(lambda_files["paths"][file_format])
    layer = _find(report, "Lambda", kind="layer")
    function = next(obj for obj in report.objects if obj.form == "lambda")
    assert layer.runs_code_at_load
    assert layer.needs_unsafe_mode
    assert "marker_lambda" in layer.load_warning
    assert function.runs_code_at_load
    assert report.exit_status == inspector.EXIT_FINDINGS
    assert not marker.exists()

    assert _run_cli(lambda_files["paths"][file_format]) == inspector.EXIT_FINDINGS
    output = capsys.readouterr().out
    assert "runs code at load" in output
    assert "Warning: loading this file runs code or reads files:" in output
    assert not marker.exists()


def test_lambda_command_fresh_process(lambda_files):
    """The installed command, run as a user runs it, flags the Lambda and never calls it."""
    completed = subprocess.run(
        [sys.executable, "-m", "keras_tailor", "inspect", str(lambda_files["paths"]["keras"])],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert completed.returncode == inspector.EXIT_FINDINGS, completed.stderr[-2000:]
    assert "marker_lambda" in completed.stdout
    assert "runs code at load" in completed.stdout
    assert not lambda_files["marker"].exists()


def test_lambda_activation_bytecode_flagged(saved_folder):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation=lambda x: x * 2)])
    path = saved_folder / "lambda_activation.keras"
    with pytest.warns(UserWarning, match="lambda"):
        model.save(path)
    report = inspect_file(path)
    activation = next(obj for obj in report.objects if obj.path.endswith("config.activation"))
    assert activation.form == "bytecode"
    assert activation.kind == "activation"
    assert activation.runs_code_at_load
    assert report.exit_status == inspector.EXIT_FINDINGS


@pytest.fixture
def evil_module(tmp_path, monkeypatch):
    """An importable module `evil_module_for_test` that creates a marker file if it is ever imported."""
    marker = tmp_path / "evil_module_imported.txt"
    (tmp_path / "evil_module_for_test.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    sys.modules.pop("evil_module_for_test", None)


def test_file_module_never_imported(tailor_files, tmp_path, evil_module):
    def point_at_evil_module(config):
        _replace_layer(config, "Evil", "evil_module_for_test", "evil_package>Evil")
        config["compile_config"]["loss"]["module"] = "evil_module_for_test"

    path = _rewrite_keras_config(tailor_files["keras"], tmp_path / "evil.keras", point_at_evil_module)
    assert importlib.util.find_spec("evil_module_for_test") is not None
    assert "evil_module_for_test" not in sys.modules

    report = inspect_file(path)
    inspector.format_report(report)
    assert _run_cli(path) == inspector.EXIT_FINDINGS
    assert "evil_module_for_test" not in sys.modules
    assert not evil_module.exists()
    assert not _find(report, "Evil").resolves


@pytest.fixture
def forbidden_calls(monkeypatch):
    """Make every loader, unpickler, unmarshaller and evaluator record its call and raise."""
    calls = []

    def forbid(owner, attribute):
        label = f"{getattr(owner, '__name__', owner)}.{attribute}"

        def reject_call(*args, **kwargs):
            calls.append(label)
            raise AssertionError(f"inspection called {label}")

        monkeypatch.setattr(owner, attribute, reject_call)

    from keras.src.saving import serialization_lib
    from keras.src.utils import python_utils

    for owner, attribute in [
        (marshal, "loads"),
        (pickle, "loads"),
        (pickle, "load"),
        (builtins, "eval"),
        (builtins, "exec"),
        (importlib, "import_module"),
        (keras.saving, "load_model"),
        (keras.saving, "deserialize_keras_object"),
        (keras.models, "model_from_json"),
        (serialization_lib, "deserialize_keras_object"),
        (python_utils, "func_load"),
    ]:
        forbid(owner, attribute)
    return calls


@pytest.mark.parametrize("file_format", FORMATS)
def test_inspection_calls_no_loader(lambda_files, custom_files, file_format, forbidden_calls):
    for path in (lambda_files["paths"][file_format], custom_files[file_format]):
        report = inspect_file(path)
        inspector.format_report(report)
        report.to_json()
    assert forbidden_calls == []


def test_hostile_names_stay_quoted(tailor_files, tmp_path):
    hostile = "evil>Bad'\nimport os\x1b[31m"

    def rename(config):
        _replace_layer(config, "Bad\x1b[31m", "evil\nmodule", hostile)

    report = inspect_file(_rewrite_keras_config(tailor_files["keras"], tmp_path / "hostile.keras", rename))
    snippet = report.custom_objects_snippet()
    assignment = ast.parse(snippet).body[0]
    text = inspector.format_report(report)
    assert [key.value for key in assignment.value.keys] == [hostile]
    assert "\nimport os" not in snippet
    assert "\nimport os" not in text
    assert "\x1b" not in text


# ---------------------------------------------------------------------------
# Unreadable files
# ---------------------------------------------------------------------------


def _zip_with(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _corrupt_member(source, target):
    """Copy a .keras archive and flip bytes inside config.json's compressed data, so its CRC fails."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 20, start + 40):
        data[offset] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def _unreadable_file(case, tmp_path, tailor_files):
    """Create the bad input named by `case` under tmp_path and return its path."""
    if case == "missing":
        return tmp_path / "missing.keras"

    if case == "directory":
        folder = tmp_path / "folder.keras"
        folder.mkdir()
        return folder

    if case == "empty":
        path = tmp_path / "empty.keras"
        path.write_bytes(b"")
        return path

    if case == "text":
        path = tmp_path / "notes.h5"
        path.write_text("not a model\n")
        return path

    if case == "truncated_keras":
        path = tmp_path / "truncated.keras"
        path.write_bytes(tailor_files["keras"].read_bytes()[:2000])
        return path

    if case == "truncated_h5":
        path = tmp_path / "truncated.h5"
        path.write_bytes(tailor_files["h5"].read_bytes()[:3000])
        return path

    if case == "zip_without_config":
        return _zip_with(tmp_path / "no_config.keras", {"metadata.json": "{}", "model.weights.h5": ""})

    if case == "invalid_json":
        return _zip_with(tmp_path / "invalid_json.keras", {"config.json": '{"class_name": "Functional",'})

    if case == "config_not_object":
        return _zip_with(tmp_path / "list_config.keras", {"config.json": "[1, 2, 3]"})

    if case == "corrupt_member":
        return _corrupt_member(tailor_files["keras"], tmp_path / "corrupt.keras")

    if case == "weights_only_h5":
        path = tmp_path / "only.weights.h5"
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.save_weights(path)
        return path

    raise AssertionError(f"unknown case {case}")


UNREADABLE_CASES = {
    "missing": "not found",
    "directory": "is a directory",
    "empty": "is empty",
    "text": "neither a .keras zip archive nor a legacy .h5",
    "truncated_keras": "corrupt or truncated zip archive",
    "truncated_h5": "corrupt or truncated HDF5 file",
    "zip_without_config": "without config.json",
    "invalid_json": "is not valid JSON",
    "config_not_object": "does not describe a Keras model",
    "corrupt_member": "could not read config.json",
    "weights_only_h5": "without a model_config attribute",
}


@pytest.mark.parametrize("case", sorted(UNREADABLE_CASES))
def test_unreadable_file_error(case, tmp_path, tailor_files):
    path = _unreadable_file(case, tmp_path, tailor_files)
    with pytest.raises(InspectionError) as raised:
        inspect_file(path)
    message = str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert str(path) in message
    assert UNREADABLE_CASES[case] in message
    assert "\n" not in message


@pytest.mark.parametrize("case", sorted(UNREADABLE_CASES))
def test_unreadable_file_exit_two(case, tmp_path, tailor_files, inspector_log, capsys):
    path = _unreadable_file(case, tmp_path, tailor_files)
    assert _run_cli(path) == inspector.EXIT_UNREADABLE
    assert "error: " in inspector_log.text
    assert str(path) in inspector_log.text
    assert "Traceback" not in inspector_log.text
    assert capsys.readouterr().out == ""
