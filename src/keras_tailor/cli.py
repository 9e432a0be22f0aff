"""The `keras-tailor` command line."""

import argparse
import logging
import os
import sys

from keras_tailor import inspector, plotting

logger = logging.getLogger(__name__)

BACKENDS = ("tensorflow", "jax", "torch")
# Set in the re-executed process, so a backend that still differs is an error, not a loop.
_REEXEC_MARKER = "KERAS_TAILOR_BACKEND_REEXEC"


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid value {value}: expected an integer >= 1")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid value {value}: expected an integer >= 0")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-tailor",
        description="Custom Keras 3 components that keep their hyperparameters when saved.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="train on California housing, save, reload in a fresh process and compare",
        description=(
            "Train an MLP built from keras-tailor components on the California housing data "
            "shipped with the package, save it as .keras, reload it in a fresh Python process "
            "with no custom_objects, and check that predictions and hyperparameters are unchanged."
        ),
    )
    demo.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="Keras backend to train on (default: $KERAS_BACKEND, else tensorflow)",
    )
    demo.add_argument("--epochs", type=_positive_int, default=8, help="training epochs (default: 8)")
    demo.add_argument("--seed", type=_non_negative_int, default=0, help="seed of the split and the weights (default: 0)")
    demo.add_argument(
        "--output",
        default="demo-output",
        help="folder for the saved model and the comparison files (default: ./demo-output)",
    )
    demo.add_argument(
        "--loss",
        default=None,
        help="loss to train with, e.g. 'Pinball(quantiles=[0.1, 0.5, 0.9])' (default: Huber(threshold=0.5))",
    )
    demo.add_argument(
        "--devices",
        type=_positive_int,
        default=1,
        help=(
            "train data-parallel over this many virtual CPU devices (jax: DataParallel, "
            "tensorflow: MirroredStrategy) and compare the validation metrics with a "
            "single-device evaluation (default: 1)"
        ),
    )
    demo.add_argument(
        "--data",
        default=None,
        help="a housing CSV, plain or .gz, with the shipped file's columns (default: the shipped copy)",
    )
    check = commands.add_parser(
        "check",
        help="prove that components keep their config through save and load on every backend",
        description=(
            "Check every public component of each TARGET (a module such as keras_tailor.losses, "
            "or module:Name) on each backend, each in its own process, and print a table."
        ),
    )
    check.add_argument("targets", nargs="+", metavar="TARGET", help="a module, package or module:Name")
    check.add_argument(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="backend to check on; repeat for several (default: all three)",
    )
    check.add_argument("--json", action="store_true", help="print the reports as JSON instead of a table")
    inspect = commands.add_parser("inspect", help=inspector.HELP, description=inspector.DESCRIPTION)
    inspector.add_arguments(inspect)
    plot = commands.add_parser(
        "plot",
        help="draw losses and their derivatives to compare them",
        description="Draw the loss rho(x) and its derivative psi(x) of each NAME over a range of errors.",
    )
    plotting.add_arguments(plot)
    return parser


class _CurrentStreamHandler(logging.StreamHandler):
    """A stream handler that writes to whatever `sys.stdout` or `sys.stderr` is when a record arrives.

    A plain handler keeps the stream it was created with, which breaks when
    the stream is replaced later (as pytest's output capture does between tests).
    """

    def __init__(self, stream_name):
        super().__init__()
        self.stream_name = stream_name

    @property
    def stream(self):
        return getattr(sys, self.stream_name)

    @stream.setter
    def stream(self, value):
        pass


def _handler(stream_name, level_filter):
    handler = _CurrentStreamHandler(stream_name)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(level_filter)
    return handler


# Progress and results go to stdout; warnings and errors go to stderr.
_HANDLERS = (
    _handler("stdout", lambda record: record.levelno < logging.WARNING),
    _handler("stderr", lambda record: record.levelno >= logging.WARNING),
)


def _configure_logging():
    """Send keras-tailor's records to stdout (INFO) and stderr (WARNING and above), leaving other loggers alone."""
    package_logger = logging.getLogger("keras_tailor")
    for handler in _HANDLERS:
        if handler not in package_logger.handlers:
            package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    package_logger.propagate = False


def _ensure_backend(backend, argv, devices=1):
    """Re-execute this command with KERAS_BACKEND=backend if Keras loaded another backend.

    Keras fixes its backend when first imported, and importing keras_tailor
    imports Keras, so a different `--backend` needs a new process. So does
    JAX with more than one device, because it reads its device count from
    `XLA_FLAGS` when it starts.
    """
    import keras

    from keras_tailor.demo import devices as demo_devices

    loaded = keras.backend.backend()
    backend = backend or loaded
    jax_needs_devices = backend == "jax" and devices > 1 and not demo_devices.jax_devices_ready(devices)
    if loaded == backend and not jax_needs_devices:
        return
    if os.environ.get(_REEXEC_MARKER):
        raise SystemExit(f"error: could not switch Keras to the {backend} backend (Keras loaded {loaded}).")
    env = dict(os.environ, KERAS_BACKEND=backend)
    if jax_needs_devices:
        env = demo_devices.jax_environment(devices, env)
    env[_REEXEC_MARKER] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "keras_tailor", *argv], env)


def _run_check(args):
    from keras_tailor.testing import check_cli

    return check_cli.run(args.targets, args.backend or list(BACKENDS), as_json=args.json)


def _run_demo(args):
    from keras_tailor import specification
    from keras_tailor.demo import devices, housing, run

    try:
        loss = None if args.loss is None else specification.parse_loss(args.loss)
        result = run.run_demo(
            args.output, epochs=args.epochs, seed=args.seed, data_path=args.data, loss=loss, devices=args.devices
        )
    except (housing.DataError, run.DemoError, devices.DevicesError, specification.SpecificationError) as error:
        logger.error("error: %s", error)
        return 2
    except OSError as error:
        logger.error("error: could not write to %s: %s", args.output, error)
        return 2
    run.log_result(result)
    return 0 if result.passed else 1


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    _configure_logging()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.command == "demo":
        _ensure_backend(args.backend, argv, args.devices)
        return _run_demo(args)
    if args.command == "check":
        return _run_check(args)
    if args.command == "inspect":
        return inspector.run(args)
    if args.command == "plot":
        return plotting.run(args)
    return 2
