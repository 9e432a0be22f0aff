"""Textbook custom components next to the keras-tailor ones, on Keras 3.15.1.

Each textbook version below is written the way tutorials and users write it.
The tests assert what actually goes wrong with it, so a Keras release that fixes
a problem makes its test fail, which marks the README claim to revise. The
keras-tailor component beside it is then shown to do the right thing.

Hand-worked Huber values used throughout, with threshold (delta) 2.5: an error
of 2 gives 0.5 * 2**2 = 2.0, but with the default delta 1.0 it gives
1.0 * 2 - 0.5 * 1.0**2 = 1.5, so the value shows which delta a loaded loss uses.
"""

import functools
import json
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import run_fresh_python
from keras import ops

import keras_tailor

DELTA = 2.5

# One target and prediction whose Huber value distinguishes delta 2.5 from delta 1.0.
PROBE_TRUE = [[0.0]]
PROBE_PRED = [[2.0]]
PROBE_VALUE_AT_DELTA = 2.0
PROBE_VALUE_AT_DEFAULT = 1.5

# Six samples with errors 0.5, 3, 0, 6, 0.5 and 4, their per-sample Huber values at
# delta 2.5 worked by hand, and sample weights that include a zero.
METRIC_TRUE = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]], dtype="float32")
METRIC_PRED = np.array([[0.5], [4.0], [2.0], [-3.0], [4.5], [1.0]], dtype="float32")
METRIC_WEIGHTS = np.array([1.0, 0.0, 2.0, 0.5, 3.0, 1.0], dtype="float32")
METRIC_VALUES = np.array([0.125, 4.375, 0.0, 11.875, 0.125, 6.875])
WEIGHTED_MEAN = np.average(METRIC_VALUES, weights=METRIC_WEIGHTS)  # 1.775
UNWEIGHTED_MEAN = np.mean(METRIC_VALUES)  # 3.8958...

# Huber values at delta 2.5 when a model predicts 0 for the targets of METRIC_TRUE,
# so each error equals its target 0, 1, ..., 5.
ZERO_PREDICTION_VALUES = np.array([0.0, 0.5, 2.0, 4.375, 6.875, 9.375])

# Batch sizes that split the six samples into consecutive batches.
SPLITS = [(6,), (3, 3), (2, 4), (1, 5), (4, 2)]


# ---------------------------------------------------------------------------
# Textbook versions, written as users write them.
# ---------------------------------------------------------------------------


def huber_fn(y_true, y_pred, delta=2.5):
    error = y_true - y_pred
    is_small_error = tf.abs(error) < delta
    squared_loss = tf.square(error) / 2
    linear_loss = delta * tf.abs(error) - delta**2 / 2
    return tf.where(is_small_error, squared_loss, linear_loss)


class HuberLoss(keras.losses.Loss):
    """Textbook Huber subclass: stores `delta` but writes no `get_config`.

    It uses `keras.ops`, so it trains on every backend and only its config is at fault.
    """

    def __init__(self, delta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.delta = delta

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small_error = ops.abs(error) < self.delta
        squared_loss = ops.square(error) / 2
        linear_loss = self.delta * ops.abs(error) - self.delta**2 / 2
        return ops.where(is_small_error, squared_loss, linear_loss)


class PositionalNameHuberMetric(keras.metrics.Metric):
    """Textbook streaming metric constructor, with the positional `add_weight` name."""

    def __init__(self, delta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.delta = delta
        self.total = self.add_weight("total", initializer="zeros")
        self.count = self.add_weight("count", initializer="zeros")


class StreamingHuber(keras.metrics.Metric):
    """Textbook streaming metric: adds each batch mean and 1, ignoring `sample_weight`.

    `add_weight` gets `name=` by keyword here, so that this class can be built on
    Keras 3 and its averaging can be tested.
    """

    def __init__(self, delta=1.0, name="streaming_huber", **kwargs):
        super().__init__(name=name, **kwargs)
        self.delta = delta
        self.total = self.add_weight(name="total", initializer="zeros")
        self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = y_true - y_pred
        is_small_error = ops.abs(error) < self.delta
        squared_loss = ops.square(error) / 2
        linear_loss = self.delta * ops.abs(error) - self.delta**2 / 2
        self.total.assign_add(ops.mean(ops.where(is_small_error, squared_loss, linear_loss)))
        self.count.assign_add(1.0)

    def result(self):
        return self.total / self.count


# ---------------------------------------------------------------------------
# Helpers and the shared fresh-process check.
# ---------------------------------------------------------------------------


def loss_at_probe(loss):
    return float(loss(np.array(PROBE_TRUE, dtype="float32"), np.array(PROBE_PRED, dtype="float32")))


def make_regression_data():
    """Return 64 samples of 3 features and a linear target with heavy-tailed noise."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    noise = 3.0 * rng.standard_t(df=2, size=(64, 1))
    y = (x @ np.array([[1.0], [2.0], [-1.0]]) + noise).astype("float32")
    return x, y


def make_linear_model():
    """Return a linear model of 3 inputs whose initial weights are the same in every test."""
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])


def read_saved_config(path):
    """Return the text of the model config stored in a `.keras` file."""
    with zipfile.ZipFile(path) as archive:
        return archive.read("config.json").decode("utf-8")


def result_after_batches(metric, split):
    """Update `metric` with the six weighted samples, in consecutive batches of the sizes in
    `split`, and return its result."""
    start = 0
    for size in split:
        stop = start + size
        metric.update_state(
            METRIC_TRUE[start:stop], METRIC_PRED[start:stop], sample_weight=METRIC_WEIGHTS[start:stop]
        )
        start = stop
    return float(metric.result())


def mean_of_batch_means(values, split):
    batches = np.split(values, np.cumsum(split)[:-1])
    return float(np.mean([batch.mean() for batch in batches]))


def evaluate_zero_model(metric, batch_size):
    """Evaluate `metric`, as a weighted metric, on a model that predicts 0 for METRIC_TRUE."""
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(loss="mse", weighted_metrics=[metric])
    x = np.zeros((len(METRIC_TRUE), 1), dtype="float32")
    return model.evaluate(
        x, METRIC_TRUE, sample_weight=METRIC_WEIGHTS, batch_size=batch_size, verbose=0, return_dict=True
    )


FRESH_LOAD_CODE = """
import json

import keras
import numpy as np

result = {{"error_before_import": None, "function_load_error": None}}
try:
    keras.saving.load_model({tailor_path!r})
except TypeError as error:
    result["error_before_import"] = str(error)
try:
    keras.saving.load_model({function_path!r})
except TypeError as error:
    result["function_load_error"] = str(error)

import keras_tailor

model = keras.saving.load_model({tailor_path!r})
data = np.load({data_path!r})
result["loss_class"] = type(model.loss).__module__ + "." + type(model.loss).__name__
result["loss_config"] = model.loss.get_config()
result["loss_at_probe"] = float(model.loss({probe_true!r}, {probe_pred!r}))
result["evaluate"] = model.evaluate(data["x"], data["y"], verbose=0, return_dict=True)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def tailor_fresh_load(tmp_path_factory):
    """Train and save a keras-tailor model and a plain-function model, then load both in a new process.

    One child process serves every fresh-load test of this module, because
    importing a backend costs seconds.
    """
    directory = tmp_path_factory.mktemp("textbook")
    x, y = make_regression_data()
    data_path = directory / "data.npz"
    np.savez(data_path, x=x, y=y)

    model = make_linear_model()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss=keras_tailor.losses.Huber(threshold=DELTA),
        metrics=[keras_tailor.metrics.HuberMetric(threshold=DELTA, name="huber_metric")],
    )
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    evaluated = model.evaluate(x, y, verbose=0, return_dict=True)
    tailor_path = directory / "tailor.keras"
    model.save(tailor_path)

    function_model = make_linear_model()
    function_model.compile(optimizer="sgd", loss=huber_fn)
    function_path = directory / "function.keras"
    function_model.save(function_path)

    child = run_fresh_python(
        FRESH_LOAD_CODE.format(
            tailor_path=str(tailor_path),
            function_path=str(function_path),
            data_path=str(data_path),
            probe_true=PROBE_TRUE,
            probe_pred=PROBE_PRED,
        )
    )
    return {"history": history.history, "evaluate": evaluated, "child": child}


# ---------------------------------------------------------------------------
# Case 1: a Huber loss as a plain function written with `tf.where`.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss",
    [huber_fn, functools.partial(huber_fn, delta=DELTA)],
    ids=["function", "partial"],
)
def test_tf_huber_fit_per_backend(loss):
    x, y = make_regression_data()
    model = make_linear_model()
    model.compile(optimizer="sgd", loss=loss)
    backend = keras.backend.backend()

    if backend == "tensorflow":
        history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        assert np.isfinite(history.history["loss"][0])
    elif backend == "jax":
        import jax

        # `tf.where` converts the traced JAX array to a NumPy array.
        with pytest.raises(jax.errors.TracerArrayConversionError):
            model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    elif backend == "torch":
        with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
            model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    else:
        pytest.fail(f"No expectation written for the backend {backend!r}.")


def test_tf_huber_saved_by_name_only(tmp_path):
    model = make_linear_model()
    model.compile(optimizer="sgd", loss=huber_fn)
    path = tmp_path / "function.keras"
    model.save(path)

    config_text = read_saved_config(path)
    saved_loss = json.loads(config_text)["compile_config"]["loss"]
    assert saved_loss == {
        "module": "builtins",
        "class_name": "function",
        "config": "huber_fn",
        "registered_name": "function",
    }
    assert "delta" not in config_text


def test_tf_huber_fresh_load_fails(tailor_fresh_load):
    error = tailor_fresh_load["child"]["function_load_error"]
    assert error is not None
    assert "Could not locate function 'huber_fn'" in error


def test_partial_huber_save_fails(tmp_path):
    model = make_linear_model()
    model.compile(optimizer="sgd", loss=functools.partial(huber_fn, delta=DELTA))
    with pytest.raises(TypeError, match="Cannot serialize object functools.partial"):
        model.save(tmp_path / "partial.keras")


def test_tailor_huber_fit_lowers_loss(tailor_fresh_load):
    losses = tailor_fresh_load["history"]["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]


def test_tailor_load_needs_import(tailor_fresh_load):
    # Keras 3.15.1 imports no third-party module while loading, so the class is
    # found only once `import keras_tailor` has registered it.
    error = tailor_fresh_load["child"]["error_before_import"]
    assert error is not None
    assert "Could not locate class 'Huber'" in error


def test_tailor_huber_fresh_load_class(tailor_fresh_load):
    assert tailor_fresh_load["child"]["loss_class"] == "keras_tailor.losses.robust.Huber"


def test_tailor_huber_fresh_load_threshold(tailor_fresh_load):
    assert tailor_fresh_load["child"]["loss_config"]["threshold"] == DELTA


def test_tailor_huber_fresh_load_value(tailor_fresh_load):
    assert tailor_fresh_load["child"]["loss_at_probe"] == pytest.approx(PROBE_VALUE_AT_DELTA)


@pytest.mark.parametrize("key", ["loss", "huber_metric"])
def test_tailor_fresh_load_evaluate(tailor_fresh_load, key):
    # The errors of this data reach well past 1.0, so a threshold reset to the
    # default would change both values.
    expected = tailor_fresh_load["evaluate"][key]
    assert tailor_fresh_load["child"]["evaluate"][key] == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------------------
# Case 2: a `keras.losses.Loss` subclass without `get_config`, and the built-in.
# ---------------------------------------------------------------------------


def save_with_loss(loss, path):
    model = make_linear_model()
    model.compile(optimizer="sgd", loss=loss)
    model.save(path)
    return path


def test_subclass_config_lacks_delta():
    assert HuberLoss(delta=DELTA).get_config() == {"name": "huber_loss", "reduction": "sum_over_batch_size"}


def test_subclass_trains_on_backend():
    x, y = make_regression_data()
    model = make_linear_model()
    model.compile(optimizer="sgd", loss=HuberLoss(delta=DELTA))
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_subclass_load_without_custom_objects_fails(tmp_path):
    path = save_with_loss(HuberLoss(delta=DELTA), tmp_path / "subclass.keras")
    # Fails even in the process that defines the class, because it is not registered.
    with pytest.raises(TypeError, match="Could not locate class 'HuberLoss'"):
        keras.saving.load_model(path)


def test_subclass_load_resets_delta(tmp_path):
    path = save_with_loss(HuberLoss(delta=DELTA), tmp_path / "subclass.keras")
    loaded = keras.saving.load_model(path, custom_objects={"HuberLoss": HuberLoss})

    assert loaded.loss.delta == 1.0
    assert loss_at_probe(loaded.loss) == pytest.approx(PROBE_VALUE_AT_DEFAULT)


def test_builtin_huber_config_lacks_delta():
    assert "delta" not in keras.losses.Huber(delta=DELTA).get_config()


def test_builtin_huber_load_resets_delta(tmp_path):
    original = keras.losses.Huber(delta=DELTA)
    path = save_with_loss(original, tmp_path / "builtin.keras")
    loaded = keras.saving.load_model(path)

    assert loss_at_probe(original) == pytest.approx(PROBE_VALUE_AT_DELTA)
    assert loss_at_probe(loaded.loss) == pytest.approx(PROBE_VALUE_AT_DEFAULT)


def test_tailor_huber_config_keeps_threshold():
    assert keras_tailor.losses.Huber(threshold=DELTA).get_config()["threshold"] == DELTA


# ---------------------------------------------------------------------------
# Case 3: a streaming Huber metric with `total` and `count` weights.
# ---------------------------------------------------------------------------


def test_textbook_add_weight_call_fails():
    # `Metric.add_weight` takes `shape` first, so "total" is read as a shape.
    with pytest.raises(ValueError, match="to a shape"):
        PositionalNameHuberMetric(delta=DELTA)


def test_streaming_huber_ignores_sample_weight():
    result = result_after_batches(StreamingHuber(delta=DELTA), (6,))
    assert result == pytest.approx(UNWEIGHTED_MEAN)
    assert result != pytest.approx(WEIGHTED_MEAN)


@pytest.mark.parametrize("split", SPLITS, ids=lambda split: "+".join(map(str, split)))
def test_streaming_huber_mean_of_batch_means(split):
    result = result_after_batches(StreamingHuber(delta=DELTA), split)
    assert result == pytest.approx(mean_of_batch_means(METRIC_VALUES, split))


def test_streaming_huber_depends_on_split():
    even = result_after_batches(StreamingHuber(delta=DELTA), (3, 3))
    uneven = result_after_batches(StreamingHuber(delta=DELTA), (2, 4))
    assert even != pytest.approx(uneven)


def test_streaming_huber_evaluate_depends_on_batch_size():
    results = {}
    for batch_size in (3, 4):
        evaluated = evaluate_zero_model(StreamingHuber(delta=DELTA), batch_size)
        results[batch_size] = evaluated["streaming_huber"]

    assert results[3] == pytest.approx(mean_of_batch_means(ZERO_PREDICTION_VALUES, (3, 3)))
    assert results[4] == pytest.approx(mean_of_batch_means(ZERO_PREDICTION_VALUES, (4, 2)))
    assert results[3] != pytest.approx(results[4])


def test_early_stopping_auto_rejects_streaming_huber():
    x, y = make_regression_data()
    model = make_linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=[StreamingHuber(delta=DELTA)])
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_streaming_huber", mode="auto")

    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[early_stopping])


@pytest.mark.parametrize("split", SPLITS, ids=lambda split: "+".join(map(str, split)))
def test_tailor_metric_weighted_mean(split):
    result = result_after_batches(keras_tailor.metrics.HuberMetric(threshold=DELTA), split)
    assert result == pytest.approx(WEIGHTED_MEAN)


@pytest.mark.parametrize("batch_size", [2, 3, 4, 6])
def test_tailor_metric_evaluate_any_batch_size(batch_size):
    evaluated = evaluate_zero_model(keras_tailor.metrics.HuberMetric(threshold=DELTA), batch_size)
    expected = np.average(ZERO_PREDICTION_VALUES, weights=METRIC_WEIGHTS)  # 4.825
    assert evaluated["huber"] == pytest.approx(expected)


def test_tailor_metric_early_stopping_auto():
    x, y = make_regression_data()
    model = make_linear_model()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="mse",
        metrics=[keras_tailor.metrics.HuberMetric(threshold=DELTA)],
    )
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_huber", mode="auto", patience=10)
    history = model.fit(x, y, validation_data=(x, y), epochs=3, verbose=0, callbacks=[early_stopping])

    # "auto" read the direction "down", so the best value is the minimum.
    validation_values = history.history["val_huber"]
    assert early_stopping.best == pytest.approx(min(validation_values))
    assert early_stopping.best != pytest.approx(max(validation_values))
