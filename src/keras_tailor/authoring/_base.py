"""Behaviour shared by every class that the authoring decorators generate."""

import inspect
import sys

from keras_tailor.authoring import _spec


class FunctionComponent:
    """Mixin for a component class generated from a plain function.

    A generated class sets the class attributes below. Its constructor accepts the
    function's hyperparameters followed by the base class's own arguments, in the
    order of `inspect.signature(cls)`.

    Attributes:
        function: the plain function that computes the component.
        _spec: the `FunctionSpec` read from `function`.
        _validate: None, or a callable that receives the hyperparameters as keyword
            arguments and raises `ValueError` for an invalid one.
        _extra_parameters: `(name, default)` pairs of the base class's own arguments.
    """

    function = None
    _spec = None
    _validate = None
    _extra_parameters = ()

    def _bind_and_store(self, args, kwargs):
        """Bind the constructor call and store the hyperparameters; return the other arguments."""
        cls = type(self)
        arguments = _spec.bind_arguments(cls, args, kwargs)
        _spec.store_hyperparameters(self, cls._spec, arguments, cls._validate)
        return arguments

    def _hyperparameter_config(self):
        return dict(self._hyperparameters)

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in self._hyperparameters.items())
        return f"{type(self).__name__}({arguments})"


def make_class(base, spec, class_name, extra_parameters, validate, namespace, doc):
    """Create the subclass of `base` for `spec` with a readable signature and docstring."""
    signature = _spec.build_signature(spec, extra_parameters)
    attributes = {
        "function": staticmethod(spec.function),
        "_spec": spec,
        "_validate": staticmethod(validate) if validate is not None else None,
        "_extra_parameters": tuple(extra_parameters),
        "_init_signature": signature,
        "__signature__": signature.replace(parameters=list(signature.parameters.values())[1:]),
        "__module__": _calling_module(),
        "__qualname__": class_name,
        "__doc__": doc if doc is not None else _class_doc(spec, class_name, extra_parameters),
    }
    attributes.update(namespace)
    return type(class_name, (base,), attributes)


def example_namespace(examples):
    """Return the class attributes that attach `examples` as the static method `example_inputs`.

    Raises:
        TypeError: `examples` is neither None nor callable.
    """
    if examples is None:
        return {}
    if not callable(examples):
        raise TypeError(
            f"examples must be a callable that returns (y_true, y_pred); received {type(examples).__name__}"
        )
    return {"example_inputs": staticmethod(examples)}


def _calling_module():
    """Return the name of the first module outside the kit on the call stack.

    The generated class belongs to the module that called the decorator, which
    may differ from the function's module (`HuberMetric` is built from the loss
    module's `huber`). Keras writes this name into saved configs.
    """
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("keras_tailor.authoring"):
            return module
        frame = frame.f_back
    return "__main__"


def _class_doc(spec, class_name, extra_parameters):
    summary = inspect.getdoc(spec.function) or f"Keras {spec.kind} computed by `{spec.function.__name__}`."
    extras = ", ".join(f"`{name}`" for name, _ in extra_parameters)
    note = (
        f"\n\n`{class_name}` is the registered {spec.kind} class for "
        f"`{spec.function.__name__}`: its constructor takes the hyperparameters "
        f"({', '.join(f'`{name}`' for name in spec.defaults) or 'none'})"
    )
    note += f" and {extras}, and every one of them is saved in its config." if extras else ", and every one of them is saved in its config."
    return summary + note
