"""Config checks: every constructor argument survives `get_config` and serialization."""

import inspect
import json

import keras

from keras_tailor.testing.report import FAILED, PASSED, SKIPPED
from keras_tailor.testing.subject import json_normalize


def _normalize_dtype(value):
    if value is None:
        return None
    try:
        return keras.dtype_policies.get(value).name
    except (ValueError, TypeError):
        return value


def _same_argument(name, passed, saved):
    if name == "dtype":
        return _normalize_dtype(passed) == _normalize_dtype(saved)
    try:
        return json_normalize(passed) == json_normalize(saved)
    except TypeError:
        pass
    # Keras configs store a nested object, such as a loss or an initializer,
    # as the dict that serialize_keras_object returns.
    try:
        return json_normalize(keras.saving.serialize_keras_object(passed)) == json_normalize(saved)
    except (TypeError, ValueError, NotImplementedError):
        return passed == saved


def _simple_state(obj):
    """Return the JSON-storable attributes of `obj`, the state a config must restore."""
    state = {}
    for key, value in vars(obj).items():
        if key.startswith("__"):
            continue
        try:
            state[key] = json_normalize(value)
        except (TypeError, ValueError):
            continue
    return state


def check_config(subject, report):
    """Check get_config -> from_config and serialize -> deserialize for a class or instance."""
    if subject.is_function:
        report.add("config", SKIPPED, "a function has no config; its registered name is checked instead")
        return
    instance = subject.build()
    try:
        config = instance.get_config()
    except NotImplementedError:
        report.add("config", FAILED, f"{subject.cls.__qualname__}.get_config() is not implemented")
        return
    try:
        json.dumps(config)
    except TypeError as error:
        bad = [key for key, value in config.items() if not _json_storable(value)]
        report.add("config", FAILED, f"the config is not JSON-serializable ({error}); keys: {bad}")
        return

    problems = []
    for name, passed in subject.arguments.items():
        default = subject.defaults.get(name, inspect.Parameter.empty)
        if name not in config:
            default_text = "no default" if default is inspect.Parameter.empty else f"the default {default!r}"
            problems.append(
                f"argument {name}={passed!r} is missing from get_config(), so from_config rebuilds it with {default_text}"
            )
        elif not _same_argument(name, passed, config[name]):
            problems.append(f"argument {name}={passed!r} is saved as {config[name]!r}")

    try:
        rebuilt = subject.cls.from_config(config)
        rebuilt_config = rebuilt.get_config()
    except Exception as error:  # noqa: BLE001  (any failure here is the finding)
        problems.append(f"from_config(get_config()) raised {type(error).__name__}: {error}")
    else:
        if json_normalize(rebuilt_config) != json_normalize(config):
            changed = sorted(k for k in set(config) | set(rebuilt_config) if config.get(k) != rebuilt_config.get(k))
            problems.append(f"from_config(get_config()).get_config() differs in {changed}")
        before, after = _simple_state(instance), _simple_state(rebuilt)
        lost = sorted(key for key in before if key in after and before[key] != after[key])
        if lost:
            details = ", ".join(f"{key}: {before[key]!r} -> {after[key]!r}" for key in lost[:4])
            problems.append(f"attributes change through from_config(get_config()): {details}")

    try:
        serialized = keras.saving.serialize_keras_object(instance)
        restored = keras.saving.deserialize_keras_object(json.loads(json.dumps(serialized)))
        if type(restored) is not type(instance):
            problems.append(f"deserialize_keras_object returned {type(restored).__qualname__}")
        elif json_normalize(restored.get_config()) != json_normalize(config):
            problems.append("serialize_keras_object -> deserialize_keras_object changes the config")
    except Exception as error:  # noqa: BLE001
        problems.append(f"serialize/deserialize raised {type(error).__name__}: {error}")

    if problems:
        report.add("config", FAILED, "; ".join(problems))
        return
    message = f"{len(subject.arguments)} argument(s) round-tripped"
    if subject.unvaried:
        message += "; left at default: " + ", ".join(f"{k} ({v})" for k, v in subject.unvaried.items())
    report.add("config", PASSED, message)


def _json_storable(value):
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


def check_registration_static(subject, report):
    """Check, in this process, that the component has a registered name a fresh process can look up.

    Returns the serialized form for the fresh-process half of the check, or None.
    """
    target = subject.function if subject.is_function else subject.cls
    module = target.__module__
    registered = keras.saving.get_registered_name(target)
    if module == "__main__":
        report.add(
            "registration",
            FAILED,
            f"{target.__qualname__} is defined in __main__, so no other process can import it; move it into a module",
        )
        return None
    # Keras resolves its own classes by module, so only they may be unregistered.
    # A prefix test would also exempt packages such as keras_tailor.
    is_keras_own = module == "keras" or module.startswith("keras.")
    if not is_keras_own and ">" not in registered:
        report.add(
            "registration",
            FAILED,
            f"{target.__qualname__} is not registered; decorate it with "
            "@keras.saving.register_keras_serializable(package=...) so Keras can find it by name",
        )
        return None
    return keras.saving.serialize_keras_object(subject.build())
