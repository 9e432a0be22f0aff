"""Reading a plain function's hyperparameters and building a class signature from them."""

import inspect
import json
import re

import keras

_JSON_SCALARS = (bool, int, float, str, type(None))


class FunctionSpec:
    """The parts of a decorated function that the generated class needs.

    Attributes:
        function: the plain function.
        kind: the component kind, used in error messages (`"loss"`, `"metric"`, ...).
        data_parameters: names of the leading positional parameters that receive data.
        defaults: an ordered mapping from each hyperparameter name to its default.
    """

    def __init__(self, function, kind, data_parameters, defaults):
        self.function = function
        self.kind = kind
        self.data_parameters = data_parameters
        self.defaults = defaults


def camel_case(snake_name):
    """Return the CamelCase class name for a snake_case function name (`log_cosh` -> `LogCosh`)."""
    return "".join(part[:1].upper() + part[1:] for part in snake_name.split("_") if part)


def is_json_value(value):
    """Return True if `value` survives `json.dumps` and `json.loads` unchanged, tuples aside."""
    if isinstance(value, _JSON_SCALARS):
        return not (isinstance(value, float) and value != value)
    if isinstance(value, (list, tuple)):
        return all(is_json_value(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and is_json_value(item) for key, item in value.items())
    return False


def to_config_value(value):
    """Return `value` as it reads back from a JSON config: tuples become lists."""
    return json.loads(json.dumps(value))


def read_function(function, kind, data_arity, reserved, data_names=None):
    """Split `function`'s parameters into data parameters and hyperparameters.

    The first `data_arity` parameters receive data (for a loss, `y_true` and
    `y_pred`). Every later parameter is a hyperparameter and must have a default
    that JSON can store, because the default is what a user gets after loading a
    model that was saved without that argument.

    Raises:
        ValueError: a hyperparameter has no default, a default that JSON cannot
            store, or a name that the class itself uses (`reserved`), or the
            function takes `*args` or `**kwargs`, or too few data parameters.
    """
    if not callable(function) or not hasattr(function, "__name__"):
        raise ValueError(f"The {kind} decorator expects a plain function, but received {function!r}.")
    label = f"{kind} function {function.__name__!r}"
    parameters = list(inspect.signature(function).parameters.values())

    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ValueError(
                f"Invalid {label}: parameter {parameter.name!r} collects variable arguments. "
                "Declare every hyperparameter by name with a default, so it can be saved."
            )

    positional_kinds = (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    data = [p for p in parameters[:data_arity] if p.kind in positional_kinds]
    if len(data) < data_arity:
        raise ValueError(
            f"Invalid {label}: expected {data_arity} leading positional data parameter(s), "
            f"found {[p.name for p in parameters[:data_arity]]}."
        )
    # A hyperparameter in a data position would silently receive data (for an
    # initializer, `def f(shape, scale=1.0)` would get the dtype as `scale`).
    if data_names is not None and tuple(p.name for p in data) != tuple(data_names):
        raise ValueError(
            f"Invalid {label}: the leading parameters must be {list(data_names)}, "
            f"found {[p.name for p in data]}. Put hyperparameters after them."
        )

    defaults = {}
    for parameter in parameters[data_arity:]:
        if parameter.default is parameter.empty:
            raise ValueError(
                f"Invalid {label}: hyperparameter {parameter.name!r} has no default. "
                "Give every hyperparameter a default value, for example "
                f"`{parameter.name}=1.0`; it is the value used when a config omits it."
            )
        if parameter.name in reserved:
            raise ValueError(
                f"Invalid {label}: hyperparameter {parameter.name!r} clashes with an argument "
                "or attribute of the generated class. Rename it, for example "
                f"to {parameter.name + '_value'!r}."
            )
        if not is_json_value(parameter.default):
            raise ValueError(
                f"Invalid {label}: hyperparameter {parameter.name!r} has the default "
                f"{parameter.default!r}, which a JSON config cannot store. Use a number, "
                "string, bool, None, or a list or dict of those."
            )
        defaults[parameter.name] = parameter.default

    return FunctionSpec(function, kind, tuple(p.name for p in data), defaults)


def reserved_names(base, arguments):
    """Return the names a hyperparameter may not take: `arguments` and every attribute of `base`."""
    return frozenset(arguments) | frozenset(dir(base))


def build_signature(spec, extra_parameters):
    """Return the constructor signature: the hyperparameters, then `extra_parameters`.

    `extra_parameters` is a list of `(name, default)` pairs such as
    `[("reduction", "sum_over_batch_size"), ("name", "huber"), ("dtype", None)]`.
    """
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for name, default in list(spec.defaults.items()) + list(extra_parameters):
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
        )
    return inspect.Signature(parameters)


def bind_arguments(cls, args, kwargs):
    """Bind constructor arguments to `cls.__signature__`, raising `TypeError` as Python does."""
    bound = cls._init_signature.bind(None, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop("self")
    return arguments


def store_hyperparameters(instance, spec, arguments, validate):
    """Validate and store the hyperparameters in `arguments` on `instance`.

    `validate(**hyperparameters)` runs first when given, so its message on the
    valid range wins, then each value is checked for a JSON form. Values are
    stored both in `instance._hyperparameters` (for the config) and as
    attributes, so `Huber(threshold=2.0).threshold == 2.0`.
    """
    received = {name: arguments.pop(name) for name in spec.defaults}
    if validate is not None:
        validate(**received)
    hyperparameters = {}
    for name, value in received.items():
        if not is_json_value(value):
            raise ValueError(
                f"Invalid {name}: received {value!r} of type {type(value).__name__}, "
                "expected a value a JSON config can store (a number, string, bool, None, "
                "or a list or dict of those)."
            )
        hyperparameters[name] = to_config_value(value)
    object.__setattr__(instance, "_hyperparameters", hyperparameters)
    for name, value in hyperparameters.items():
        object.__setattr__(instance, name, value)
    return hyperparameters


_REGISTERED_NAME = re.compile(r"^[^>]+>[^>]+$")


def register(obj, package, name):
    """Register `obj` under `package>name`, raising if another object already has that key.

    Keras's own decorator overwrites silently, so two components with one name
    would make every saved model load the wrong class. Re-registering an object
    with the same module and qualified name, and for a generated class the same
    wrapped function, is allowed, because a module reload does that.
    """
    key = f"{package}>{name}"
    if not _REGISTERED_NAME.match(key):
        raise ValueError(f"Invalid registered name {key!r}: package and name must not contain '>'.")
    existing = keras.saving.get_registered_object(key)
    if existing is not None and existing is not obj:
        if _origin(existing) != _origin(obj):
            raise ValueError(
                f"The name {key!r} is already registered to {existing!r}. Pass another "
                "`name` or `package` to the decorator, because saved models find a "
                "component by this key."
            )
    return keras.saving.register_keras_serializable(package=package, name=name)(obj)


def _origin(obj):
    """Return the module and qualified name of `obj` and of the function it wraps, if any.

    A generated class takes its qualified name from the class name alone, so two
    functions in one module decorated with the same `name` would otherwise look
    like a reload of one class.
    """
    wrapped = getattr(obj, "function", None)
    return (
        getattr(obj, "__module__", None),
        getattr(obj, "__qualname__", None),
        getattr(wrapped, "__module__", None),
        getattr(wrapped, "__qualname__", None),
    )


def register_function(function, package):
    """Register the plain function under its own name, unless it already is."""
    current = keras.saving.get_registered_name(function)
    if current == f"{package}>{function.__name__}":
        return function
    return register(function, package, function.__name__)


def dtype_to_config(dtype):
    """Return the JSON form of a `dtype` argument: None, a policy name, or a policy config."""
    if dtype is None or isinstance(dtype, str):
        return dtype
    if isinstance(dtype, keras.DTypePolicy):
        return keras.dtype_policies.serialize(dtype)
    return keras.backend.standardize_dtype(dtype)
