"""Building a keras-tailor loss from a short text such as `Huber(threshold=2.0)`.

The command line uses it for `keras-tailor plot NAME` and `keras-tailor demo --loss NAME`.
"""

import ast

from keras_tailor import losses


class SpecificationError(ValueError):
    """A loss specification is not `Name` or `Name(key=literal, ...)`, or names no keras-tailor loss."""


def parse_loss(text):
    """Build the keras-tailor loss that `text` names, such as `Huber` or `Pinball(quantiles=[0.1, 0.9])`.

    Only class names exported by `keras_tailor.losses` and keyword arguments with
    literal values are accepted; nothing in `text` is evaluated as code.

    Raises:
        SpecificationError: the text is not `Name` or `Name(key=literal, ...)`, the
            name is not a keras-tailor loss class, or the class rejects the arguments.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise SpecificationError(f"Invalid loss {text!r}: expected Name or Name(key=value, ...).") from None
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and not tree.args:
        name = tree.func.id
        try:
            arguments = {keyword.arg: ast.literal_eval(keyword.value) for keyword in tree.keywords}
        except ValueError:
            raise SpecificationError(f"Invalid loss {text!r}: argument values must be literals such as 2.5.") from None
        if None in arguments:
            raise SpecificationError(f"Invalid loss {text!r}: arguments must be given as key=value.")
    elif isinstance(tree, ast.Name):
        name, arguments = tree.id, {}
    else:
        raise SpecificationError(f"Invalid loss {text!r}: expected Name or Name(key=value, ...).")
    available = sorted(n for n in losses.__all__ if n[:1].isupper())
    if name not in available:
        raise SpecificationError(f"Unknown loss {name!r}: expected one of {available}.")
    try:
        return getattr(losses, name)(**arguments)
    except (TypeError, ValueError) as error:
        raise SpecificationError(f"Invalid loss {text!r}: {error}") from None
