"""Finding the public components of a module, a package or a `module:Name` target."""

import importlib
import inspect
import pkgutil

import keras

from keras_tailor.testing.subject import kind_of

# Modules of keras-tailor that hold tools rather than components. The kit's
# base classes, for example, are only templates for generated classes.
NOT_COMPONENTS = ("keras_tailor.authoring", "keras_tailor.testing", "keras_tailor.demo", "keras_tailor.cli")


class TargetError(ValueError):
    """A target names no importable module or no component."""


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    return list(names)


def _is_component(obj, module_name):
    if inspect.isclass(obj):
        return kind_of(obj) is not None and not inspect.isabstract(obj)
    if inspect.isfunction(obj):
        # Functions count only when registered, which marks them as components.
        registered = keras.saving.get_registered_name(obj)
        return ">" in registered and kind_of(obj) is not None
    return False


def _excluded(name):
    return any(name == prefix or name.startswith(prefix + ".") for prefix in NOT_COMPONENTS)


def _components_of_module(module, seen_modules):
    if module.__name__ in seen_modules or _excluded(module.__name__):
        return []
    seen_modules.add(module.__name__)
    found = []
    for name in _public_names(module):
        obj = getattr(module, name, None)
        if inspect.ismodule(obj):
            if obj.__name__.startswith(module.__name__ + "."):
                found += _components_of_module(obj, seen_modules)
            continue
        if _is_component(obj, module.__name__):
            found.append(obj)
    if hasattr(module, "__path__") and getattr(module, "__all__", None) is None:
        for info in pkgutil.iter_modules(module.__path__, module.__name__ + "."):
            if not info.name.rsplit(".", 1)[-1].startswith("_"):
                found += _components_of_module(importlib.import_module(info.name), seen_modules)
    return found


def find_components(targets):
    """Return the components named by `targets`, each once, in order.

    A target is a module or package name (`my_project.losses`, every public
    component in it and its public submodules) or `module:Name`.

    Raises:
        TargetError: a module cannot be imported, a name is missing, or a
            target contains no component.
    """
    components, seen = [], set()
    for target in targets:
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise TargetError(f"Cannot import module {module_name!r} of target {target!r}: {error}") from None
        if attribute:
            obj = module
            for part in attribute.split("."):
                if not hasattr(obj, part):
                    raise TargetError(f"Target {target!r}: {module_name} has no attribute {attribute!r}.")
                obj = getattr(obj, part)
            if kind_of(obj) is None:
                raise TargetError(f"Target {target!r} is not a Keras component: {obj!r}.")
            found = [obj]
        else:
            found = _components_of_module(module, set())
            if not found:
                raise TargetError(f"Target {target!r} contains no public Keras component.")
        for obj in found:
            if id(obj) not in seen:
                seen.add(id(obj))
                components.append(obj)
    return components
