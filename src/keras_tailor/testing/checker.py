"""`check_component` and `assert_component`: prove a component's contract on this backend."""

import tempfile

import keras

from keras_tailor.testing import behaviour_checks, config_checks, fresh_checks, models
from keras_tailor.testing.report import FAILED, SKIPPED, ComponentCheckError, ComponentReport
from keras_tailor.testing.subject import make_subject

_IN_PROCESS = {
    "config": lambda s, r: config_checks.check_config(s, r),
    "numerics": lambda s, r: behaviour_checks.check_numerics(s, r),
    "mixed_precision": lambda s, r: behaviour_checks.check_mixed_precision(s, r),
    "loss_reductions": lambda s, r: behaviour_checks.check_loss_reductions(s, r),
    "metric_streaming": lambda s, r: behaviour_checks.check_metric_streaming(s, r),
    "metric_direction": lambda s, r: behaviour_checks.check_metric_direction(s, r),
    "metric_stateless": lambda s, r: behaviour_checks.check_metric_stateless(s, r),
    "metric_history": lambda s, r: behaviour_checks.check_metric_history(s, r),
    "weights_contract": lambda s, r: behaviour_checks.check_weights_component(s, r),
}
_FRESH = {
    "registration": fresh_checks.prepare_registration,
    "model_round_trip": fresh_checks.prepare_model_round_trip,
    "metric_distribution": fresh_checks.prepare_distribution,
}
_BY_KIND = {
    "loss": ["config", "registration", "model_round_trip", "numerics", "mixed_precision", "loss_reductions"],
    "metric": [
        "config", "registration", "model_round_trip", "numerics", "mixed_precision",
        "metric_streaming", "metric_direction", "metric_stateless", "metric_history", "metric_distribution",
    ],
    "layer": ["config", "registration", "model_round_trip", "numerics", "mixed_precision"],
    "activation": ["config", "registration", "model_round_trip", "numerics", "mixed_precision"],
    "regularizer": ["config", "registration", "model_round_trip", "numerics", "mixed_precision", "weights_contract"],
    "constraint": ["config", "registration", "model_round_trip", "numerics", "mixed_precision", "weights_contract"],
    "initializer": ["config", "registration", "model_round_trip", "numerics", "mixed_precision", "weights_contract"],
}
# A metric whose update_state takes values, as keras.metrics.Mean does, cannot
# be a compiled metric of a model, so the checks that compile one do not apply.
_NOT_COMPILABLE = "update_state takes values, not (y_true, y_pred), so model.compile cannot use it (as keras.metrics.Mean)"
VALUE_METRIC_SKIPS = {
    "model_round_trip": _NOT_COMPILABLE,
    "mixed_precision": _NOT_COMPILABLE,
    "metric_history": _NOT_COMPILABLE,
    "metric_distribution": _NOT_COMPILABLE,
}
CHECK_NAMES = tuple(dict.fromkeys(name for names in _BY_KIND.values() for name in names))


def checks_for(kind):
    """Return the names of the checks that apply to a component of `kind`."""
    return list(_BY_KIND[kind])


def _run_in_process(subject, report, name):
    try:
        _IN_PROCESS[name](subject, report)
    except Exception as error:  # noqa: BLE001  (a crash in a check is a failure of that check)
        report_name = f"{subject.kind}_contract" if name == "weights_contract" else name
        report.add(report_name, FAILED, f"running the check raised {type(error).__name__}: {error}")


def check_components(components, init_kwargs=None, skip=(), fresh_process=True, progress=None):
    """Check several components, running all their fresh-process checks in one child process.

    Args:
        components: classes, instances or functions.
        init_kwargs: `{component: {argument: value}}` for classes whose required
            arguments the checker cannot choose.
        skip: names of checks to leave out (see `CHECK_NAMES`); `weights_contract`
            or the reported name, such as `constraint_contract`, leaves out the contract check.
        fresh_process: False leaves out registration, model round trip and
            distribution, which need a child process.
        progress: None, or a callable `progress(index, total, label)` called as
            each component starts; `label` "fresh-process checks" marks the last step.

    Returns:
        A list of `ComponentReport`, in the order of `components`.
    """
    init_kwargs = init_kwargs or {}
    backend = keras.backend.backend()
    reports, pending = [], []
    with tempfile.TemporaryDirectory(prefix="keras-tailor-check-") as folder:
        for index, component in enumerate(components):
            try:
                subject = make_subject(component, init_kwargs.get(component))
            except ValueError as error:
                label = getattr(component, "__qualname__", repr(component))
                report = ComponentReport(label, "unknown", backend)
                report.add("setup", FAILED, str(error))
                reports.append(report)
                continue
            report = ComponentReport(subject.label, subject.kind, backend)
            reports.append(report)
            if progress is not None:
                progress(index + 1, len(components), subject.label)
            for name in checks_for(subject.kind):
                # Reports name the weights contract after the kind, so skip accepts both names.
                if name in skip or (name == "weights_contract" and f"{subject.kind}_contract" in skip):
                    continue
                if name in VALUE_METRIC_SKIPS and models.takes_values(subject.cls):
                    report.add(name, SKIPPED, VALUE_METRIC_SKIPS[name])
                    continue
                if name in _FRESH:
                    if fresh_process:
                        pending.append(_FRESH[name](subject, report, folder, f"c{index}_"))
                else:
                    _run_in_process(subject, report, name)
        if fresh_process:
            if progress is not None:
                progress(len(components), len(components), "fresh-process checks")
            fresh_checks.run_pending(pending, folder)
    order = {name: position for position, name in enumerate(CHECK_NAMES)}
    for report in reports:
        report.results.sort(key=lambda r: order.get(r.name.replace(f"{report.kind}_contract", "weights_contract"), len(order)))
    return reports


def check_component(component, init_kwargs=None, skip=(), fresh_process=True):
    """Check one component's contract on the current backend and return a `ComponentReport`.

    `component` may be a class (the checker picks non-default constructor values
    from its signature; pass `init_kwargs` for required arguments it cannot
    guess), an instance, or a function (an activation or a loss function). The
    checks depend on the kind: config and registration for all; a `.keras` and
    `.h5` model round trip in a fresh process without `custom_objects`; finite
    values and gradients on edge inputs and under mixed precision; reductions
    for losses; streaming, direction, History and replica results for metrics;
    the contracts of constraints, initializers and regularizers. Limits of Keras
    itself are reported as skipped with the reason.

    The metric checks feed `(N, 1)` regression targets through a `Dense(1)`
    head. A metric that reads other data, such as class labels and
    probabilities, defines a static method `example_inputs()` that returns
    `(y_true, y_pred)` numpy arrays of at least 8 rows. The checks then feed
    those rows, and their models get a head shaped like `y_pred`, as
    `keras_tailor.testing.models.head_for` describes.

    Example:

    >>> report = check_component(keras.losses.Huber)
    >>> report.result("config").status
    'failed'
    """
    return check_components([component], {component: init_kwargs} if init_kwargs else None, skip, fresh_process)[0]


def assert_component(component, init_kwargs=None, skip=(), fresh_process=True):
    """Raise `ComponentCheckError` with the full report if any check of `check_component` fails."""
    report = check_component(component, init_kwargs, skip, fresh_process)
    if not report.passed:
        raise ComponentCheckError(report)
    return report
