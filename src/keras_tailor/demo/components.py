"""Finding the keras-tailor components in a model's config, for the reload comparison."""

import keras

PACKAGE_PREFIX = "keras_tailor>"


def _walk(value, path, found):
    if isinstance(value, dict):
        registered = value.get("registered_name")
        if isinstance(registered, str) and registered.startswith(PACKAGE_PREFIX):
            found[path] = {"registered_name": registered, "config": value.get("config")}
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), found)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", found)


def keras_tailor_components(model):
    """Return `{path: {"registered_name", "config"}}` for every keras-tailor object in `model`.

    The path names where the object sits, for example
    `layers[2].config.kernel_initializer` or `compile.loss`.
    """
    found = {}
    serialized = keras.saving.serialize_keras_object(model)
    _walk(serialized.get("config", {}), "", found)
    if model.compiled:
        _walk(model.get_compile_config(), "compile", found)
    return found
