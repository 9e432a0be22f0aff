"""The California housing data, its preparation, and `keras-tailor demo` end to end."""

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

import keras_tailor as kt
from keras_tailor import cli
from keras_tailor.demo import devices, housing, run

# Facts of the shipped file, counted in its data README (1990 census variant of
# ageron/handson-ml2): 20,640 rows, 207 empty total_bedrooms, and these counts.
EXPECTED_ROWS = 20_640
EXPECTED_EMPTY_BEDROOMS = 207
EXPECTED_CATEGORY_COUNTS = {"<1H OCEAN": 9136, "INLAND": 6551, "NEAR OCEAN": 2658, "NEAR BAY": 2290, "ISLAND": 5}
HEADER = "longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity"
ROW = "-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0,NEAR BAY"


@pytest.fixture(scope="module")
def data():
    return housing.load_housing()


def test_shipped_data_row_count(data):
    assert data.numeric.shape == (EXPECTED_ROWS, 8)
    assert data.target.shape == (EXPECTED_ROWS,)


def test_shipped_data_empty_bedrooms(data):
    column = housing.NUMERIC_COLUMNS.index("total_bedrooms")
    assert int(np.isnan(data.numeric[:, column]).sum()) == EXPECTED_EMPTY_BEDROOMS
    assert int(np.isnan(data.numeric).sum()) == EXPECTED_EMPTY_BEDROOMS


def test_shipped_data_category_counts(data):
    counts = {name: int((data.categories == index).sum()) for index, name in enumerate(housing.CATEGORIES)}
    assert counts == EXPECTED_CATEGORY_COUNTS


def test_shipped_data_first_row(data):
    np.testing.assert_allclose(data.numeric[0], [-122.23, 37.88, 41.0, 880.0, 129.0, 322.0, 126.0, 8.3252])
    assert data.target[0] == 452600.0
    assert housing.CATEGORIES[data.categories[0]] == "NEAR BAY"


def test_split_sizes_and_units(data):
    split = housing.split_and_prepare(data, seed=3)
    assert split.train_features.shape == (16_512, 13)
    assert split.validation_features.shape == (4_128, 13)
    assert split.train_target.shape == (16_512, 1)
    # The target is capped at $500,001, which is 5.00001 in units of $100,000.
    assert float(split.train_target.max()) == pytest.approx(5.00001)


def test_split_imputes_training_median(data):
    split = housing.split_and_prepare(data, seed=3)
    column = housing.NUMERIC_COLUMNS.index("total_bedrooms")
    order = np.random.default_rng(3).permutation(EXPECTED_ROWS)
    expected = np.nanmedian(data.numeric[order[4_128:], column])
    assert split.imputed_value == expected
    assert not np.isnan(split.train_features).any()
    assert not np.isnan(split.validation_features).any()


def test_split_one_hot_rows(data):
    split = housing.split_and_prepare(data, seed=3)
    one_hot = split.train_features[:, 8:]
    np.testing.assert_array_equal(one_hot.sum(axis=1), np.ones(16_512))
    assert set(np.unique(one_hot)) == {0.0, 1.0}


def test_split_depends_on_seed(data):
    first = housing.split_and_prepare(data, seed=1)
    second = housing.split_and_prepare(data, seed=2)
    assert not np.array_equal(first.train_target, second.train_target)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ("longitude,latitude\n1,2\n", "missing columns"),
        (HEADER + "\n", "no data rows"),
        (HEADER + "\n" + ROW.replace("880.0", "many") + "\n", "'total_rooms' has 'many'"),
        (HEADER + "\n" + ROW.replace("452600.0", "") + "\n", "'median_house_value'"),
        (HEADER + "\n" + ROW.replace("NEAR BAY", "MOON") + "\n", "'MOON'"),
        (HEADER + "\n" + ROW + ",extra\n", "11 fields, expected 10"),
        (HEADER + "\n" + ROW.replace("880.0", "inf") + "\n", "finite"),
    ],
)
def test_malformed_file_rejected(tmp_path, content, message):
    path = tmp_path / "housing.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(housing.DataError, match=message):
        housing.load_housing(path)


def test_missing_file_rejected(tmp_path):
    with pytest.raises(housing.DataError, match="not found"):
        housing.load_housing(tmp_path / "absent.csv")


def test_truncated_gzip_rejected(tmp_path):
    path = tmp_path / "housing.csv.gz"
    payload = gzip.compress(((HEADER + "\n") + (ROW + "\n") * 50).encode())
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(housing.DataError, match="could not be read"):
        housing.load_housing(path)


def test_cli_missing_data_exits_2(tmp_path, capsys):
    status = cli.main(["demo", "--data", str(tmp_path / "absent.csv"), "--output", str(tmp_path / "out")])
    assert status == 2
    assert "Data file not found" in capsys.readouterr().err


@pytest.mark.parametrize("arguments", [["--epochs", "0"], ["--epochs", "two"], ["--seed", "-1"], ["--backend", "numpy"]])
def test_cli_invalid_option_exits_2(arguments):
    with pytest.raises(SystemExit) as raised:
        cli.main(["demo", *arguments])
    assert raised.value.code == 2


def test_demo_end_to_end(tmp_path):
    """Two epochs on the current backend, reloaded in a fresh process with no custom_objects."""
    result = run.run_demo(tmp_path, epochs=2, seed=5)
    assert result.model_path.exists()
    assert result.max_abs_difference == 0.0
    assert result.mismatched == []
    assert result.passed
    for label, (built, reloaded) in result.hyperparameters.items():
        assert reloaded == built, label
    assert result.hyperparameters["loss"][1] == {"threshold": 0.5}
    registered = sorted({entry["registered_name"] for entry, _ in result.components.values()})
    assert registered == [
        "keras_tailor>Clip",
        "keras_tailor>DeltaOrthogonal",
        "keras_tailor>Huber",
        "keras_tailor>HuberMetric",
        "keras_tailor>L1",
        "keras_tailor>Snake",
        "keras_tailor>SnakeActivation",
    ]
    for key in ("huber", "mae", "val_huber", "val_mae"):
        assert len(result.history[key]) == 2
        assert np.all(np.isfinite(result.history[key]))
    # Two epochs already beat predicting the training mean, whose MAE on this data is about 0.9.
    assert result.history["val_mae"][-1] < 0.6


def test_cli_switches_backend(tmp_path, backend):
    """`--backend` re-executes the command when Keras already loaded another backend."""
    if backend != "tensorflow":
        pytest.skip("runs once, from the tensorflow process, to keep the suite short")
    env = dict(os.environ, KERAS_BACKEND="tensorflow")
    completed = subprocess.run(
        [sys.executable, "-m", "keras_tailor", "demo", "--backend", "jax", "--epochs", "1", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "on the jax backend on one device for 1 epochs" in completed.stdout
    assert "max |difference| = 0" in completed.stdout
    assert "came back with every hyperparameter" in completed.stdout


def test_demo_quantile_loss_reports_coverage(tmp_path):
    """A three-quantile Pinball run logs interval coverage and reloads intact."""
    loss = kt.losses.Pinball(quantiles=[0.1, 0.5, 0.9])
    result = run.run_demo(tmp_path, epochs=1, seed=2, loss=loss)
    assert result.passed, result.mismatched
    assert result.hyperparameters["loss"][1] == {"quantiles": [0.1, 0.5, 0.9]}
    coverage = result.history["val_coverage"][-1]
    # An 80 % central interval after one epoch: well away from 0 and 1, checked loosely.
    assert 0.5 < coverage < 0.98


def test_cli_unknown_loss_exits_2(tmp_path, capsys):
    status = cli.main(["demo", "--loss", "Hubr", "--output", str(tmp_path)])
    assert status == 2
    assert "Unknown loss 'Hubr'" in capsys.readouterr().err


def test_demo_devices_matches_single_device(tmp_path, backend):
    """`--devices 2` trains data-parallel and its validation metrics equal a one-device evaluation."""
    if backend == "torch":
        pytest.skip("Keras 3.15.1 has no data-parallel training on the PyTorch backend")
    # A new process: JAX must start with 2 host devices, and TensorFlow must split its CPU before its first operation.
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.pop("XLA_FLAGS", None)
    loss = "Pinball(quantiles=[0.1, 0.5, 0.9])"
    completed = subprocess.run(
        [sys.executable, "-m", "keras_tailor", "demo", "--devices", "2", "--epochs", "1", "--loss", loss, "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "on 2 CPU devices, data-parallel for 1 epochs" in completed.stdout
    table = completed.stdout.split("data-parallel over 2 devices) vs the reloaded model evaluated on one device:")[1]
    rows = table.split("Hyperparameters of the trained objects")[0].strip().splitlines()
    assert sorted(row.split()[0] for row in rows) == ["coverage", "interval_score", "loss", "loss_mean"]
    assert all(row.split()[-1] == "same" for row in rows), rows


def test_cli_devices_on_torch_names_the_backend(tmp_path, capsys, backend):
    if backend != "torch":
        pytest.skip("the error is for the PyTorch backend")
    status = cli.main(["demo", "--devices", "3", "--epochs", "1", "--output", str(tmp_path)])

    assert status == 2
    assert "--devices 3 needs the jax or tensorflow backend" in capsys.readouterr().err


def test_validation_difference_fails_the_demo():
    result = run.DemoResult(
        "model.keras", {}, 0.0, {}, {}, [], devices=2, validation={"mae": (0.5, 0.5000001), "loss": (0.2, 0.21)}
    )

    assert result.validation_differs == ["loss"]
    assert not result.passed


@pytest.mark.parametrize(
    "flags, expected",
    [
        (None, "--xla_force_host_platform_device_count=4"),
        ("--xla_cpu_enable_fast_math=false", "--xla_cpu_enable_fast_math=false --xla_force_host_platform_device_count=4"),
        ("--xla_force_host_platform_device_count=2 --other", "--other --xla_force_host_platform_device_count=4"),
    ],
)
def test_jax_environment_sets_one_device_count(flags, expected):
    environment = {} if flags is None else {"XLA_FLAGS": flags}

    updated = devices.jax_environment(4, environment)

    assert updated["XLA_FLAGS"] == expected
    assert devices.jax_devices_ready(4, updated)
    assert not devices.jax_devices_ready(2, updated)
