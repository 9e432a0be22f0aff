"""`keras-tailor plot`: draw losses rho(x) and their derivatives psi(x) side by side.

Matplotlib is an optional dependency (`pip install "keras-tailor[plot]"`).
"""

import ast
import logging

import keras
import numpy as np

from keras_tailor import losses
from keras_tailor.testing.gradients import value_and_gradient

logger = logging.getLogger(__name__)


class PlotError(ValueError):
    """A loss specification is invalid or the loss cannot be drawn as a function of one error."""


def parse_loss(text):
    """Build the keras-tailor loss that `text` names, such as `Huber` or `GeneralRobust(alpha=-2.0)`.

    Only class names exported by `keras_tailor.losses` and keyword arguments with
    literal values are accepted; nothing in `text` is evaluated as code.

    Raises:
        PlotError: the text is not `Name` or `Name(key=literal, ...)`, the name is
            not a keras-tailor loss class, or the class rejects the arguments.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise PlotError(f"Invalid loss {text!r}: expected Name or Name(key=value, ...).") from None
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and not tree.args:
        name = tree.func.id
        try:
            arguments = {keyword.arg: ast.literal_eval(keyword.value) for keyword in tree.keywords}
        except ValueError:
            raise PlotError(f"Invalid loss {text!r}: argument values must be literals such as 2.5.") from None
        if None in arguments:
            raise PlotError(f"Invalid loss {text!r}: arguments must be given as key=value.")
    elif isinstance(tree, ast.Name):
        name, arguments = tree.id, {}
    else:
        raise PlotError(f"Invalid loss {text!r}: expected Name or Name(key=value, ...).")
    available = sorted(n for n in losses.__all__ if n[:1].isupper())
    if name not in available:
        raise PlotError(f"Unknown loss {name!r}: expected one of {available}.")
    try:
        return getattr(losses, name)(**arguments)
    except (TypeError, ValueError) as error:
        raise PlotError(f"Invalid loss {text!r}: {error}") from None


def loss_curves(loss, errors):
    """Return `(rho, psi)`: the loss of each error (y_true = 0, y_pred = error) and its derivative."""
    errors = np.asarray(errors, dtype="float32")[:, None]
    y_true = keras.ops.zeros_like(errors)
    try:
        rho, psi = value_and_gradient(lambda y_pred: loss.call(y_true, y_pred), errors)
    except ValueError as error:
        raise PlotError(f"Cannot draw {loss.name}: it does not take one prediction column ({error}).") from None
    return np.asarray(rho, dtype="float64").reshape(-1), np.asarray(psi, dtype="float64").reshape(-1)


def plot_losses(specs, output, error_range=5.0, points=801):
    """Draw rho(x) and psi(x) for each loss specification into the image file `output`."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise PlotError('Plotting needs matplotlib: pip install "keras-tailor[plot]".') from None
    if not error_range > 0:
        raise PlotError(f"Invalid range: received {error_range!r}, expected a number > 0.")
    if points < 3:
        raise PlotError(f"Invalid points: received {points!r}, expected an integer >= 3.")
    errors = np.linspace(-error_range, error_range, points)
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(11, 4.2))
    for spec in specs:
        rho, psi = loss_curves(parse_loss(spec), errors)
        left.plot(errors, rho, label=spec)
        right.plot(errors, psi, label=spec)
    left.set(title="loss ρ(x)", xlabel="error x = y_pred − y_true", ylabel="ρ(x)")
    right.set(title="derivative ψ(x) = dρ/dx", xlabel="error x = y_pred − y_true", ylabel="ψ(x)")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(output, dpi=110)
    pyplot.close(figure)


def add_arguments(parser):
    parser.add_argument("losses", nargs="+", metavar="NAME", help="a loss class and its arguments, e.g. 'Huber(threshold=2.0)'")
    parser.add_argument("--out", required=True, help="image file to write, e.g. losses.png")
    parser.add_argument("--range", type=float, default=5.0, dest="error_range", help="draw errors in [-RANGE, RANGE] (default: 5)")
    parser.add_argument("--points", type=int, default=801, help="points per curve (default: 801)")


def run(args):
    try:
        plot_losses(args.losses, args.out, error_range=args.error_range, points=args.points)
    except PlotError as error:
        logger.error("error: %s", error)
        return 2
    except OSError as error:
        logger.error("error: could not write %s: %s", args.out, error)
        return 2
    logger.info("Wrote %s", args.out)
    return 0
