"""What is being checked: a component's kind, how to build it, and which values to vary."""

import inspect
import json

import keras

from keras_tailor.authoring.callables import FunctionActivation

KINDS = ("loss", "metric", "layer", "activation", "regularizer", "constraint", "initializer")
_BASES = (
    ("loss", keras.losses.Loss),
    ("metric", keras.metrics.Metric),
    ("layer", keras.layers.Layer),
    ("regularizer", keras.regularizers.Regularizer),
    ("constraint", keras.constraints.Constraint),
    ("initializer", keras.initializers.Initializer),
    ("activation", FunctionActivation),
)
# A non-default value for arguments that every Keras component of a kind shares.
_SHARED_ARGUMENTS = {"reduction": "sum", "dtype": "float64"}
# Arguments left at their default in the model round trip, because a float64
# metric or loss inside a float32 model only tests Keras's casting.
_CONFIG_ONLY_ARGUMENTS = ("dtype", "name")


def kind_of(component):
    """Return the kind of a class, an instance or a function, or None if it is not a component."""
    if inspect.isclass(component):
        for kind, base in _BASES:
            if issubclass(component, base):
                return kind
        return None
    for kind, base in _BASES:
        if isinstance(component, base):
            return kind
    if inspect.isfunction(component):
        parameters = [
            p
            for p in inspect.signature(component).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        names = [p.name for p in parameters]
        if names[:2] == ["y_true", "y_pred"]:
            return "loss"
        if names[:1] == ["shape"]:
            return "initializer"
        if len(names) == 1 and names[0] in ("weights", "w", "kernel"):
            return "weights"
        if len(names) == 1:
            return "activation"
    return None


class Subject:
    """A component prepared for checking.

    Attributes:
        component: what the user passed: a class, an instance or a function.
        kind: one of `KINDS`.
        label: `module:Name`.
        cls: the class, or None for a function.
        function: the function, or None for a class or instance.
        arguments: the constructor arguments chosen (non-default where possible).
        defaults: the default of each argument in `arguments`, `inspect.Parameter.empty` if required.
        unvaried: `{argument: reason}` for arguments left at their default.
    """

    def __init__(self, component, kind, cls=None, function=None, arguments=None, defaults=None, unvaried=None, instance=None):
        self.component = component
        self.kind = kind
        self.cls = cls
        self.function = function
        self.arguments = dict(arguments or {})
        self.defaults = dict(defaults or {})
        self.unvaried = dict(unvaried or {})
        self._instance = instance
        target = function if function is not None else cls
        self.label = f"{target.__module__}:{target.__qualname__}"

    @property
    def is_function(self):
        return self.function is not None

    def build(self, config_only=True, **overrides):
        """Return a new instance, or the user's instance when one was given and nothing is overridden."""
        if self.is_function:
            return self.function
        if self._instance is not None and not overrides and config_only:
            return self._instance
        if self._instance is not None:
            config = self._instance.get_config()
            config.update(overrides)
            return self.cls.from_config(config)
        arguments = dict(self.arguments)
        if not config_only:
            for name in _CONFIG_ONLY_ARGUMENTS:
                if name in arguments and name in self.defaults and self.defaults[name] is not inspect.Parameter.empty:
                    arguments[name] = self.defaults[name]
        arguments.update(overrides)
        return self.cls(**arguments)


def _candidates(name, default):
    """Return values to try for an argument, most informative first."""
    if name in _SHARED_ARGUMENTS:
        return [_SHARED_ARGUMENTS[name]]
    if name == "name":
        return [f"{default or 'component'}_checked"]
    if name == "seed":
        return [1234]
    if isinstance(default, bool):
        return [not default]
    if isinstance(default, int):
        return [default + 1, default * 2, default - 1]
    if isinstance(default, float):
        candidates = [default * 1.5 + 0.25, default * 0.5, default + 1.0, default - 0.5]
        # 0 and +-1 make many arguments an identity (a factor of 1, a penalty
        # of 0), which hides defects. For example, a constraint `w * factor` is
        # idempotent at factor=1. A candidate equal to the default varies nothing.
        return [value for value in candidates if value not in (0.0, 1.0, -1.0, default)]
    if isinstance(default, (list, tuple)) and default and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in default
    ):
        return [type(default)(v * 0.5 for v in default), type(default)(v * 1.5 + 0.25 for v in default)]
    return []


def _constructor_parameters(cls):
    signature = inspect.signature(cls)
    return [
        p
        for p in signature.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _constructs(cls, arguments):
    try:
        cls(**arguments)
    except (ValueError, TypeError):
        return False
    return True


def choose_arguments(cls, explicit=None):
    """Choose constructor arguments for `cls`, each away from its default where a valid value is found.

    Explicit values come from `explicit`, then from the class's optional
    `example_arguments()` static or class method, which a component with a
    required argument that is not a number (a `LossMean`'s loss) defines so
    that `keras-tailor check` can build it. Other required arguments get
    -0.5, 0.5, 1.5, ... in order, which suits ordered numeric bounds. Each
    varied argument is kept only if the class accepts it with the others, so a
    validation rule never blocks the rest.

    Returns:
        `(arguments, defaults, unvaried)`.

    Raises:
        ValueError: the class cannot be built from the chosen required arguments.
    """
    examples = getattr(cls, "example_arguments", None)
    explicit = {**(examples() if callable(examples) else {}), **(explicit or {})}
    parameters = _constructor_parameters(cls)
    defaults = {p.name: p.default for p in parameters}
    arguments, unvaried = {}, {}
    required_index = 0
    for parameter in parameters:
        if parameter.name in explicit:
            arguments[parameter.name] = explicit[parameter.name]
        elif parameter.default is parameter.empty:
            arguments[parameter.name] = -0.5 + required_index
            required_index += 1
    if not _constructs(cls, arguments):
        raise ValueError(
            f"Could not build {cls.__qualname__} from the arguments {arguments}. Pass valid "
            "values for its required arguments as `init_kwargs`, or define a static method "
            "`example_arguments()` on the class that returns them."
        )
    for parameter in parameters:
        if parameter.name in arguments:
            continue
        if parameter.default is None and parameter.name not in _SHARED_ARGUMENTS and parameter.name != "seed":
            unvaried[parameter.name] = "default None, no alternative known"
            continue
        for candidate in _candidates(parameter.name, parameter.default):
            trial = dict(arguments, **{parameter.name: candidate})
            if _constructs(cls, trial):
                arguments[parameter.name] = candidate
                break
        else:
            unvaried[parameter.name] = f"no valid alternative to the default {parameter.default!r} found"
    for name in explicit:
        if name not in defaults:
            arguments[name] = explicit[name]
    return arguments, defaults, unvaried


def make_subject(component, init_kwargs=None):
    """Return the `Subject` for a class, an instance or a function.

    Raises:
        ValueError: `component` is not a Keras component of a known kind.
    """
    kind = kind_of(component)
    if kind is None:
        raise ValueError(
            f"Cannot check {component!r}: expected a loss, metric, layer, activation, regularizer, "
            "constraint or initializer class, an instance of one, or a function."
        )
    if inspect.isfunction(component):
        if kind == "weights":
            # A penalty returns a scalar, a projection returns weights of the input's shape.
            output = component(keras.ops.ones((3, 2)))
            kind = "regularizer" if len(keras.ops.shape(output)) == 0 else "constraint"
        return Subject(component, kind, function=component)
    if inspect.isclass(component):
        arguments, defaults, unvaried = choose_arguments(component, init_kwargs)
        return Subject(component, kind, cls=component, arguments=arguments, defaults=defaults, unvaried=unvaried)
    return Subject(component, kind, cls=type(component), instance=component)


def json_normalize(value):
    """Return `value` as JSON reads it back, or raise `TypeError` if JSON cannot store it."""
    return json.loads(json.dumps(value))
