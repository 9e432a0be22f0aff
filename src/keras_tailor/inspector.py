"""Inspect a saved Keras model file without loading it: `keras-tailor inspect FILE`.

The inspector reads only JSON text: `config.json` and `metadata.json` from a
`.keras` zip archive, or the `model_config`, `training_config`, `keras_version`
and `backend` attributes of a legacy `.h5` file. It never imports a module
named in the file, and never unpickles, unmarshals, evaluates or calls anything
stored in it, so inspecting a hostile file runs none of its code.

Each class, function or name that the file refers to is checked against this
Python process: built-in Keras objects resolve, and a custom object resolves
when `keras.saving.get_registered_object` finds it after `import keras_tailor`
and the imports that the caller requests.
"""

import dataclasses
import functools
import importlib
import json
import keyword
import logging
import lzma
import os
import re
import sys
import zipfile
import zlib

import h5py
import keras

logger = logging.getLogger(__name__)

HELP = "list the objects in a saved .keras or .h5 model without loading it"
DESCRIPTION = (
    "List every layer, loss, metric, optimizer and other serialized object in a saved .keras or "
    "legacy .h5 model, with its hyperparameters, whether it resolves in this environment after "
    "`import keras_tailor`, and whether loading it would run code stored in the file. The file is "
    "only read as JSON: nothing in it is imported or executed. Exit status: 0 when every object "
    "resolves and none runs code or needs safe_mode=False at load, 1 otherwise, 2 when the file "
    "cannot be read."
)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2

KINDS = (
    "model",
    "layer",
    "loss",
    "metric",
    "optimizer",
    "activation",
    "initializer",
    "regularizer",
    "constraint",
    "dtype policy",
    "function",
    "other",
)

# Limit on the uncompressed size of config.json and metadata.json, so that a zip
# bomb cannot exhaust memory. NOTE: 64 MiB is an estimate of a size that no real
# config reaches: the five-layer test models here need about 1 KB per layer.
MAX_JSON_BYTES = 64 * 1024 * 1024

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

# Packages whose objects Keras treats as built-in: it resolves them from their module.
_KERAS_PACKAGE = "keras"
# Keras 3.15 also imports these packages while loading, if they are installed.
_KERAS_AUTO_IMPORTED = ("keras_hub", "keras_cv", "keras_nlp")

# Layer arguments that every Keras layer takes. They are left out of a layer's hyperparameters.
_BASE_LAYER_ARGUMENTS = frozenset(
    {
        "name",
        "trainable",
        "dtype",
        "autocast",
        "activity_regularizer",
        "input_shape",
        "input_dim",
        "batch_input_shape",
        "batch_size",
    }
)
# Entries of a model's config that describe its graph, not hyperparameters.
_MODEL_STRUCTURE_KEYS = frozenset({"layers", "input_layers", "output_layers", "build_input_shape"})

# Markers that Keras uses for data values, not for classes or functions.
_DATA_MARKERS = frozenset(
    {"__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__ellipsis__", "__slice__", "__typespec__"}
)

# Keys of a compile config (`.keras`) or training config (`.h5`) and the kind of object under them.
_COMPILE_ROLES = {
    "loss": "loss",
    "metrics": "metric",
    "weighted_metrics": "metric",
    "optimizer": "optimizer",
    "optimizer_config": "optimizer",
}

# Model classes that the legacy `.h5` loader finds by class name, besides the classes in `keras.layers`.
_MODEL_CLASS_NAMES = frozenset({"Functional", "Model", "Sequential"})

# Strings that `compile` turns into an accuracy metric or a crossentropy loss by looking at the data.
_METRIC_SHORTCUTS = frozenset({"accuracy", "acc"})
_LOSS_SHORTCUTS = frozenset({"crossentropy", "ce"})

_FAMILY_FOR_KIND = {
    "activation": "activations",
    "loss": "losses",
    "metric": "metrics",
    "optimizer": "optimizers",
    "initializer": "initializers",
    "regularizer": "regularizers",
    "constraint": "constraints",
}
# The families where Keras 3.15 looks up a function saved by name only.
_FUNCTION_FAMILIES = (
    "activations",
    "constraints",
    "initializers",
    "losses",
    "metrics",
    "optimizers",
    "regularizers",
)

_IDENTIFIER_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class InspectionError(ValueError):
    """The file cannot be inspected: it is missing, unreadable, or not a Keras model file."""


class _ObjectReference(str):
    """A nested serialized object inside a hyperparameter value, shown as `<ClassName>`.

    The nested object is listed as its own entry of the report, with its own path.
    """


@dataclasses.dataclass
class SerializedObject:
    """One class, function or name reference found in a saved model's configs.

    Attributes:
        path: where it sits, as a jq-style path: in config.json for a `.keras`
            file (`config.layers[1].config.kernel_initializer`), or starting
            with the attribute name for a `.h5` file (`training_config.loss`).
        kind: one of `KINDS`, inferred from the key it sits under and its module.
        form: "class" (a serialized instance), "function" (a function saved by
            name), "name" (a string such as "relu" or "mae"), "lambda" (a
            Python lambda stored as bytecode) or "bytecode" (a Python function
            stored as bytecode in the Keras 2 format).
        class_name: the class name, the function name or the referenced name.
        module: the module that the file records, or None.
        registered_name: the `package>Name` key that Keras looks up, or None.
        name: the object's own `name` from its config, or None.
        hyperparameters: its config. For layers, only the arguments beyond the
            base layer arguments. Nested serialized objects are replaced by
            `<ClassName>`.
        resolves: whether Keras would find the class or function in this process.
        resolution: how it resolves, or why it does not.
        runs_code_at_load: whether loading runs code that the file stores or names.
        needs_unsafe_mode: whether `load_model` rejects it unless `safe_mode=False`.
        load_warning: what runs or is read at load, when either flag is set.
    """

    path: str
    kind: str
    form: str
    class_name: str
    module: str | None = None
    registered_name: str | None = None
    name: str | None = None
    hyperparameters: dict = dataclasses.field(default_factory=dict)
    resolves: bool = False
    resolution: str = ""
    runs_code_at_load: bool = False
    needs_unsafe_mode: bool = False
    load_warning: str | None = None

    @property
    def unsafe_at_load(self):
        """True when loading runs code from or named by the file, or needs `safe_mode=False`."""
        return self.runs_code_at_load or self.needs_unsafe_mode

    @property
    def custom_objects_key(self):
        """The `custom_objects` key under which Keras looks for this object."""
        return self.registered_name or self.class_name

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class InspectionReport:
    """The findings of `inspect_file` for one saved model file.

    Attributes:
        path: the inspected file, as given.
        file_format: "keras" (a zip archive) or "h5" (legacy HDF5).
        keras_version: the Keras version that saved the file, if recorded.
        date_saved: the save date from metadata.json, if recorded.
        saved_backend: the backend recorded in a `.h5` file, if any.
        imports: the modules imported before checking resolution, besides keras_tailor.
        objects: every serialized object, in the order the configs list them.
    """

    path: str
    file_format: str
    keras_version: str | None
    date_saved: str | None
    saved_backend: str | None
    imports: tuple
    objects: list

    @property
    def unresolved(self):
        return [obj for obj in self.objects if not obj.resolves]

    @property
    def unsafe_at_load(self):
        return [obj for obj in self.objects if obj.unsafe_at_load]

    @property
    def exit_status(self):
        """`EXIT_OK` when everything resolves and nothing runs code at load, else `EXIT_FINDINGS`."""
        if self.unresolved or self.unsafe_at_load:
            return EXIT_FINDINGS
        return EXIT_OK

    def custom_objects_snippet(self):
        """Return a `custom_objects = {...}` dict literal for the unresolved objects, or None.

        Each key is the name Keras looks up, and each value is a placeholder
        named after the class or function, to be replaced by the user's own
        object. A comment gives the kind and the module that the file records.
        Names from the file are written as escaped string literals and comments,
        so the snippet is valid Python whatever the file contains.
        """
        entries = {}
        for obj in self.unresolved:
            key = obj.custom_objects_key
            if key not in entries:
                entries[key] = obj
        if not entries:
            return None
        lines = ["custom_objects = {"]
        used_placeholders = set()
        for key, obj in entries.items():
            placeholder = _placeholder_name(key, used_placeholders)
            used_placeholders.add(placeholder)
            kind = f"{obj.kind} function" if obj.form == "function" and obj.kind != "function" else obj.kind
            # Keras records the module "builtins" for a function that it looks up by name only.
            if obj.module and obj.module != "builtins":
                origin = f"module {obj.module!r}"
            else:
                origin = "no module recorded in the file"
            lines.append(f"    {key!r}: {placeholder},  # {kind}, {origin}")
        lines.append("}")
        return "\n".join(lines)

    def to_dict(self):
        return {
            "file": self.path,
            "format": self.file_format,
            "keras_version": self.keras_version,
            "date_saved": self.date_saved,
            "saved_backend": self.saved_backend,
            "imports": list(self.imports),
            "objects": [obj.to_dict() for obj in self.objects],
            "unresolved_count": len(self.unresolved),
            "unsafe_at_load_count": len(self.unsafe_at_load),
            "custom_objects": self.custom_objects_snippet(),
            "exit_status": self.exit_status,
        }

    def to_json(self):
        """Return the report as indented JSON text, for `--json`."""
        return json.dumps(self.to_dict(), indent=2)


@dataclasses.dataclass
class _SavedConfigs:
    """The JSON documents read from one file, before any object is resolved."""

    file_format: str
    # (document name, path prefix, parsed JSON, whether it is a compile or training config)
    documents: list
    keras_version: str | None = None
    date_saved: str | None = None
    saved_backend: str | None = None


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def inspect_file(path, imports=()):
    """Read a saved `.keras` or `.h5` model and report every serialized object in it.

    `imports` are module names that the caller trusts. They are imported, after
    the file is read, so that the custom objects they register resolve. No
    module named inside the file is ever imported.

    Raises:
        InspectionError: the file is missing, a directory, empty, corrupt,
            truncated or not a Keras model file, or a module in `imports`
            cannot be imported. The message names the file or the module.
    """
    path = os.fspath(path)
    imports = tuple(imports)
    saved = _read_saved_configs(path)
    _import_requested_modules(imports)

    objects = []
    try:
        for document_name, prefix, document, is_compile_config in saved.documents:
            collector = _ObjectCollector(objects)
            if is_compile_config:
                collector.walk_compile_config(document, prefix)
            else:
                collector.walk(document, prefix or ".", key=None, role="model")
    except RecursionError:
        raise InspectionError(f"{document_name} in {path} is nested too deeply to inspect.") from None

    for obj in objects:
        _resolve(obj, saved.file_format)

    return InspectionReport(
        path=path,
        file_format=saved.file_format,
        keras_version=saved.keras_version,
        date_saved=saved.date_saved,
        saved_backend=saved.saved_backend,
        imports=imports,
        objects=objects,
    )


def _import_requested_modules(imports):
    for module_name in imports:
        try:
            importlib.import_module(module_name)
        except ImportError as error:
            raise InspectionError(
                f"could not import module {module_name!r}, requested for resolving custom objects: "
                f"{_one_line(error)}. Check the name and that the module is installed or on PYTHONPATH."
            ) from None


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


def _read_saved_configs(path):
    if not os.path.lexists(path):
        raise InspectionError(f"model file not found: {path}. Check the path.")
    if os.path.isdir(path):
        raise InspectionError(f"{path} is a directory, not a model file. Pass the .keras or .h5 file itself.")
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_HDF5_SIGNATURE))
    except OSError as error:
        raise InspectionError(f"could not read {path}: {error.strerror or _one_line(error)}.") from None

    if not head:
        raise InspectionError(f"{path} is empty (0 bytes), so it contains no model. Save the model again.")
    if head.startswith(b"PK"):
        return _read_keras_archive(path)
    if head == _HDF5_SIGNATURE or h5py.is_hdf5(path):
        return _read_h5(path)
    raise InspectionError(
        f"{path} is neither a .keras zip archive nor a legacy .h5 (HDF5) file: it starts with {head!r}."
    )


def _read_keras_archive(path):
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "config.json" not in names:
                listed = ", ".join(names[:10]) or "nothing"
                raise InspectionError(
                    f"{path} is a zip archive without config.json, so it is not a Keras model file "
                    f"(it contains {listed})."
                )
            config_text = _read_archive_member(archive, "config.json", path)
            metadata_text = None
            if "metadata.json" in names:
                metadata_text = _read_archive_member(archive, "metadata.json", path)
    except zipfile.BadZipFile as error:
        raise InspectionError(
            f"{path} is a corrupt or truncated zip archive ({_one_line(error)}). Save the model again."
        ) from None
    except OSError as error:
        raise InspectionError(f"could not read {path}: {error.strerror or _one_line(error)}.") from None

    config = _parse_json(config_text, "config.json", path)
    _require_serialized_object(config, "config.json", path)
    saved = _SavedConfigs(file_format="keras", documents=[("config.json", "", config, False)])
    if metadata_text is not None:
        metadata = _parse_json(metadata_text, "metadata.json", path)
        if isinstance(metadata, dict):
            saved.keras_version = _optional_text(metadata.get("keras_version"))
            saved.date_saved = _optional_text(metadata.get("date_saved"))
    return saved


def _read_archive_member(archive, member_name, path):
    """Return the text of one archive member, reading at most `MAX_JSON_BYTES`."""
    try:
        with archive.open(member_name) as member:
            data = member.read(MAX_JSON_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError) as error:
        # RuntimeError means an encrypted member, and NotImplementedError an unsupported compression method.
        raise InspectionError(
            f"could not read {member_name} from {path}: {_one_line(error)}. The archive is corrupt or truncated."
        ) from None
    if len(data) > MAX_JSON_BYTES:
        raise InspectionError(
            f"{member_name} in {path} is larger than {MAX_JSON_BYTES} bytes uncompressed, "
            f"which is more than any Keras model config this inspector reads."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InspectionError(f"{member_name} in {path} is not valid UTF-8 text ({error.reason}).") from None


def _read_h5(path):
    try:
        with h5py.File(path, "r") as h5_file:
            attributes = {}
            for name in ("model_config", "training_config", "keras_version", "backend"):
                if name in h5_file.attrs:
                    attributes[name] = h5_file.attrs[name]
    except (OSError, TypeError, ValueError) as error:
        # h5py raises OSError for a truncated or corrupt file, TypeError or ValueError for unreadable attributes.
        raise InspectionError(f"{path} is a corrupt or truncated HDF5 file ({_one_line(error)}).") from None

    if "model_config" not in attributes:
        raise InspectionError(
            f"{path} is an HDF5 file without a model_config attribute, so it contains no model config "
            f"(a weights-only file such as .weights.h5 looks like this)."
        )
    model_config = _parse_json(_attribute_text(attributes["model_config"], "model_config", path), "model_config", path)
    _require_serialized_object(model_config, "model_config", path)
    saved = _SavedConfigs(file_format="h5", documents=[("model_config", "model_config", model_config, False)])
    if "training_config" in attributes:
        training_text = _attribute_text(attributes["training_config"], "training_config", path)
        training_config = _parse_json(training_text, "training_config", path)
        saved.documents.append(("training_config", "training_config", training_config, True))
    if "keras_version" in attributes:
        saved.keras_version = _attribute_text(attributes["keras_version"], "keras_version", path)
    if "backend" in attributes:
        saved.saved_backend = _attribute_text(attributes["backend"], "backend", path)
    return saved


def _attribute_text(value, name, path):
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InspectionError(f"the {name} attribute of {path} is not valid UTF-8 ({error.reason}).") from None
    if isinstance(value, str):
        return value
    raise InspectionError(f"the {name} attribute of {path} is not a string (found {type(value).__name__}).")


def _parse_json(text, document_name, path):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InspectionError(
            f"{document_name} in {path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None
    except RecursionError:
        raise InspectionError(f"{document_name} in {path} is nested too deeply to parse.") from None


def _require_serialized_object(config, document_name, path):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        found = "an object without a class_name" if isinstance(config, dict) else type(config).__name__
        raise InspectionError(
            f"{document_name} in {path} does not describe a Keras model: expected a JSON object "
            f"with a class_name, found {found}."
        )


def _optional_text(value):
    return value if isinstance(value, str) else None


def _one_line(error):
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------
# Finding the serialized objects
# ---------------------------------------------------------------------------


class _ObjectCollector:
    """Walk parsed config JSON and append a `SerializedObject` for each object found."""

    def __init__(self, objects):
        self.objects = objects

    def walk(self, value, path, key, role):
        """Visit `value`, found under `key` at `path`.

        `role` is the kind that an enclosing container imposes: "loss", "metric"
        or "optimizer" inside a compile config, "model" for a file's root
        object, else None.
        """
        if isinstance(value, dict):
            if _is_bytecode_dict(value):
                self._add_bytecode(path, key, role)
            elif _is_serialized_object(value):
                self._add_object(value, path, key, role)
            else:
                for child_key, child in value.items():
                    child_role = role if role in ("loss", "metric", "optimizer") else None
                    self.walk(child, _child_path(path, child_key), child_key, child_role)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.walk(item, f"{path}[{index}]", key, role)
        elif isinstance(value, str):
            kind = _kind_of_name_reference(key, role)
            if kind is not None:
                self.objects.append(SerializedObject(path=path, kind=kind, form="name", class_name=value))

    def walk_compile_config(self, config, path):
        if not isinstance(config, dict):
            return
        for key, value in config.items():
            role = _COMPILE_ROLES.get(key)
            if role is not None:
                self.walk(value, _child_path(path, key), key, role)

    def _add_bytecode(self, path, key, role):
        kind = role if role in KINDS else _kind_from_key(key) or "function"
        self.objects.append(
            SerializedObject(
                path=path,
                kind=kind,
                form="bytecode",
                class_name="<bytecode>",
                resolves=True,
                resolution="stored in the file as marshalled Python bytecode",
                runs_code_at_load=True,
                needs_unsafe_mode=True,
                load_warning=(
                    "a Python function stored as marshalled bytecode. "
                    "Loading it would unmarshal and run code from the file"
                ),
            )
        )

    def _add_object(self, value, path, key, role):
        class_name = value["class_name"]
        if class_name in _DATA_MARKERS:
            return
        module = _optional_text(value.get("module"))
        registered_name = _optional_text(value.get("registered_name"))
        inner_config = value.get("config")

        if class_name == "__lambda__":
            self.objects.append(_lambda_object(path, key, role, module))
            return
        if class_name == "function":
            obj = _function_object(path, key, role, module, inner_config)
        else:
            if registered_name is None and ">" in class_name:
                # Legacy .h5 configs keep a registered name in class_name.
                registered_name = class_name
                class_name = class_name.rsplit(">", 1)[-1]
            kind = _infer_kind(key, role, module, class_name)
            obj = SerializedObject(
                path=path,
                kind=kind,
                form="class",
                class_name=class_name,
                module=module,
                registered_name=registered_name,
                name=_optional_text(inner_config.get("name")) if isinstance(inner_config, dict) else None,
                hyperparameters=_hyperparameters(kind, inner_config),
            )
            _check_code_at_load(obj, inner_config)
        self.objects.append(obj)

        for child_key, child in value.items():
            if child_key in ("class_name", "module", "registered_name", "shared_object_id"):
                continue
            child_path = _child_path(path, child_key)
            if child_key == "compile_config":
                self.walk_compile_config(child, child_path)
            else:
                self.walk(child, child_path, child_key, None)


def _is_serialized_object(value):
    class_name = value.get("class_name")
    return isinstance(class_name, str) and any(key in value for key in ("config", "module", "registered_name"))


def _is_bytecode_dict(value):
    """True for `{"value": [code, defaults, closure]}`, a function that `func_dump` stored as bytecode."""
    if set(value) != {"value"}:
        return False
    dumped = value["value"]
    return isinstance(dumped, list) and len(dumped) == 3 and isinstance(dumped[0], str)


def _lambda_object(path, key, role, module):
    kind = role if role in KINDS else _kind_from_key(key) or "function"
    return SerializedObject(
        path=path,
        kind=kind,
        form="lambda",
        class_name="<lambda>",
        module=module,
        resolves=True,
        resolution="stored in the file as marshalled Python bytecode",
        runs_code_at_load=True,
        needs_unsafe_mode=True,
        load_warning=(
            "a Python lambda stored as marshalled bytecode. Keras rejects it unless "
            "load_model gets safe_mode=False, and then unmarshals and runs code from the file"
        ),
    )


def _function_object(path, key, role, module, inner_config):
    """Describe a function that Keras saved by name: `{"class_name": "function", "config": NAME}`."""
    function_name = inner_config if isinstance(inner_config, str) else "<unnamed>"
    registered_name = function_name if ">" in function_name else None
    kind = role if role in KINDS and role != "model" else _kind_from_key(key) or "function"
    return SerializedObject(
        path=path,
        kind=kind,
        form="function",
        class_name=function_name.rsplit(">", 1)[-1],
        module=module,
        registered_name=registered_name,
    )


def _check_code_at_load(obj, inner_config):
    """Set the load flags of a class object that runs or reads something at load in Keras 3.15."""
    if obj.module is not None and not _is_keras_module(obj.module):
        return
    config = inner_config if isinstance(inner_config, dict) else {}
    label = f"{obj.class_name} layer {obj.name!r}" if obj.name else f"{obj.class_name} layer"

    if obj.class_name == "Lambda":
        function = config.get("function")
        obj.runs_code_at_load = True
        if _is_stored_bytecode(function) or config.get("function_type") == "lambda":
            obj.needs_unsafe_mode = True
            obj.load_warning = (
                f"{label} calls a Python function stored in the file as bytecode while Keras rebuilds the "
                f"model. load_model rejects it unless safe_mode=False"
            )
        else:
            obj.load_warning = f"{label} calls its function while Keras rebuilds the model"
    elif obj.class_name == "TFSMLayer":
        obj.runs_code_at_load = True
        obj.needs_unsafe_mode = True
        obj.load_warning = (
            f"{label} loads the external SavedModel {config.get('filepath')!r} and runs its graph. "
            f"load_model rejects it unless safe_mode=False"
        )
    elif obj.class_name == "TorchModuleWrapper" and isinstance(config.get("module"), str):
        obj.runs_code_at_load = True
        obj.needs_unsafe_mode = True
        obj.load_warning = (
            f"{label} stores a pickled torch.nn.Module that torch.load unpickles at load, which can run code. "
            f"load_model rejects it unless safe_mode=False"
        )
    elif obj.class_name in ("StringLookup", "IntegerLookup", "TextVectorization") and isinstance(
        config.get("vocabulary"), str
    ):
        obj.needs_unsafe_mode = True
        obj.load_warning = (
            f"{label} reads the vocabulary file {config['vocabulary']!r} outside the model file. "
            f"load_model rejects it unless safe_mode=False"
        )


def _is_stored_bytecode(function_config):
    if isinstance(function_config, dict):
        return function_config.get("class_name") == "__lambda__" or _is_bytecode_dict(function_config)
    # Keras 2 stored a Lambda's lambda as [code, defaults, closure].
    return isinstance(function_config, list) and bool(function_config) and isinstance(function_config[0], str)


def _child_path(path, key):
    key_text = str(key)
    step = f".{key_text}" if _IDENTIFIER_PATTERN.match(key_text) else f"[{json.dumps(key_text)}]"
    if path in ("", "."):
        return step.lstrip(".")
    return f"{path}{step}"


# ---------------------------------------------------------------------------
# Kinds and hyperparameters
# ---------------------------------------------------------------------------


def _kind_from_key(key):
    """Return the kind that the config key implies, or None."""
    if not isinstance(key, str):
        return None
    if key == "activation" or key.endswith("_activation"):
        return "activation"
    if key.endswith("initializer"):
        return "initializer"
    if key.endswith("regularizer"):
        return "regularizer"
    if key.endswith("constraint"):
        return "constraint"
    if key in ("dtype", "dtype_policy") or key.endswith("_dtype_policy"):
        return "dtype policy"
    if key in ("layer", "layers", "cell", "cells") or key.endswith("_layer"):
        return "layer"
    if key in ("loss", "losses"):
        return "loss"
    if key in ("metrics", "weighted_metrics"):
        return "metric"
    if key.endswith("optimizer"):
        return "optimizer"
    if key in ("function", "fn"):
        return "function"
    return None


def _kind_from_module(module, class_name):
    if class_name.endswith("DTypePolicy"):
        return "dtype policy"
    if not module:
        return None
    parts = module.split(".")
    if "schedules" in parts:
        return "other"
    by_package = {
        "models": "layer",
        "layers": "layer",
        "losses": "loss",
        "metrics": "metric",
        "optimizers": "optimizer",
        "activations": "activation",
        "initializers": "initializer",
        "regularizers": "regularizer",
        "constraints": "constraint",
        "dtype_policies": "dtype policy",
    }
    for part in parts:
        if part in by_package:
            return by_package[part]
    return None


def _infer_kind(key, role, module, class_name):
    if role == "model":
        return "model"
    if role is not None:
        return role
    return _kind_from_key(key) or _kind_from_module(module, class_name) or "other"


def _kind_of_name_reference(key, role):
    """Return the kind of a plain string under `key`, or None when the string is not an object name.

    Strings name objects under activation, initializer, regularizer and constraint
    keys anywhere, and under the loss, metrics and optimizer keys of a compile config.
    """
    if role in ("loss", "metric", "optimizer"):
        return role
    kind = _kind_from_key(key)
    if kind in ("activation", "initializer", "regularizer", "constraint"):
        return kind
    return None


def _hyperparameters(kind, inner_config):
    if not isinstance(inner_config, dict):
        return {}
    hidden = set()
    if kind in ("layer", "model"):
        hidden |= _BASE_LAYER_ARGUMENTS
    if kind == "model":
        hidden |= _MODEL_STRUCTURE_KEYS
    return {key: _summarize_value(value) for key, value in inner_config.items() if key not in hidden}


def _summarize_value(value):
    """Return `value` with each nested serialized object replaced by an `_ObjectReference`."""
    if isinstance(value, dict):
        class_name = value.get("class_name")
        if _is_bytecode_dict(value):
            return _ObjectReference("<bytecode>")
        if isinstance(class_name, str) and _is_serialized_object(value):
            if class_name == "__lambda__":
                return _ObjectReference("<lambda>")
            if class_name == "function" and isinstance(value.get("config"), str):
                return _ObjectReference(f"<{value['config'].rsplit('>', 1)[-1]}>")
            if class_name in ("__numpy__", "__tensor__") and isinstance(value.get("config"), dict):
                return _ObjectReference(f"<{class_name.strip('_')} {value['config'].get('dtype')}>")
            return _ObjectReference(f"<{class_name}>")
        return {key: _summarize_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_summarize_value(item) for item in value]
    return value


# ---------------------------------------------------------------------------
# Resolution in this process
# ---------------------------------------------------------------------------


def _resolve(obj, file_format):
    """Set `obj.resolves` and `obj.resolution` from what this process has imported and registered."""
    if obj.form in ("lambda", "bytecode"):
        return
    if obj.form == "name":
        obj.resolves, obj.resolution = _resolve_name_reference(obj.kind, obj.class_name)
    elif obj.form == "function":
        obj.resolves, obj.resolution = _resolve_function(obj)
    else:
        obj.resolves, obj.resolution = _resolve_class(obj, file_format)


def _resolve_class(obj, file_format):
    if _is_keras_module(obj.module):
        found = _lookup_in_loaded_module(obj.module, obj.class_name)
        if found is False:
            return False, f"module {obj.module} has no {obj.class_name}"
        return True, "built-in Keras object"
    if obj.registered_name and _is_registered(obj.registered_name):
        return True, f"registered as {obj.registered_name}"
    if obj.module is None and file_format == "h5" and not obj.registered_name:
        # Legacy .h5 configs name built-in layers, losses and optimizers by class name only.
        if _is_builtin_name(obj.kind, obj.class_name):
            return True, "built-in Keras object"
        if _is_registered(obj.class_name):
            return True, f"registered as {obj.class_name}"
    package = (obj.module or "").split(".", 1)[0]
    if package in _KERAS_AUTO_IMPORTED:
        return False, (
            f"Keras imports {package} while loading, but the inspector does not. Pass --import {package} to check it"
        )
    if not obj.registered_name or obj.registered_name == obj.class_name:
        return False, "not registered: the class was saved without a registered name"
    return False, f"nothing is registered as {obj.registered_name} after the requested imports"


def _resolve_function(obj):
    name = obj.registered_name or obj.class_name
    if _is_registered(name):
        return True, f"registered as {name}"
    if _is_keras_module(obj.module):
        return True, "built-in Keras function"
    if obj.module in (None, "builtins") and any(name in _builtin_table(family) for family in _FUNCTION_FAMILIES):
        return True, "built-in Keras function"
    if ">" not in name:
        # Keras 3.15 also matches a function saved by plain name to a registered `package>name`.
        suffix = f">{name}"
        for registered in keras.saving.get_custom_objects():
            if registered.endswith(suffix):
                return True, f"registered as {registered}"
    return False, f"no function is registered as {name}"


def _resolve_name_reference(kind, name):
    if kind == "metric" and name.lower() in _METRIC_SHORTCUTS:
        return True, "built-in Keras metric name"
    if kind == "loss" and name.lower() in _LOSS_SHORTCUTS:
        return True, "built-in Keras loss name"
    if _is_builtin_name(kind, name):
        return True, f"built-in Keras {kind} name"
    if _is_registered(name):
        return True, f"registered as {name}"
    return False, f"no built-in or registered {kind} is named {name}"


def _is_registered(name):
    return keras.saving.get_registered_object(name) is not None


def _is_keras_module(module):
    return isinstance(module, str) and (module == _KERAS_PACKAGE or module.startswith(_KERAS_PACKAGE + "."))


def _lookup_in_loaded_module(module_name, attribute):
    """Return whether an already imported module has `attribute`, or None when it is not imported.

    It only reads `sys.modules`, so a module named in the file is never imported.
    """
    module = sys.modules.get(module_name)
    if module is None:
        return None
    if not _is_public_identifier(attribute):
        return False
    return getattr(module, attribute, None) is not None


def _is_builtin_name(kind, name):
    if not _is_public_identifier(name):
        return False
    if kind in ("layer", "model"):
        return name in _MODEL_CLASS_NAMES or isinstance(getattr(keras.layers, name, None), type)
    if kind == "dtype policy":
        return isinstance(getattr(keras.dtype_policies, name, None), type)
    families = [_FAMILY_FOR_KIND[kind]] if kind in _FAMILY_FOR_KIND else list(_FUNCTION_FAMILIES)
    for family in families:
        table = _builtin_table(family)
        if name in table or (family == "optimizers" and name.lower() in table):
            return True
    return False


@functools.lru_cache(maxsize=None)
def _builtin_table(family):
    """Return the names by which Keras finds the built-in objects of one family.

    NOTE: Keras 3.15 keeps these names in the private `keras.src.<family>.ALL_OBJECTS_DICT`,
    which also contains aliases such as "mse" and lowercase optimizer names that the
    public modules lack. `import keras` has already imported those modules, so
    this only reads `sys.modules`. When a Keras version drops that table, the
    names in the public `keras.<family>` module are used, which misses those aliases.
    """
    private_module = sys.modules.get(f"keras.src.{family}")
    table = getattr(private_module, "ALL_OBJECTS_DICT", None)
    if isinstance(table, dict):
        return frozenset(table)
    public_module = getattr(keras, family)
    return frozenset(name for name in dir(public_module) if not name.startswith("_"))


def _is_public_identifier(name):
    return bool(_IDENTIFIER_PATTERN.match(name)) and not name.startswith("_")


# ---------------------------------------------------------------------------
# Text output
# ---------------------------------------------------------------------------

_TABLE_COLUMNS = ("path", "name", "kind", "class", "registered name", "resolves", "hyperparameters", "flags")
_MAX_COLUMN_WIDTHS = {"path": 52, "name": 24, "class": 32, "registered name": 36, "hyperparameters": 60}


def format_report(report):
    """Return the report as text: a summary, a table of objects, load warnings and a custom_objects snippet."""
    lines = [_describe_file(report), _describe_environment(report), ""]
    lines.extend(_format_table(report.objects))
    lines.append("")
    lines.append(
        f"{len(report.objects)} objects: {len(report.unresolved)} unresolved, "
        f"{len(report.unsafe_at_load)} run code or need safe_mode=False at load."
    )

    if report.unsafe_at_load:
        lines.append("")
        lines.append("Warning: loading this file runs code or reads files:")
        for obj in report.unsafe_at_load:
            lines.append(f"  {_printable(obj.path)}: {_printable(obj.load_warning or '')}.")

    lines.append("")
    snippet = report.custom_objects_snippet()
    if snippet is None:
        imported = " and ".join(f"`import {name}`" for name in ("keras_tailor", *report.imports))
        lines.append(f"No custom_objects needed after {imported}.")
    else:
        lines.append(
            "Unresolved objects: import the module that registers them, or pass custom_objects to "
            "keras.saving.load_model with each placeholder replaced by your class or function:"
        )
        lines.append(snippet)
    return "\n".join(lines)


def _describe_file(report):
    if report.file_format == "keras":
        description = f"{_printable(report.path)}: .keras archive"
    else:
        description = f"{_printable(report.path)}: legacy .h5 file"
    if report.keras_version:
        description += f" saved by Keras {_printable(report.keras_version)}"
    else:
        description += " (Keras version not recorded)"
    if report.date_saved:
        description += f" on {_printable(report.date_saved)}"
    if report.saved_backend:
        description += f" with the {_printable(report.saved_backend)} backend"
    return description + "."


def _describe_environment(report):
    imported = ", ".join(("keras_tailor", *report.imports))
    return (
        f"Resolved against Keras {keras.__version__} ({keras.backend.backend()} backend) "
        f"after importing {imported}."
    )


def _format_table(objects):
    rows = [_table_row(obj) for obj in objects]
    widths = {}
    for index, column in enumerate(_TABLE_COLUMNS):
        content_width = max([len(column)] + [len(row[index]) for row in rows])
        widths[column] = min(content_width, _MAX_COLUMN_WIDTHS.get(column, content_width))
    lines = [_join_cells(_TABLE_COLUMNS, widths), _join_cells(["-" * widths[c] for c in _TABLE_COLUMNS], widths)]
    lines.extend(_join_cells(row, widths) for row in rows)
    return lines


def _join_cells(cells, widths):
    padded = [_shorten(cell, widths[column]).ljust(widths[column]) for cell, column in zip(cells, _TABLE_COLUMNS)]
    return "  ".join(padded).rstrip()


def _table_row(obj):
    if obj.form == "name":
        class_text = repr(obj.class_name)
    elif obj.form == "function":
        class_text = f"{obj.class_name} (function)"
    else:
        class_text = obj.class_name
    flags = []
    if obj.runs_code_at_load:
        flags.append("runs code at load")
    if obj.needs_unsafe_mode:
        flags.append("needs safe_mode=False")
    return [
        _printable(obj.path),
        _printable(obj.name or "-"),
        obj.kind,
        _printable(class_text),
        _printable(obj.registered_name or "-"),
        "yes" if obj.resolves else "NO",
        _printable(_format_hyperparameters(obj.hyperparameters)),
        ", ".join(flags) or "-",
    ]


def _format_hyperparameters(hyperparameters):
    if not hyperparameters:
        return "-"
    return ", ".join(f"{key}={_format_value(value)}" for key, value in hyperparameters.items())


def _format_value(value):
    if isinstance(value, _ObjectReference):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_format_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(item) for item in value) + "]"
    return repr(value)


def _shorten(text, width):
    if len(text) <= width:
        return text
    return text[: max(width - 3, 0)] + "..."


def _printable(text):
    """Return `text` with control characters escaped, so a name from the file cannot drive the terminal."""
    if text.isprintable():
        return text
    return repr(text)[1:-1]


def _placeholder_name(key, used):
    """Return a Python identifier for the `custom_objects` value of `key`, unique within `used`."""
    base = re.sub(r"\W", "_", key.rsplit(">", 1)[-1], flags=re.ASCII) or "custom_object"
    if base[0].isdigit():
        base = f"_{base}"
    if keyword.iskeyword(base):
        base = f"{base}_"
    name = base
    counter = 2
    while name in used:
        name = f"{base}_{counter}"
        counter += 1
    return name


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def add_arguments(parser):
    """Add the `inspect` subcommand's arguments to `parser`."""
    parser.add_argument("file", metavar="FILE", help="the saved model: a .keras archive or a legacy .h5 file")
    parser.add_argument(
        "--import",
        dest="imports",
        metavar="MODULE",
        action="append",
        default=[],
        help=(
            "a module to import before checking which objects resolve, such as the one that registers "
            "your custom layers; it must be installed or on PYTHONPATH (repeatable). Modules named "
            "inside the file are never imported."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")


def run(args):
    """Inspect `args.file`, print the report to stdout and return the exit status."""
    try:
        report = inspect_file(args.file, imports=args.imports)
    except InspectionError as error:
        logger.error("error: %s", error)
        return EXIT_UNREADABLE
    text = report.to_json() if args.json else format_report(report)
    print(text)
    return report.exit_status
