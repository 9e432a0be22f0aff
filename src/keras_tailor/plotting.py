"""`keras-tailor plot`: draw losses rho(x) and their derivatives psi(x) side by side.

Matplotlib is an optional dependency (`pip install "keras-tailor[plot]"`).
"""

import logging

import keras
import numpy as np

from keras_tailor import specification
from keras_tailor.testing.gradients import value_and_gradient

logger = logging.getLogger(__name__)


class PlotError(ValueError):
    """A loss cannot be drawn, or the image cannot be made."""


def parse_loss(text):
    """Build the loss that `text` names; see `keras_tailor.specification.parse_loss`."""
    try:
        return specification.parse_loss(text)
    except specification.SpecificationError as error:
        raise PlotError(str(error)) from None


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
