"""Tests of the contract checker: each broken component fails the right check, and its fix passes it.

The broken components and their fixes live in `broken_gallery`, a module, because
the fresh-process checks import each component's module by name in a child process.
"""

import concurrent.futures
import importlib
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_tailor
from keras_tailor.testing import (
    CHECK_NAMES,
    ComponentCheckError,
    assert_component,
    check_component,
    check_components,
    checks_for,
)
from keras_tailor.testing.discovery import find_components
from keras_tailor.testing.models import head_for
from keras_tailor.testing.subject import KINDS

import broken_gallery as gallery

TESTS_FOLDER = os.path.dirname(os.path.abspath(__file__))
# Required arguments of library components, which the checker cannot choose.
LIBRARY_ARGUMENTS = {keras_tailor.metrics.LossMean: {"loss": keras_tailor.losses.Huber(threshold=0.5)}}
FRESH_CHECKS = ("registration", "model_round_trip", "metric_distribution")
# Components whose cases need a child process, all checked in one.
FRESH_COMPONENTS = (
    gallery.UnregisteredClip,
    gallery.RegisteredClip,
    gallery.ScaleInCall,
    gallery.ScaleInBuild,
    gallery.DenseInCall,
    gallery.DenseInBuild,
    gallery.MeanAggregatedCount,
    gallery.SumAggregatedCount,
)


def skip_all_but(*names):
    """Return the `skip` argument that leaves only the checks `names` to run."""
    return tuple(name for name in CHECK_NAMES if name not in names)


def check_pair(broken, fixed, name):
    """Run the in-process check `name` on a broken component and its fix, and return both results."""
    check = "weights_contract" if name.endswith("_contract") else name
    broken_report, fixed_report = check_components([broken, fixed], skip=skip_all_but(check), fresh_process=False)
    return broken_report.result(name), fixed_report.result(name)


def run_cli(*arguments):
    """Run `python -m keras_tailor` with `arguments` and return the completed process."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "keras_tailor", *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def cli_runs():
    """Return `{case: completed process}` of three `keras_tailor check` runs, started together to save time."""
    backend = keras.backend.backend()
    commands = {
        "table": ["check", "keras.losses:Huber", "--backend", backend],
        "json": ["check", "keras.losses:Huber", "--backend", backend, "--json"],
        "unknown module": ["check", "no_such_module_for_checker", "--backend", backend],
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(commands)) as pool:
        futures = {case: pool.submit(run_cli, *arguments) for case, arguments in commands.items()}
    return {case: future.result() for case, future in futures.items()}


@pytest.fixture(scope="module")
def fresh_reports():
    """Return `{component: report}` of the fresh-process checks of `FRESH_COMPONENTS`."""
    # The child process imports broken_gallery by name, so it needs this folder on its path.
    path = os.pathsep.join(filter(None, [TESTS_FOLDER, os.environ.get("PYTHONPATH")]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", path)
        reports = check_components(FRESH_COMPONENTS, skip=skip_all_but(*FRESH_CHECKS))
    return dict(zip(FRESH_COMPONENTS, reports))


def test_config_names_missing_delta():
    broken, fixed = check_pair(gallery.HuberWithoutConfig, gallery.HuberWithConfig, "config")

    assert broken.status == "failed"
    assert "argument delta=" in broken.message
    assert "missing from get_config()" in broken.message
    assert fixed.status == "passed", fixed.message


def test_streaming_flags_ignored_sample_weight():
    broken, fixed = check_pair(gallery.BatchMeanHuber, gallery.WeightedHuber, "metric_streaming")

    assert broken.status == "failed"
    assert "batches [5, 1, 7]" in broken.message
    assert "ignores or misuses sample_weight" in broken.message
    assert fixed.status == "passed", fixed.message


def test_registration_flags_unregistered_class(fresh_reports):
    broken = fresh_reports[gallery.UnregisteredClip].result("registration")
    fixed = fresh_reports[gallery.RegisteredClip].result("registration")

    assert broken.status == "failed"
    assert "UnregisteredClip is not registered" in broken.message
    assert fixed.status == "passed", fixed.message


def test_registration_flags_keras_named_package(tmp_path, monkeypatch):
    # A module whose name merely starts with "keras" is not Keras, so it needs registering too.
    source = """
        import keras


        class LooseClip(keras.constraints.Constraint):
            def __call__(self, w):
                return keras.ops.clip(w, -1.0, 1.0)
    """
    (tmp_path / "keras_gallery_extra.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("keras_gallery_extra")

    result = check_component(module.LooseClip, skip=skip_all_but("registration")).result("registration")

    assert result.status == "failed"
    assert "LooseClip is not registered" in result.message


def test_round_trip_flags_weights_in_call(fresh_reports):
    broken = fresh_reports[gallery.ScaleInCall].result("model_round_trip")
    fixed = fresh_reports[gallery.ScaleInBuild].result("model_round_trip")

    assert broken.status == "failed"
    assert "cannot add new elements of state" in broken.message
    assert fixed.status == "passed", fixed.message


def test_round_trip_flags_untracked_weights(fresh_reports, backend):
    broken = fresh_reports[gallery.DenseInCall].result("model_round_trip")
    fixed = fresh_reports[gallery.DenseInBuild].result("model_round_trip")

    assert broken.status == "failed"
    if backend == "tensorflow":
        # tf.function raises when a trace after the first creates variables, so training fails.
        assert "tf.Variables created on the first call" in broken.message
    else:
        assert "predict() and a direct call on the same input differ" in broken.message
    assert fixed.status == "passed", fixed.message


def test_fresh_checks_pass_fixed_twins(fresh_reports):
    fixed = (gallery.RegisteredClip, gallery.ScaleInBuild, gallery.DenseInBuild, gallery.SumAggregatedCount)

    failures = [fresh_reports[component].format() for component in fixed if not fresh_reports[component].passed]

    assert not failures, "\n\n".join(failures)


def test_constraint_contract_flags_non_idempotent():
    broken, fixed = check_pair(gallery.HalveWeights, gallery.RegisteredClip, "constraint_contract")

    assert broken.status == "failed"
    assert "not idempotent" in broken.message
    assert fixed.status == "passed", fixed.message


def test_distribution_flags_mean_count(fresh_reports, backend):
    broken = fresh_reports[gallery.MeanAggregatedCount].result("metric_distribution")
    fixed = fresh_reports[gallery.SumAggregatedCount].result("metric_distribution")

    if backend == "tensorflow":
        # MirroredStrategy averages the replicas' counts, halving the count.
        assert broken.status == "failed"
        assert "count ('mean')" in broken.message
        assert fixed.status == "passed", fixed.message
    elif backend == "jax":
        # In Keras 3.15.1, DataParallel runs one program over the global batch and ignores
        # a variable's aggregation, so the "mean" count is exact there.
        assert broken.status == "passed", broken.message
        assert fixed.status == "passed", fixed.message
    else:
        assert broken.status == "skipped"
        assert fixed.status == "skipped"
        assert "no data-parallel distribution" in broken.message


def test_direction_flags_missing_direction():
    broken, fixed = check_pair(gallery.UndirectedError, gallery.SumAggregatedCount, "metric_direction")

    assert broken.status == "failed"
    assert "_direction=None" in broken.message
    assert fixed.status == "passed", fixed.message


def test_numerics_flags_nan_gradient():
    broken, fixed = check_pair(gallery.SingleWhereLogLoss, gallery.DoubleWhereLogLoss, "numerics")

    assert broken.status == "failed"
    assert "gradient w.r.t. y_pred is not finite at y_pred = 0 " in broken.message
    assert fixed.status == "passed", fixed.message


def test_mixed_precision_flags_float16_overflow():
    broken, fixed = check_pair(gallery.PolicySquaredError, gallery.StateSquaredError, "mixed_precision")

    assert broken.status == "failed"
    assert "mixed_float16: policy_squared_error = inf" in broken.message
    # bfloat16 has the exponent range of float32, so the same squares stay finite.
    assert "mixed_bfloat16" not in broken.message
    assert fixed.status == "passed", fixed.message


def test_loss_examples_drive_every_loss_check():
    names = ("numerics", "mixed_precision", "loss_reductions")

    without_examples, with_examples = check_components(
        [gallery.UnshownTwoColumnNLL, gallery.ShownTwoColumnNLL], skip=skip_all_but(*names), fresh_process=False
    )

    assert not without_examples.passed
    assert "mixed_precision" in [result.name for result in without_examples.results if result.status == "failed"]
    assert with_examples.passed, with_examples.format()
    assert "10 rows of example_inputs()" in with_examples.result("numerics").message


def test_numerics_names_infinite_gradient_row():
    broken, fixed = check_pair(gallery.RootErrorNLL, gallery.ShownTwoColumnNLL, "numerics")

    assert broken.status == "failed"
    assert "gradient w.r.t. y_pred is not finite at example row = 9" in broken.message
    assert fixed.status == "passed", fixed.message


def test_declared_no_direction_is_skipped_with_the_reason():
    report = check_components(
        [keras_tailor.metrics.IntervalCoverage], skip=skip_all_but("metric_direction"), fresh_process=False
    )[0]

    result = report.result("metric_direction")
    assert result.status == "skipped"
    assert "coverage is best at its nominal level" in result.message


def test_numerics_flags_short_example_inputs():
    broken, fixed = check_pair(gallery.FewExampleRowsAccuracy, gallery.ExampleRowsAccuracy, "numerics")

    assert broken.status == "failed"
    assert "at least 8 rows" in broken.message
    assert "returned shapes (3,) and (3, 3)" in broken.message
    assert fixed.status == "passed", fixed.message
    assert "the example inputs" in fixed.message


def test_example_inputs_drive_model_checks():
    names = ("mixed_precision", "metric_streaming", "metric_direction", "metric_history")

    report = check_components([gallery.ExampleRowsAccuracy], skip=skip_all_but(*names), fresh_process=False)[0]

    assert report.passed, report.format()
    assert [result.name for result in report.results] == list(names)


@pytest.mark.parametrize(
    "y_true, y_pred, activation, loss",
    [
        ([0, 2], [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], "softmax", keras.losses.SparseCategoricalCrossentropy),
        ([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], "softmax", keras.losses.CategoricalCrossentropy),
        ([[0, 1], [1, 1]], [[0.2, 0.9], [0.6, 0.7]], "sigmoid", keras.losses.BinaryCrossentropy),
        ([[0], [1]], [[0.2], [0.9]], "sigmoid", keras.losses.BinaryCrossentropy),
        ([0, 2], [[-1.0, 0.5, 2.0], [3.0, 0.0, -2.0]], None, keras.losses.SparseCategoricalCrossentropy),
        ([[0.5, 1.5], [2.0, 1.0]], [[-1.0, 0.5], [3.0, 0.0]], None, keras.losses.MeanSquaredError),
        ([[0.5], [2.0]], [[-1.0, 0.5], [3.0, 0.0]], ("softplus_tail", 1), keras.losses.MeanSquaredError),
        ([[0.5], [2.0]], [[1.5, 0.5], [3.0, 2.0]], "softplus", keras.losses.MeanSquaredError),
    ],
    ids=[
        "softmax_ids",
        "softmax_one_hot",
        "sigmoid_multilabel",
        "sigmoid_binary",
        "logits_ids",
        "linear_targets",
        "mean_and_variance",
        "positive_means",
    ],
)
def test_head_follows_example_predictions(y_true, y_pred, activation, loss):
    units, chosen_activation, chosen_loss = head_for((np.asarray(y_true), np.asarray(y_pred)))

    assert units == len(y_pred[0])
    assert chosen_activation == activation
    assert type(chosen_loss) is loss


def test_keras_huber_loses_delta():
    result = check_component(keras.losses.Huber, skip=skip_all_but("config"), fresh_process=False).result("config")

    assert result.status == "failed"
    assert "argument delta=" in result.message
    assert "missing from get_config()" in result.message


def test_config_accepts_nested_loss():
    arguments = {keras_tailor.metrics.LossMean: LIBRARY_ARGUMENTS[keras_tailor.metrics.LossMean]}

    report = check_components([keras_tailor.metrics.LossMean], arguments, skip_all_but("config"), fresh_process=False)[0]

    assert report.result("config").status == "passed", report.result("config").message


# Components whose own test modules run the checker, with the init_kwargs and
# the documented skips their shapes need (two prediction columns, positive
# predictions, quantile columns). They are left out here so no component is
# checked twice on a backend.
CHECKED_IN_FAMILY_TESTS = {
    "keras_tailor.losses.robust_family": "tests/test_robust_family.py",
    "keras_tailor.metrics.robust_family": "tests/test_robust_family.py",
    "keras_tailor.losses.quantile": "tests/test_quantile.py",
    "keras_tailor.metrics.intervals": "tests/test_quantile.py",
    "keras_tailor.losses.probabilistic": "tests/test_probabilistic.py",
    "keras_tailor.metrics.probabilistic": "tests/test_probabilistic.py",
    "keras_tailor.metrics.classification": "tests/test_classification.py",
    "keras_tailor.metrics.correlation": "tests/test_correlation.py",
    "keras_tailor.layers.adaptive_robust": "tests/test_adaptive_robust.py",
    "keras_tailor.metrics.calibration": "tests/test_calibration.py",
    "keras_tailor.metrics.regression_extras": "tests/test_regression_extras.py",
    "keras_tailor.metrics.aggregation": "tests/test_aggregation.py",
}


def test_library_components_pass_checker():
    components = [
        component
        for component in find_components(["keras_tailor"])
        if component.__module__ not in CHECKED_IN_FAMILY_TESTS
    ]

    reports = check_components(components, LIBRARY_ARGUMENTS)

    failures = [report.format() for report in reports if not report.passed]
    assert not failures, "\n\n".join(failures)
    incomplete = [report.label for report in reports if len(report.results) != len(checks_for(report.kind))]
    assert not incomplete
    assert {report.kind for report in reports} == set(KINDS)


def test_assert_component_raises_for_broken():
    with pytest.raises(ComponentCheckError) as caught:
        assert_component(gallery.HalveWeights, skip=skip_all_but("weights_contract"), fresh_process=False)

    assert caught.value.report.result("constraint_contract").status == "failed"
    assert "not idempotent" in str(caught.value)


def test_assert_component_returns_passing_report():
    report = assert_component(gallery.RegisteredClip, skip=skip_all_but("weights_contract"), fresh_process=False)

    assert report.passed
    assert report.result("constraint_contract").status == "passed"


def test_skip_accepts_reported_contract_name():
    skip = tuple(name for name in CHECK_NAMES if name not in ("config", "weights_contract")) + ("constraint_contract",)

    report = check_component(gallery.RegisteredClip, skip=skip, fresh_process=False)

    assert [result.name for result in report.results] == ["config"]


@pytest.mark.parametrize("value", [object(), int, lambda a, b, c: a], ids=["instance", "class", "function"])
def test_check_component_rejects_non_component(value):
    report = check_component(value)

    result = report.result("setup")
    assert not report.passed
    assert report.kind == "unknown"
    assert result.status == "failed"
    assert "expected a loss, metric, layer, activation" in result.message


def test_cli_table_names_huber_delta(cli_runs):
    completed = cli_runs["table"]

    assert completed.returncode == 1, completed.stderr[-3000:]
    assert "argument delta=" in completed.stdout


def test_cli_json_output_parses(cli_runs, backend):
    completed = cli_runs["json"]

    reports = json.loads(completed.stdout)
    config = [result for result in reports[0]["results"] if result["name"] == "config"]
    assert completed.returncode == 1
    assert [report["backend"] for report in reports] == [backend]
    assert config[0]["status"] == "failed"
    assert "argument delta=" in config[0]["message"]


def test_cli_unknown_module_exits_two(cli_runs):
    completed = cli_runs["unknown module"]

    output = completed.stdout + completed.stderr
    assert completed.returncode == 2
    assert "Cannot import module 'no_such_module_for_checker'" in output
    assert "component checks passed" not in completed.stdout
