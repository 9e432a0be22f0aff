"""Partition table, likelihood, training, saving and bad-input tests of `AdaptiveRobustLoss`.

References are numpy formulas written here in float64 from Barron, "A General
and Adaptive Robust Loss Function" (CVPR 2019), with Z(alpha) integrated by
`scipy.integrate.quad` (measured with scipy 1.17.1), never the code under test.
"""

import doctest
import math
import re

import keras
import numpy as np
import pytest
from conftest import run_fresh_python, to_numpy
from keras import ops
from scipy import integrate, special

from keras_tailor.layers import _partition, adaptive_robust
from keras_tailor.layers.adaptive_robust import AdaptiveRobustLoss, robust_negative_log_likelihood
from keras_tailor.testing import check_components
from keras_tailor.testing.gradients import value_and_gradient

# Largest error of the float32 table against quadrature, measured over the
# alphas of `PARTITION_ALPHAS` on all three backends: 4.1e-7, at alpha = 2.
PARTITION_TOLERANCE = 5e-7
PARTITION_ALPHAS = np.concatenate(
    [
        np.random.default_rng(2019).uniform(0.0, 2.0, size=48),
        [0.0, 1e-6, 1e-4, 0.01, 0.5, 1.0, 1.5, 1.99, 1.9999, 1.999999, 2.0],
    ]
)
DENSITY_ALPHAS = [0.0, 0.001, 0.5, 1.0, 1.5, 1.999, 2.0]


def reference_rho(x, alpha):
    """Return Barron's rho(x, alpha) at scale 1 in float64, with its limits at alpha = 0 and 2."""
    squared = np.asarray(x, dtype=np.float64) ** 2
    if alpha == 0.0:
        return np.log(0.5 * squared + 1.0)
    if alpha == 2.0:
        return 0.5 * squared
    gap = abs(alpha - 2.0)
    # (z / gap + 1)**(alpha / 2) - 1 as expm1(alpha / 2 * log1p(z / gap)), the
    # same number without the cancellation that float64 suffers for small alpha.
    return gap / alpha * np.expm1(0.5 * alpha * np.log1p(squared / gap))


def reference_log_partition(alpha):
    """Return log of the integral of exp(-rho(x, alpha)) over the real line, by quadrature."""
    value, _ = integrate.quad(
        lambda x: math.exp(-float(reference_rho(x, alpha))), 0.0, math.inf, epsabs=0.0, epsrel=1e-12, limit=400
    )
    return math.log(2.0 * value)


def reference_nll(x, alpha, scale):
    """Return -log p(x | alpha, scale) = rho(x / scale, alpha) + log(scale) + log Z(alpha)."""
    return reference_rho(np.asarray(x, dtype=np.float64) / scale, alpha) + math.log(scale) + reference_log_partition(alpha)


def reference_density(x, alpha, scale):
    """Return Barron's density p(x | alpha, scale) = exp(-rho(x / scale, alpha)) / (scale * Z(alpha))."""
    return np.exp(-reference_nll(x, alpha, scale))


def layer_loss(layer, y_true, y_pred, sample_weight=None):
    """Return the loss that one call of `layer` adds, as a float."""
    inputs = [ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)]
    if sample_weight is not None:
        inputs.append(ops.convert_to_tensor(sample_weight))
    layer(inputs)
    assert len(layer.losses) == 1
    return float(to_numpy(layer.losses[0]))


def latent_for_alpha(alpha, alpha_range=(0.001, 1.999)):
    """Return the latent value whose sigmoid gives `alpha` in `alpha_range`."""
    low, high = alpha_range
    share = (np.asarray(alpha, dtype=np.float64) - low) / (high - low)
    return np.log(share) - np.log1p(-share)


def latent_gradients(layer, y_true, y_pred):
    """Return the added loss and its gradients w.r.t. latent_alpha, latent_scale and y_pred, for scalar latents."""
    targets = ops.convert_to_tensor(y_true)
    shape = np.shape(y_pred)

    # One gradient call on [latent_alpha, latent_scale, y_pred...] instead of three.
    def loss_for(packed):
        predictions = ops.reshape(packed[2:], shape)
        _, _, losses = layer.stateless_call(
            [packed[0], packed[1]], [], [targets, predictions], return_losses=True
        )
        return losses[0]

    packed = np.concatenate(
        [[to_numpy(layer.latent_alpha), to_numpy(layer.latent_scale)], np.asarray(y_pred).ravel()]
    ).astype("float32")
    loss, gradient = value_and_gradient(loss_for, packed)
    return loss, gradient[0], gradient[1], gradient[2:].reshape(shape)


def regression_data(noise, rows=512, seed=0):
    """Return `(x, y)`: y = x @ [1, -2, 0.5] + 0.5 * noise, with Cauchy or Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)).astype("float32")
    errors = rng.standard_cauchy(size=(rows, 1)) if noise == "cauchy" else rng.normal(size=(rows, 1))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.5 * errors
    return x, y.astype("float32")


def training_model(layer, features=3, outputs=1):
    """Return a functional model `[features, target] -> Dense -> layer([target, prediction])`."""
    feature_input = keras.Input((features,), name="features")
    target_input = keras.Input((outputs,), name="target")
    prediction = keras.layers.Dense(outputs, name="head")(feature_input)
    return keras.Model([feature_input, target_input], layer([target_input, prediction]))


# The partition function.


def test_partition_table_matches_quadrature():
    expected = np.array([reference_log_partition(alpha) for alpha in PARTITION_ALPHAS])

    result = to_numpy(_partition.log_partition(ops.convert_to_tensor(PARTITION_ALPHAS, dtype="float32")))

    errors = np.abs(result.astype(np.float64) - expected)
    assert errors.max() < PARTITION_TOLERANCE, f"max error {errors.max():.3g} at alpha {PARTITION_ALPHAS[errors.argmax()]}"


@pytest.mark.parametrize(
    ("alpha", "partition"),
    [(2.0, math.sqrt(2.0 * math.pi)), (0.0, math.pi * math.sqrt(2.0)), (1.0, 2.0 * math.e * special.k1(1.0))],
    ids=["gaussian", "cauchy", "charbonnier"],
)
def test_partition_closed_forms(alpha, partition):
    # At alpha = 1, integral of exp(1 - sqrt(x**2 + 1)) dx = 2 * e * K_1(1).
    result = float(to_numpy(_partition.log_partition(ops.convert_to_tensor(alpha, dtype="float32"))))

    assert abs(result - math.log(partition)) < PARTITION_TOLERANCE


def test_partition_gradient_matches_quadrature():
    alphas = np.array([0.05, 0.3, 0.8, 1.2, 1.7, 1.95], dtype="float32")
    step = 1e-4
    expected = [
        (reference_log_partition(a + step) - reference_log_partition(a - step)) / (2.0 * step) for a in alphas.astype(np.float64)
    ]

    _, derivative = value_and_gradient(lambda a: _partition.log_partition(a), alphas)

    np.testing.assert_allclose(derivative, expected, rtol=2e-3, atol=2e-4)


def test_partition_gradient_finite_at_ends():
    alphas = np.array([0.0, 1e-7, 1e-3, 1.999, 1.9999999, 2.0], dtype="float32")

    value, derivative = value_and_gradient(lambda a: _partition.log_partition(a), alphas)

    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(derivative))


# The likelihood.


@pytest.mark.parametrize("alpha", DENSITY_ALPHAS)
def test_reference_density_integrates_to_one(alpha):
    total, _ = integrate.quad(lambda x: float(reference_density(x, alpha, 0.7)), -math.inf, math.inf, limit=400)

    assert abs(total - 1.0) < 1e-8


@pytest.mark.parametrize("alpha", DENSITY_ALPHAS)
def test_likelihood_matches_reference_density(alpha):
    scale = 0.7
    x = np.concatenate([np.linspace(-30.0, 30.0, 241), [0.0, 1e-8, 1e3, -1e5]]).astype("float32")

    nll = to_numpy(robust_negative_log_likelihood(ops.convert_to_tensor(x), alpha, scale))

    expected = reference_nll(x.astype(np.float64), alpha, scale)
    np.testing.assert_allclose(nll, expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("alpha", DENSITY_ALPHAS)
def test_likelihood_integrates_to_one(alpha):
    # x = scale * tan(theta) maps the real line to (-pi / 2, pi / 2) and keeps
    # the integrand bounded even for the 1 / x**2 tails at alpha = 0.
    scale = 0.7
    # The midpoint rule needs no value at the ends, where the integrand is a limit.
    points = 20000
    step = np.pi / points
    theta = -np.pi / 2 + step * (np.arange(points) + 0.5)
    x = scale * np.tan(theta)

    nll = to_numpy(robust_negative_log_likelihood(ops.convert_to_tensor(x.astype("float32")), alpha, scale))

    integrand = np.exp(-nll.astype(np.float64)) * scale / np.cos(theta) ** 2
    assert abs(np.sum(integrand) * step - 1.0) < 2e-5


@pytest.mark.parametrize(
    ("alpha", "rho_values", "log_partition"),
    [
        (2.0, [0.0, 0.5, 2.0], 0.5 * math.log(2.0 * math.pi)),
        (1.0, [0.0, math.sqrt(2.0) - 1.0, math.sqrt(5.0) - 1.0], math.log(2.0 * math.e * special.k1(1.0))),
        (0.0, [0.0, math.log(1.5), math.log(3.0)], math.log(math.pi * math.sqrt(2.0))),
    ],
    ids=["gaussian", "charbonnier", "cauchy"],
)
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_fixed_alpha_loss_hand_values(alpha, rho_values, log_partition, scale):
    # rho at x / scale = 0, 1, 2: 0.5 * x**2, sqrt(x**2 + 1) - 1 and log(0.5 * x**2 + 1).
    layer = AdaptiveRobustLoss(alpha_range=(alpha, alpha), initial_scale=scale)
    y_true = np.zeros((3, 1), dtype="float32")
    y_pred = scale * np.array([[0.0], [1.0], [-2.0]], dtype="float32")

    loss = layer_loss(layer, y_true, y_pred)

    expected = np.mean(rho_values) + math.log(scale) + log_partition
    assert loss == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert layer.latent_alpha is None
    assert float(to_numpy(layer.alpha)) == alpha


def test_layer_loss_matches_reference_mean():
    layer = AdaptiveRobustLoss(initial_alpha=0.6, initial_scale=1.3)
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=(8, 2)).astype("float32")
    y_pred = (y_true + rng.standard_cauchy(size=(8, 2))).astype("float32")

    loss = layer_loss(layer, y_true, y_pred)

    alpha, scale = float(to_numpy(layer.alpha)), float(to_numpy(layer.scale))
    expected = np.mean(reference_nll((y_pred - y_true).astype(np.float64), alpha, scale))
    assert alpha == pytest.approx(0.6, abs=1e-6)
    assert scale == pytest.approx(1.3, abs=1e-6)
    assert loss == pytest.approx(expected, rel=1e-5)


def test_layer_sample_weight_reduction():
    layer = AdaptiveRobustLoss(initial_alpha=1.2)
    rng = np.random.default_rng(4)
    y_true = rng.normal(size=(6, 3)).astype("float32")
    y_pred = (y_true + rng.normal(scale=2.0, size=(6, 3))).astype("float32")
    weights = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0], dtype="float32")

    loss = layer_loss(layer, y_true, y_pred, weights)

    alpha, scale = float(to_numpy(layer.alpha)), float(to_numpy(layer.scale))
    per_sample = np.mean(reference_nll((y_pred - y_true).astype(np.float64), alpha, scale), axis=1)
    assert loss == pytest.approx(np.sum(weights * per_sample) / 6.0, rel=1e-5)


def test_layer_sample_weight_column_shape():
    layer = AdaptiveRobustLoss()
    y_true = np.zeros((4, 1), dtype="float32")
    y_pred = np.array([[0.5], [1.0], [2.0], [4.0]], dtype="float32")

    flat = layer_loss(layer, y_true, y_pred, np.array([1.0, 2.0, 0.0, 1.0], dtype="float32"))
    column = layer_loss(layer, y_true, y_pred, np.array([[1.0], [2.0], [0.0], [1.0]], dtype="float32"))

    assert flat == pytest.approx(column, rel=1e-7)


def test_layer_per_column_parameters():
    layer = AdaptiveRobustLoss(per_column=True, initial_scale=0.8)
    layer.build([(None, 2), (None, 2)])
    layer.latent_alpha.assign(latent_for_alpha([0.5, 1.5]).astype("float32"))
    rng = np.random.default_rng(5)
    y_true = rng.normal(size=(10, 2)).astype("float32")
    y_pred = (y_true + rng.normal(size=(10, 2))).astype("float32")

    loss = layer_loss(layer, y_true, y_pred)

    errors = (y_pred - y_true).astype(np.float64)
    columns = [reference_nll(errors[:, j], alpha, 0.8) for j, alpha in enumerate([0.5, 1.5])]
    assert tuple(layer.alpha.shape) == (2,)
    assert tuple(layer.scale.shape) == (2,)
    np.testing.assert_allclose(to_numpy(layer.alpha), [0.5, 1.5], atol=1e-6)
    assert loss == pytest.approx(np.mean(columns), rel=1e-5)


def test_layer_returns_prediction_unchanged():
    layer = AdaptiveRobustLoss()
    y_true = np.zeros((3,), dtype="float32")
    y_pred = ops.convert_to_tensor(np.array([[1.0], [2.0], [3.0]], dtype="float32"))

    output = layer([ops.convert_to_tensor(y_true), y_pred])

    assert output is y_pred
    assert layer.compute_output_shape([(None,), (None, 1)]) == (None, 1)


@pytest.mark.parametrize("alpha", [0.001, 1.0, 1.999])
def test_layer_gradients_finite_at_edges(alpha):
    layer = AdaptiveRobustLoss(alpha_range=(0.001, 1.999) if alpha == 1.0 else (0.0, 2.0), initial_scale=1.0)
    layer.build([(None, 1), (None, 1)])
    low, high = layer.alpha_range
    layer.latent_alpha.assign(np.float32(latent_for_alpha(alpha, (low, high)) if low < alpha < high else 0.0))
    y_pred = np.array([[0.0], [1e-30], [-1e-30], [1e-8], [1.0], [1e9], [-1e18]], dtype="float32")
    y_true = np.zeros_like(y_pred)

    loss, alpha_gradient, scale_gradient, prediction_gradient = latent_gradients(layer, y_true, y_pred)

    assert np.isfinite(loss)
    assert np.isfinite(alpha_gradient)
    assert np.isfinite(scale_gradient)
    assert np.all(np.isfinite(prediction_gradient))
    assert prediction_gradient[0, 0] == 0.0


@pytest.mark.parametrize("latent", [-40.0, 40.0])
def test_layer_gradients_finite_at_saturated_alpha(latent):
    # A latent of +-40 saturates the float32 sigmoid, so alpha is exactly 0 or 2.
    layer = AdaptiveRobustLoss(alpha_range=(0.0, 2.0))
    layer.build([(None, 1), (None, 1)])
    layer.latent_alpha.assign(np.float32(latent))
    y_pred = np.array([[0.0], [1e-30], [3.0], [1e18]], dtype="float32")

    loss, alpha_gradient, scale_gradient, prediction_gradient = latent_gradients(layer, np.zeros_like(y_pred), y_pred)

    alpha = float(to_numpy(layer.alpha))
    assert alpha < 1e-16 or alpha == 2.0
    assert np.isfinite(loss)
    assert np.isfinite(alpha_gradient)
    assert np.isfinite(scale_gradient)
    assert np.all(np.isfinite(prediction_gradient))


def test_layer_gradients_match_finite_differences():
    layer = AdaptiveRobustLoss(initial_alpha=0.7, initial_scale=0.9)
    layer.build([(None, 2), (None, 2)])
    rng = np.random.default_rng(6)
    y_true = rng.normal(size=(5, 2)).astype("float32")
    y_pred = (y_true + 2.0 * rng.normal(size=(5, 2))).astype("float32")

    _, alpha_gradient, scale_gradient, _ = latent_gradients(layer, y_true, y_pred)

    def reference_loss(latent_alpha, latent_scale):
        alpha = 0.001 + 1.998 / (1.0 + math.exp(-latent_alpha))
        scale = 1e-5 + math.log1p(math.exp(latent_scale))
        return np.mean(reference_nll((y_pred - y_true).astype(np.float64), alpha, scale))

    latent_alpha, latent_scale = float(to_numpy(layer.latent_alpha)), float(to_numpy(layer.latent_scale))
    step = 1e-4
    expected_alpha = (reference_loss(latent_alpha + step, latent_scale) - reference_loss(latent_alpha - step, latent_scale)) / (2 * step)
    expected_scale = (reference_loss(latent_alpha, latent_scale + step) - reference_loss(latent_alpha, latent_scale - step)) / (2 * step)
    assert float(alpha_gradient) == pytest.approx(expected_alpha, rel=2e-3, abs=1e-5)
    assert float(scale_gradient) == pytest.approx(expected_scale, rel=2e-3, abs=1e-5)


# Training.


@pytest.mark.parametrize(("noise", "expected_side"), [("cauchy", "low"), ("gaussian", "high")])
def test_fit_moves_alpha_with_noise(noise, expected_side):
    # Cauchy noise has the density of alpha = 0, Gaussian noise that of alpha = 2.
    # Measured after 30 epochs: alpha 0.12 for Cauchy and 1.6 to 1.86 for
    # Gaussian noise on all three backends, from a start at 1.0.
    keras.utils.set_random_seed(0)
    x, y = regression_data(noise)
    layer = AdaptiveRobustLoss(initial_alpha=1.0, name="robust")
    model = training_model(layer)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1))

    history = model.fit([x, y], epochs=30, batch_size=128, verbose=0)

    alpha = float(to_numpy(layer.alpha))
    assert np.all(np.isfinite(history.history["loss"]))
    if expected_side == "low":
        assert alpha < 0.5
    else:
        assert alpha > 1.4


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_training_step(policy):
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(1)
    x, y = regression_data("gaussian", rows=32)
    # Residuals near 300 square to about 9e4, beyond the float16 maximum 65504.
    y = y * 300.0
    layer = AdaptiveRobustLoss(initial_alpha=1.5)
    model = training_model(layer)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01))
    alpha_before = float(to_numpy(layer.alpha))

    # The float16 loss scale optimizer skips each step whose scaled gradients
    # overflow and halves the scale, so take enough steps for some to apply.
    losses = [model.train_on_batch([x, y]) for _ in range(20)]

    compute_dtype = policy.removeprefix("mixed_")
    output = model([x, y])
    assert np.all(np.isfinite(losses))
    assert keras.backend.standardize_dtype(output.dtype) == compute_dtype
    assert keras.backend.standardize_dtype(layer.latent_alpha.dtype) == "float32"
    assert np.isfinite(float(to_numpy(layer.alpha)))
    assert np.isfinite(float(to_numpy(layer.scale)))
    assert float(to_numpy(layer.alpha)) != alpha_before


def test_mixed_precision_loss_equals_float32():
    y_true = np.array([[0.0], [0.0], [0.0]], dtype="float32")
    y_pred = np.array([[1.0], [300.0], [60000.0]], dtype="float32")
    reference = layer_loss(AdaptiveRobustLoss(initial_alpha=1.5), y_true, y_pred)
    keras.config.set_dtype_policy("mixed_float16")

    loss = layer_loss(AdaptiveRobustLoss(initial_alpha=1.5), y_true, y_pred.astype("float16"))

    assert loss == pytest.approx(reference, rel=1e-6)


# Saving.


def test_config_contains_every_argument():
    layer = AdaptiveRobustLoss(
        alpha_range=(0.2, 1.8), initial_alpha=0.4, initial_scale=2.5, scale_lo=1e-3, per_column=True, name="robust"
    )

    config = layer.get_config()
    restored = AdaptiveRobustLoss.from_config(config)

    assert config["alpha_range"] == [0.2, 1.8]
    assert config["initial_alpha"] == 0.4
    assert config["initial_scale"] == 2.5
    assert config["scale_lo"] == 1e-3
    assert config["per_column"] is True
    assert restored.get_config() == config


def test_saved_model_reloads_in_fresh_process(tmp_path):
    keras.utils.set_random_seed(2)
    x, y = regression_data("cauchy", rows=64)
    y = np.concatenate([y, -y], axis=1)
    layer = AdaptiveRobustLoss(initial_alpha=1.0, per_column=True, name="robust")
    model = training_model(layer, outputs=2)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05))
    model.fit([x, y], epochs=3, batch_size=16, verbose=0)
    path = tmp_path / "adaptive.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    expected_loss = model.evaluate([x, y], verbose=0)

    result = run_fresh_python(
        f"""
        import json
        import numpy as np
        import keras
        import keras_tailor

        model = keras.saving.load_model({str(path)!r})
        x, y = np.load({str(tmp_path / "x.npy")!r}), np.load({str(tmp_path / "y.npy")!r})
        layer = model.get_layer("robust")
        print(json.dumps({{
            "alpha": keras.ops.convert_to_numpy(layer.alpha).tolist(),
            "scale": keras.ops.convert_to_numpy(layer.scale).tolist(),
            "loss": float(model.evaluate([x, y], verbose=0)),
            "resumed": float(model.train_on_batch([x, y])),
        }}))
        """
    )

    np.testing.assert_array_equal(result["alpha"], to_numpy(layer.alpha))
    np.testing.assert_array_equal(result["scale"], to_numpy(layer.scale))
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-6)
    assert math.isfinite(result["resumed"])


def test_contract_checker_passes():
    report = check_components([AdaptiveRobustLoss])[0]

    assert report.passed, report.format()
    assert [result.status for result in report.results] == ["passed"] * 5
    assert "edge inputs, values and gradients finite" in report.result("numerics").message


def test_docstring_examples_pass():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = [test for test in finder.find(adaptive_robust) if test.examples]

    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)

    assert len(tests) == 2
    assert results.failed == 0


# Bad input.


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        ({"alpha_range": (1.5, 0.5)}, "alpha_range: received (1.5, 0.5)"),
        ({"alpha_range": (-0.1, 1.0)}, "alpha_range: received (-0.1, 1.0)"),
        ({"alpha_range": (0.5, 2.5)}, "alpha_range: received (0.5, 2.5)"),
        ({"alpha_range": (0.5, float("nan"))}, "alpha_range: received (0.5, nan)"),
        ({"alpha_range": 1.0}, "alpha_range: received 1.0"),
        ({"alpha_range": (0.5, 1.0, 1.5)}, "alpha_range: received (0.5, 1.0, 1.5)"),
        ({"alpha_range": ("0", "1")}, "alpha_range: received ('0', '1')"),
        ({"initial_alpha": 1.999}, "initial_alpha: received 1.999"),
        ({"initial_alpha": 2.5}, "initial_alpha: received 2.5"),
        ({"alpha_range": (0.5, 1.0), "initial_alpha": 1.2}, "initial_alpha: received 1.2"),
        ({"alpha_range": (1.0, 1.0), "initial_alpha": 0.5}, "initial_alpha: received 0.5"),
        ({"initial_alpha": float("inf")}, "initial_alpha: received inf"),
        ({"initial_alpha": "1"}, "initial_alpha: received '1'"),
        ({"initial_scale": 0.0}, "initial_scale: received 0.0"),
        ({"initial_scale": -1.0}, "initial_scale: received -1.0"),
        ({"initial_scale": 1e-6}, "initial_scale: received 1e-06"),
        ({"initial_scale": float("nan")}, "initial_scale: received nan"),
        ({"scale_lo": 0.0}, "scale_lo: received 0.0"),
        ({"scale_lo": None}, "scale_lo: received None"),
        ({"per_column": 1}, "per_column: received 1"),
        ({"autocast": True}, "autocast: received True"),
    ],
)
def test_rejects_invalid_arguments(arguments, pattern):
    with pytest.raises(ValueError, match=re.escape(pattern)):
        AdaptiveRobustLoss(**arguments)


def test_alpha_range_message_states_valid_range():
    with pytest.raises(ValueError, match=re.escape("0 <= alpha_low <= alpha_high <= 2")):
        AdaptiveRobustLoss(alpha_range=(0.0, 3.0))


@pytest.mark.parametrize(("alpha", "scale"), [(-0.5, 1.0), (2.5, 1.0), (1.0, 0.0)])
def test_likelihood_rejects_invalid_numbers(alpha, scale):
    with pytest.raises(ValueError, match="alpha|scale"):
        robust_negative_log_likelihood(1.0, alpha, scale)


def test_rejects_single_input():
    layer = AdaptiveRobustLoss()

    with pytest.raises(ValueError, match=re.escape("[y_true, y_pred]")):
        layer(ops.zeros((2, 1)))


def test_rejects_mismatched_shapes():
    layer = AdaptiveRobustLoss()

    with pytest.raises(ValueError, match="same shape"):
        layer([ops.zeros((2, 3)), ops.zeros((2, 2))])


def test_per_column_needs_known_last_axis():
    layer = AdaptiveRobustLoss(per_column=True)

    with pytest.raises(ValueError, match=re.escape("(None, None)")):
        layer.build([(None, None), (None, None)])


def test_properties_need_built_layer():
    layer = AdaptiveRobustLoss()

    with pytest.raises(ValueError, match="before the layer is built"):
        layer.alpha
    with pytest.raises(ValueError, match="before the layer is built"):
        layer.scale
