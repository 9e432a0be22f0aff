"""Tests for the Gaussian NLL, Tweedie deviance and Gaussian CRPS losses and their metrics.

Covers `keras_tailor.losses.probabilistic` and `keras_tailor.metrics.probabilistic`.
References, each independent of the code under test:

- `torch.nn.GaussianNLLLoss` (torch 2.13.0), values and autograd gradients;
- `sklearn.metrics.mean_tweedie_deviance` (scikit-learn 1.9.1), fed float64,
  because with float32 inputs it computes in float32 and loses up to a third
  of the value at powers 1.0001 and 1.9999;
- the CRPS as the integral of (F(x) - 1{x >= y})**2 with `scipy.integrate.quad`
  and `scipy.stats.norm` (scipy 1.17.1), and the derivatives of the closed form;
- hand-worked numbers.
"""

import json
import math

import keras
import numpy as np
import pytest
import torch
from backend_gradients import gradient
from conftest import to_numpy
from keras import ops
from scipy import integrate, stats
from sklearn.metrics import mean_tweedie_deviance

from keras_tailor.losses.probabilistic import (
    GaussianCRPS,
    GaussianNLL,
    Tweedie,
    gaussian_crps,
    gaussian_nll,
    tweedie,
)
from keras_tailor.metrics.probabilistic import GaussianCRPSMetric, GaussianNLLMetric, TweedieMetric
from keras_tailor.testing import check_components

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)
# CRPS of N(mu, 1) at y = mu: 2 * phi(0) - 1 / sqrt(pi) = (sqrt(2) - 1) / sqrt(pi).
CRPS_AT_MEAN = (math.sqrt(2.0) - 1.0) / math.sqrt(math.pi)
TWEEDIE_POWERS = (1.0, 1.0001, 1.2, 1.5, 1.5001, 1.8, 1.9999, 2.0)


def tensor(values):
    return ops.convert_to_tensor(np.asarray(values, dtype="float32"))


def gaussian_data(rows, targets, seed, low=1e-7, high=3.0):
    """Return targets, means and spreads of shape (rows, targets), and positive weights."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(rows, targets)).astype("float32")
    mean = (y_true + rng.normal(scale=1.5, size=(rows, targets))).astype("float32")
    spread = rng.uniform(low, high, size=(rows, targets)).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=rows).astype("float32")
    return y_true, mean, spread, weights


def tweedie_data(rows, seed):
    """Return non-negative targets (a fifth of them 0), positive means and positive weights."""
    rng = np.random.default_rng(seed)
    y_true = rng.gamma(1.0, 2.0, size=(rows, 1)).astype("float32")
    y_true[:: 5] = 0.0
    mean = rng.uniform(0.1, 5.0, size=(rows, 1)).astype("float32")
    weights = rng.uniform(0.1, 2.0, size=rows).astype("float32")
    return y_true, mean, weights


def torch_gaussian_nll(y_true, mean, variance, full=False, epsilon=1e-6):
    """Return torch.nn.GaussianNLLLoss (torch 2.13.0) per element, averaged over the last axis, in float64."""
    loss = torch.nn.GaussianNLLLoss(full=full, eps=epsilon, reduction="none")
    values = loss(torch.tensor(mean, dtype=torch.float64), torch.tensor(y_true, dtype=torch.float64), torch.tensor(variance, dtype=torch.float64))
    return values.mean(dim=-1).numpy()


def sklearn_tweedie(y_true, mean, power):
    """Return scikit-learn 1.9.1 mean_tweedie_deviance per row, computed in float64."""
    y_true = np.asarray(y_true, dtype="float64")
    mean = np.asarray(mean, dtype="float64")
    return np.asarray([mean_tweedie_deviance(y_true[i], mean[i], power=power) for i in range(len(y_true))])


def quad_crps(target, mu, sigma):
    """Return the CRPS of N(mu, sigma**2) at `target` by integrating (F(x) - 1{x >= target})**2."""
    below, _ = integrate.quad(lambda x: stats.norm.cdf(x, mu, sigma) ** 2, -np.inf, target)
    above, _ = integrate.quad(lambda x: stats.norm.sf(x, mu, sigma) ** 2, target, np.inf)
    return below + above


def quad_crps_per_sample(y_true, mean, sigma):
    rows, targets = y_true.shape
    values = [
        [quad_crps(float(y_true[i, j]), float(mean[i, j]), float(sigma[i, j])) for j in range(targets)]
        for i in range(rows)
    ]
    return np.asarray(values).mean(axis=-1)


def stream(metric, y_true, y_pred, weights, sizes):
    """Feed `metric` the data in consecutive batches of `sizes` and return its result."""
    assert sum(sizes) == len(y_true)
    start = 0
    for size in sizes:
        stop = start + size
        metric.update_state(tensor(y_true[start:stop]), tensor(y_pred[start:stop]), sample_weight=tensor(weights[start:stop]))
        start = stop
    return float(to_numpy(metric.result()))


# ---------------------------------------------------------------- Gaussian NLL

# (y, mean, variance, expected): 0.5 * (log var + (y - mean)**2 / var).
NLL_CASES = [
    (1.0, 0.0, 1.0, 0.5),
    (0.0, 0.0, 1.0, 0.0),
    (2.0, 0.0, 4.0, 0.5 * (math.log(4.0) + 1.0)),
    (0.0, 3.0, 9.0, 0.5 * (math.log(9.0) + 1.0)),
    (0.5, 0.0, 0.25, 0.5 * (math.log(0.25) + 1.0)),
]


@pytest.mark.parametrize("target, mean, variance, expected", NLL_CASES)
def test_gaussian_nll_hand_worked(target, mean, variance, expected):
    value = to_numpy(gaussian_nll(tensor([[target]]), tensor([[mean, variance]])))

    assert value.shape == (1,)
    np.testing.assert_allclose(value[0], expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("target, mean, variance, expected", NLL_CASES)
def test_gaussian_nll_full_adds_constant(target, mean, variance, expected):
    value = to_numpy(gaussian_nll(tensor([[target]]), tensor([[mean, variance]]), full=True))

    np.testing.assert_allclose(value[0], expected + HALF_LOG_TWO_PI, rtol=1e-6)


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("epsilon", [1e-6, 0.5])
def test_gaussian_nll_matches_torch(full, epsilon):
    # Variances from 1e-7 to 3 fall on both sides of each epsilon.
    y_true, mean, variance, _ = gaussian_data(24, 3, seed=1)
    expected = torch_gaussian_nll(y_true, mean, variance, full=full, epsilon=epsilon)

    value = to_numpy(gaussian_nll(tensor(y_true), tensor(np.concatenate([mean, variance], axis=-1)), epsilon=epsilon, full=full))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_log_variance_matches_torch(full):
    y_true, mean, variance, _ = gaussian_data(24, 3, seed=2, low=1e-3)
    expected = torch_gaussian_nll(y_true, mean, variance, full=full)
    y_pred = np.concatenate([mean, np.log(variance)], axis=-1)

    value = to_numpy(gaussian_nll(tensor(y_true), tensor(y_pred), full=full, log_variance=True))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5)


def test_gaussian_nll_gradient_matches_torch():
    # Half the variances lie below epsilon = 0.5, where torch clamps the value
    # but still passes the gradient to the variance.
    y_true, mean, variance, _ = gaussian_data(12, 2, seed=3, low=0.01, high=1.0)
    mean_t = torch.tensor(mean, dtype=torch.float64, requires_grad=True)
    variance_t = torch.tensor(variance, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.GaussianNLLLoss(eps=0.5, reduction="none")
    loss(mean_t, torch.tensor(y_true, dtype=torch.float64), variance_t).mean(dim=-1).sum().backward()
    expected = np.concatenate([mean_t.grad.numpy(), variance_t.grad.numpy()], axis=-1)
    targets = tensor(y_true)

    grad = gradient(lambda p: gaussian_nll(targets, p, epsilon=0.5), np.concatenate([mean, variance], axis=-1))

    assert np.any(variance < 0.5)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


def test_gaussian_nll_class_weighted_reduction():
    y_true, mean, variance, weights = gaussian_data(16, 2, seed=4, low=0.1)
    expected = np.average(torch_gaussian_nll(y_true, mean, variance), weights=weights.astype("float64"))
    loss = GaussianNLL(reduction="mean_with_sample_weight")

    value = loss(tensor(y_true), tensor(np.concatenate([mean, variance], axis=-1)), tensor(weights))

    np.testing.assert_allclose(to_numpy(value), expected, rtol=1e-5)


@pytest.mark.parametrize("variance", [1e-6, 1e-7, 1e-30, 0.0, -1.0, -1e18])
def test_gaussian_nll_clamped_variance_finite(variance):
    # At or below epsilon = 1e-6 the value is the one at epsilon, and the
    # gradient w.r.t. the variance is 0.5 * (1 / eps - e**2 / eps**2).
    error = 2e-3
    targets = tensor([[error]])
    expected_value = 0.5 * (math.log(1e-6) + error**2 / 1e-6)
    expected_gradient = 0.5 * (1.0 / 1e-6 - error**2 / 1e-12)

    value = to_numpy(gaussian_nll(targets, tensor([[0.0, variance]])))
    grad = gradient(lambda p: gaussian_nll(targets, p), np.asarray([[0.0, variance]], dtype="float32"))

    np.testing.assert_allclose(value[0], expected_value, rtol=1e-5)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad[0, 1], expected_gradient, rtol=1e-4)


@pytest.mark.parametrize(
    "target, mean, variance, expected",
    [
        (1e18, 0.0, 1.0, 0.5e36),  # e**2 = 1e36 fits in float32
        (1e20, 0.0, 1e10, 0.5 * (math.log(1e10) + 1e30)),  # e**2 = 1e40 alone would overflow
        (0.0, 0.0, 1e30, 0.5 * math.log(1e30)),
        (1e6, 1e6, 1.0, 0.0),
    ],
)
def test_gaussian_nll_large_values_finite(target, mean, variance, expected):
    targets = tensor([[target]])
    y_pred = np.asarray([[mean, variance]], dtype="float32")

    value = to_numpy(gaussian_nll(targets, tensor(y_pred)))
    grad = gradient(lambda p: gaussian_nll(targets, p), y_pred)

    np.testing.assert_allclose(value[0], expected, rtol=1e-5)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("log_variance", [-1e18, -80.0, 0.0, 80.0, 1e18])
def test_gaussian_nll_log_variance_extremes_finite(log_variance):
    # Log variances below log(1e-6) are clamped there; 1e18 gives 0.5 * 1e18.
    targets = tensor([[0.5]])
    y_pred = np.asarray([[0.0, log_variance]], dtype="float32")
    clamped = max(log_variance, math.log(1e-6))
    expected = 0.5 * (clamped + 0.25 * math.exp(-clamped))

    value = to_numpy(gaussian_nll(targets, tensor(y_pred), log_variance=True))
    grad = gradient(lambda p: gaussian_nll(targets, p, log_variance=True), y_pred)

    np.testing.assert_allclose(value[0], expected, rtol=1e-5)
    assert np.all(np.isfinite(grad))


def test_gaussian_nll_zero_error_gradient():
    targets = tensor([[1.5], [-2.0]])
    y_pred = np.asarray([[1.5, 0.3], [-2.0, 2.0]], dtype="float32")

    grad = gradient(lambda p: gaussian_nll(targets, p), y_pred)

    # No pull on the means, and d/dvar = 0.5 / var.
    np.testing.assert_array_equal(grad[:, 0], [0.0, 0.0])
    np.testing.assert_allclose(grad[:, 1], [0.5 / 0.3, 0.25], rtol=1e-5)


@pytest.mark.parametrize("function", [gaussian_nll, gaussian_crps])
@pytest.mark.parametrize("target_shape", [(4,), (4, 1)])
def test_gaussian_rank_one_target_accepted(function, target_shape):
    y_true, mean, spread, _ = gaussian_data(4, 1, seed=5, low=0.1)
    y_pred = tensor(np.concatenate([mean, spread], axis=-1))
    expected = to_numpy(function(tensor(y_true), y_pred))

    value = to_numpy(function(tensor(y_true.reshape(target_shape)), y_pred))

    assert value.shape == (4,)
    np.testing.assert_allclose(value, expected, rtol=1e-7)


@pytest.mark.parametrize("function", [gaussian_nll, gaussian_crps])
def test_gaussian_sequence_targets_accepted(function):
    # Targets (N, T, k) with predictions (N, T, 2k) give one value per (sample, step).
    y_true = np.zeros((2, 3, 2), dtype="float32")
    y_pred = np.concatenate([np.zeros((2, 3, 2)), np.ones((2, 3, 2))], axis=-1).astype("float32")

    value = to_numpy(function(tensor(y_true), tensor(y_pred)))

    assert value.shape == (2, 3)


# Target and prediction shapes that must raise, with the texts of both shapes.
GAUSSIAN_SHAPE_ERRORS = [
    ((4, 1), (4, 1), "(4, 1)", "(4, 1)"),
    ((4, 1), (4, 3), "(4, 1)", "(4, 3)"),
    ((4, 2), (4, 2), "(4, 2)", "(4, 2)"),
    ((4,), (4, 4), "(4,)", "(4, 4)"),
    ((3, 1), (4, 2), "(3, 1)", "(4, 2)"),
    ((4, 1, 1), (4, 2), "(4, 1, 1)", "(4, 2)"),
]


@pytest.mark.parametrize("cls", [GaussianNLL, GaussianCRPS])
@pytest.mark.parametrize("true_shape, pred_shape, true_text, pred_text", GAUSSIAN_SHAPE_ERRORS)
def test_gaussian_shape_mismatch_raises(cls, true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        cls()(ops.zeros(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


INVALID_EPSILONS = [0, 0.0, -1e-6, float("nan"), float("inf"), True, "1e-6", None]
INVALID_FLAGS = [0, 1, "True", None, 1.0]


@pytest.mark.parametrize("cls", [GaussianNLL, GaussianCRPS, GaussianNLLMetric, GaussianCRPSMetric])
@pytest.mark.parametrize("epsilon", INVALID_EPSILONS, ids=repr)
def test_gaussian_invalid_epsilon_raises(cls, epsilon):
    with pytest.raises(ValueError) as error:
        cls(epsilon=epsilon)

    assert "epsilon" in str(error.value)
    assert repr(epsilon) in str(error.value)


@pytest.mark.parametrize(
    "cls, flag",
    [(GaussianNLL, "full"), (GaussianNLL, "log_variance"), (GaussianCRPS, "log_sigma"), (GaussianNLLMetric, "full")],
)
@pytest.mark.parametrize("value", INVALID_FLAGS, ids=repr)
def test_gaussian_invalid_flag_raises(cls, flag, value):
    with pytest.raises(ValueError) as error:
        cls(**{flag: value})

    assert flag in str(error.value)
    assert repr(value) in str(error.value)


@pytest.mark.parametrize("function", [gaussian_nll, gaussian_crps])
def test_gaussian_function_invalid_epsilon_raises(function):
    with pytest.raises(ValueError) as error:
        function(tensor([[0.0]]), tensor([[0.0, 1.0]]), epsilon=-1.0)

    assert "epsilon" in str(error.value)
    assert "-1.0" in str(error.value)


def test_gaussian_nll_config_round_trip():
    loss = GaussianNLL(epsilon=1e-4, full=True, log_variance=True, reduction="sum", name="nll", dtype="float64")
    config = json.loads(json.dumps(loss.get_config()))

    rebuilt = GaussianNLL.from_config(config)

    assert rebuilt.get_config() == config
    assert (rebuilt.epsilon, rebuilt.full, rebuilt.log_variance) == (1e-4, True, True)
    assert rebuilt.reduction == "sum"


def test_gaussian_nll_serialize_round_trip_values():
    loss = GaussianNLL(epsilon=0.5, full=True)
    y_true, mean, variance, _ = gaussian_data(6, 2, seed=6)
    y_pred = tensor(np.concatenate([mean, variance], axis=-1))
    restored = keras.saving.deserialize_keras_object(json.loads(json.dumps(keras.saving.serialize_keras_object(loss))))

    before = to_numpy(loss(tensor(y_true), y_pred))
    after = to_numpy(restored(tensor(y_true), y_pred))

    assert type(restored) is GaussianNLL
    np.testing.assert_allclose(after, before, rtol=1e-7)


# -------------------------------------------------------------------- Tweedie

# (power, y, mu, expected deviance), from the formulas in the docstring.
TWEEDIE_CASES = [
    (1.0, 0.0, 2.0, 4.0),  # 2 * mu
    (1.0, 1.0, 1.0, 0.0),
    (1.0, 2.0, 1.0, 2.0 * (2.0 * math.log(2.0) - 1.0)),  # 2 * (y log y - y + 1)
    (2.0, 2.0, 1.0, 2.0 * (1.0 - math.log(2.0))),  # 2 * (log(1/2) + 2 - 1)
    (2.0, 1.0, 1.0, 0.0),
    (1.5, 0.0, 4.0, 8.0),  # 2 * 4**0.5 / 0.5
    (1.5, 4.0, 1.0, 4.0),  # 2 * (2 / -0.25 + 4 / 0.5 + 1 / 0.5)
    (1.5, 1.0, 1.0, 0.0),
]


@pytest.mark.parametrize("power, target, mean, expected", TWEEDIE_CASES)
def test_tweedie_hand_worked(power, target, mean, expected):
    value = to_numpy(tweedie(tensor([[target]]), tensor([[mean]]), power=power))

    assert value.shape == (1,)
    np.testing.assert_allclose(value[0], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("power", TWEEDIE_POWERS)
def test_tweedie_matches_sklearn(power):
    y_true, mean, _ = tweedie_data(40, seed=7)
    if power == 2.0:
        y_true = np.maximum(y_true, 0.1)
    expected = sklearn_tweedie(y_true, mean, power)

    value = to_numpy(tweedie(tensor(y_true), tensor(mean), power=power))

    np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("power", [1.0, 1.3, 1.7, 2.0])
def test_tweedie_log_input_matches_sklearn(power):
    y_true, mean, _ = tweedie_data(40, seed=8)
    if power == 2.0:
        y_true = np.maximum(y_true, 0.1)
    expected = sklearn_tweedie(y_true, mean, power)

    value = to_numpy(tweedie(tensor(y_true), tensor(np.log(mean)), power=power, log_input=True))

    np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-5)


def test_tweedie_multi_output_row_mean():
    # Three outputs per sample: the per-sample value is scikit-learn's mean over the row.
    rng = np.random.default_rng(9)
    y_true = rng.poisson(2.0, size=(10, 3)).astype("float32")
    mean = rng.uniform(0.5, 4.0, size=(10, 3)).astype("float32")

    value = to_numpy(tweedie(tensor(y_true), tensor(mean), power=1.4))

    np.testing.assert_allclose(value, sklearn_tweedie(y_true, mean, 1.4), rtol=1e-4)


@pytest.mark.parametrize("power", [1.0, 1.5, 1.9])
def test_tweedie_class_weighted_matches_sklearn(power):
    y_true, mean, weights = tweedie_data(30, seed=10)
    expected = mean_tweedie_deviance(
        y_true.astype("float64"), mean.astype("float64"), sample_weight=weights.astype("float64"), power=power
    )
    loss = Tweedie(power=power, reduction="mean_with_sample_weight")

    value = loss(tensor(y_true), tensor(mean), tensor(weights))

    np.testing.assert_allclose(to_numpy(value), expected, rtol=1e-5)


@pytest.mark.parametrize("power", [1.0, 1.2, 1.5, 1.8, 2.0])
def test_tweedie_gradient_matches_derivative(power):
    # d deviance / d mu = 2 * mu**(-p) * (mu - y), and with y_pred = log(mu)
    # the chain rule multiplies it by mu.
    y_true, mean, _ = tweedie_data(12, seed=11)
    y_true = np.maximum(y_true, 0.1) if power == 2.0 else y_true
    expected = 2.0 * mean.astype("float64") ** (-power) * (mean - y_true)
    targets = tensor(y_true)

    grad = gradient(lambda p: tweedie(targets, p, power=power), mean)
    grad_log = gradient(lambda p: tweedie(targets, p, power=power, log_input=True), np.log(mean))

    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grad_log, expected * mean, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("power", [1.0, 1.2, 1.5, 1.8, 1.9999])
def test_tweedie_zero_target_finite(power):
    # At y = 0 the deviance is 2 * mu**(2 - p) / (2 - p) and its gradient 2 * mu**(1 - p).
    mean = np.asarray([[0.5], [1.0], [3.0]], dtype="float32")
    targets = ops.zeros((3, 1))

    value = to_numpy(tweedie(targets, tensor(mean), power=power))
    grad = gradient(lambda p: tweedie(targets, p, power=power), mean)

    np.testing.assert_allclose(value, 2.0 * mean[:, 0] ** (2 - power) / (2 - power), rtol=1e-5)
    np.testing.assert_allclose(grad, 2.0 * mean ** (1 - power), rtol=1e-5)


def test_tweedie_gamma_zero_target_infinite():
    # The Gamma deviance has -log(y), so y = 0 gives +inf, and the gradient stays finite.
    mean = np.asarray([[0.5], [2.0]], dtype="float32")
    targets = ops.zeros((2, 1))

    value = to_numpy(tweedie(targets, tensor(mean), power=2.0))
    grad = gradient(lambda p: tweedie(targets, p, power=2.0), mean)

    np.testing.assert_array_equal(value, [np.inf, np.inf])
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("power", [1.0, 1.5, 2.0])
def test_tweedie_negative_target_nan(power):
    value = to_numpy(tweedie(tensor([[-1.0], [1.0]]), tensor([[1.0], [1.0]]), power=power))

    assert np.isnan(value[0])
    assert value[1] == 0.0


@pytest.mark.parametrize("power", [1.0, 1.5, 1.8])
def test_tweedie_zero_prediction_values(power):
    # mu = 0: deviance 0 at y = 0, not finite at y > 0; mu < 0 gives NaN.
    value = to_numpy(tweedie(tensor([[0.0], [1.0], [1.0]]), tensor([[0.0], [0.0], [-1.0]]), power=power))

    assert value[0] == 0.0
    assert not np.isfinite(value[1])
    assert np.isnan(value[2])


@pytest.mark.parametrize("power", [1.0, 1.5, 1.8, 2.0])
@pytest.mark.parametrize("log_mean", [-80.0, 0.0, 80.0])
def test_tweedie_log_input_extremes_finite(power, log_mean):
    # log(mu) = +-80 puts mu at 1.8e-35 and 5.5e34, both float32 numbers.
    targets = tensor([[1.0], [3.0]])
    y_pred = np.full((2, 1), log_mean, dtype="float32")
    expected = sklearn_tweedie(np.asarray([[1.0], [3.0]]), np.exp(np.full((2, 1), log_mean, dtype="float64")), power)

    value = to_numpy(tweedie(targets, tensor(y_pred), power=power, log_input=True))
    grad = gradient(lambda p: tweedie(targets, p, power=power, log_input=True), y_pred)

    np.testing.assert_allclose(value, expected, rtol=1e-4)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("power", [1.0, 1.2, 1.8])
def test_tweedie_very_negative_log_input_zero_target(power):
    # With y = 0 and log(mu) = -1e18, mu underflows to 0: the deviance is 0
    # and so is its gradient, with no NaN from the unused y > 0 branch.
    targets = ops.zeros((1, 1))
    y_pred = np.asarray([[-1e18]], dtype="float32")

    value = to_numpy(tweedie(targets, tensor(y_pred), power=power, log_input=True))
    grad = gradient(lambda p: tweedie(targets, p, power=power, log_input=True), y_pred)

    assert value[0] == 0.0
    np.testing.assert_array_equal(grad, [[0.0]])


def test_tweedie_large_values_finite():
    # Counts near 1e6 predicted at 2e6 and 5e5, for each kind of power.
    y_true = np.asarray([[1e6], [1e6]], dtype="float32")
    mean = np.asarray([[2e6], [5e5]], dtype="float32")
    for power in (1.0, 1.5, 2.0):
        targets = tensor(y_true)

        value = to_numpy(tweedie(targets, tensor(mean), power=power))
        grad = gradient(lambda p: tweedie(targets, p, power=power), mean)

        np.testing.assert_allclose(value, sklearn_tweedie(y_true, mean, power), rtol=1e-4)
        assert np.all(np.isfinite(grad)), power


@pytest.mark.parametrize("power", [0.99, 2.01, 0, 3, -1.5, float("nan"), float("inf"), True, "1.5", None], ids=repr)
@pytest.mark.parametrize("cls", [Tweedie, TweedieMetric])
def test_tweedie_invalid_power_raises(cls, power):
    with pytest.raises(ValueError) as error:
        cls(power=power)

    assert "power" in str(error.value)
    assert repr(power) in str(error.value)


@pytest.mark.parametrize("log_input", INVALID_FLAGS, ids=repr)
def test_tweedie_invalid_log_input_raises(log_input):
    with pytest.raises(ValueError) as error:
        Tweedie(log_input=log_input)

    assert "log_input" in str(error.value)
    assert repr(log_input) in str(error.value)


def test_tweedie_function_invalid_power_raises():
    with pytest.raises(ValueError) as error:
        tweedie(tensor([[1.0]]), tensor([[1.0]]), power=0.5)

    assert "power" in str(error.value)
    assert "0.5" in str(error.value)


@pytest.mark.parametrize(
    "true_shape, pred_shape, true_text, pred_text",
    [((4, 1), (4, 3), "(4, 1)", "(4, 3)"), ((4, 2), (3, 2), "(4, 2)", "(3, 2)")],
)
def test_tweedie_shape_mismatch_raises(true_shape, pred_shape, true_text, pred_text):
    with pytest.raises(ValueError) as error:
        Tweedie()(ops.ones(true_shape), ops.ones(pred_shape))

    assert true_text in str(error.value)
    assert pred_text in str(error.value)


def test_tweedie_config_round_trip():
    loss = Tweedie(power=1.2, log_input=True, reduction="sum", name="claims", dtype="float64")
    config = json.loads(json.dumps(loss.get_config()))

    rebuilt = Tweedie.from_config(config)

    assert rebuilt.get_config() == config
    assert (rebuilt.power, rebuilt.log_input) == (1.2, True)
    assert rebuilt.name == "claims"


# ----------------------------------------------------------------- Gaussian CRPS

@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_gaussian_crps_at_mean_hand_worked(sigma):
    # At y = mu the score is sigma * (sqrt(2) - 1) / sqrt(pi).
    value = to_numpy(gaussian_crps(tensor([[3.0]]), tensor([[3.0, sigma]])))

    np.testing.assert_allclose(value[0], sigma * CRPS_AT_MEAN, rtol=1e-6)


def test_gaussian_crps_matches_quadrature():
    y_true, mean, sigma, _ = gaussian_data(12, 3, seed=12, low=0.1)
    expected = quad_crps_per_sample(y_true, mean, sigma)

    value = to_numpy(gaussian_crps(tensor(y_true), tensor(np.concatenate([mean, sigma], axis=-1))))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


def test_gaussian_crps_log_sigma_matches_quadrature():
    y_true, mean, sigma, _ = gaussian_data(12, 2, seed=13, low=0.1)
    expected = quad_crps_per_sample(y_true, mean, sigma)

    value = to_numpy(gaussian_crps(tensor(y_true), tensor(np.concatenate([mean, np.log(sigma)], axis=-1)), log_sigma=True))

    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("z", [-30.0, -8.0, 8.0, 30.0])
def test_gaussian_crps_far_tail_matches_scipy(z):
    # Far from the mean quad needs care, so the reference is the closed form in
    # float64 with scipy.stats.norm: sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)).
    sigma = 0.5
    expected = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))

    value = to_numpy(gaussian_crps(tensor([[z * sigma]]), tensor([[0.0, sigma]])))

    np.testing.assert_allclose(value[0], expected, rtol=1e-6)


def test_gaussian_crps_gradient_matches_derivative():
    # d crps / d mu = -(2 Phi(z) - 1) and d crps / d sigma = 2 phi(z) - 1 / sqrt(pi).
    y_true, mean, sigma, _ = gaussian_data(10, 2, seed=14, low=0.2)
    z = (y_true.astype("float64") - mean) / sigma
    expected = np.concatenate([-(2 * stats.norm.cdf(z) - 1), 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi)], axis=-1) / 2
    targets = tensor(y_true)

    grad = gradient(lambda p: gaussian_crps(targets, p), np.concatenate([mean, sigma], axis=-1))

    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_gaussian_crps_small_sigma_absolute_error():
    # As sigma -> 0 the score tends to |y - mu| - sigma / sqrt(pi) + O(phi(z)).
    value = to_numpy(gaussian_crps(tensor([[2.0], [-3.0]]), tensor([[0.0, 1e-4], [0.0, 1e-4]])))

    np.testing.assert_allclose(value, [2.0 - 1e-4 / math.sqrt(math.pi), 3.0 - 1e-4 / math.sqrt(math.pi)], rtol=1e-6)


@pytest.mark.parametrize("sigma", [1e-6, 1e-9, 0.0, -1.0, -1e18])
def test_gaussian_crps_clamped_sigma_finite(sigma):
    # At or below epsilon = 1e-6 the value is the one at epsilon, and the
    # gradient w.r.t. sigma is 2 phi(z) - 1 / sqrt(pi) at sigma = epsilon.
    error = 1e-6
    targets = tensor([[error]])
    z = error / 1e-6
    expected_value = 1e-6 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
    expected_gradient = 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi)
    y_pred = np.asarray([[0.0, sigma]], dtype="float32")

    value = to_numpy(gaussian_crps(targets, tensor(y_pred)))
    grad = gradient(lambda p: gaussian_crps(targets, p), y_pred)

    np.testing.assert_allclose(value[0], expected_value, rtol=1e-4)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad[0, 1], expected_gradient, rtol=1e-4)


@pytest.mark.parametrize(
    "target, mean, sigma, expected",
    [
        (1e18, 0.0, 1.0, 1e18),  # |e| - sigma / sqrt(pi), the sigma term lost in float32
        (1e20, 0.0, 1e-6, 1e20),  # z = 1e26, whose square overflows
        (0.0, 0.0, 1e18, 1e18 * CRPS_AT_MEAN),
        (1e6, 1e6, 1.0, CRPS_AT_MEAN),
    ],
)
def test_gaussian_crps_large_values_finite(target, mean, sigma, expected):
    targets = tensor([[target]])
    y_pred = np.asarray([[mean, sigma]], dtype="float32")

    value = to_numpy(gaussian_crps(targets, tensor(y_pred)))
    grad = gradient(lambda p: gaussian_crps(targets, p), y_pred)

    np.testing.assert_allclose(value[0], expected, rtol=1e-5)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("log_sigma", [-1e18, -40.0, 0.0, 40.0])
def test_gaussian_crps_log_sigma_extremes_finite(log_sigma):
    targets = tensor([[0.0]])
    y_pred = np.asarray([[0.0, log_sigma]], dtype="float32")
    expected = math.exp(max(log_sigma, math.log(1e-6))) * CRPS_AT_MEAN

    value = to_numpy(gaussian_crps(targets, tensor(y_pred), log_sigma=True))
    grad = gradient(lambda p: gaussian_crps(targets, p, log_sigma=True), y_pred)

    np.testing.assert_allclose(value[0], expected, rtol=1e-5)
    assert np.all(np.isfinite(grad))


def test_gaussian_crps_zero_error_gradient():
    targets = tensor([[1.5]])

    grad = gradient(lambda p: gaussian_crps(targets, p), np.asarray([[1.5, 0.7]], dtype="float32"))

    # No pull on the mean; d/dsigma = 2 phi(0) - 1 / sqrt(pi) = CRPS_AT_MEAN.
    assert grad[0, 0] == 0.0
    np.testing.assert_allclose(grad[0, 1], CRPS_AT_MEAN, rtol=1e-5)


def test_gaussian_crps_class_weighted_reduction():
    y_true, mean, sigma, weights = gaussian_data(10, 1, seed=15, low=0.1)
    expected = np.sum(quad_crps_per_sample(y_true, mean, sigma) * weights) / weights.size
    loss = GaussianCRPS()

    value = loss(tensor(y_true), tensor(np.concatenate([mean, sigma], axis=-1)), tensor(weights))

    np.testing.assert_allclose(to_numpy(value), expected, rtol=1e-5)


def test_gaussian_crps_config_round_trip():
    loss = GaussianCRPS(epsilon=1e-3, log_sigma=True, reduction="sum", name="crps", dtype="float64")
    config = json.loads(json.dumps(loss.get_config()))

    rebuilt = GaussianCRPS.from_config(config)

    assert rebuilt.get_config() == config
    assert (rebuilt.epsilon, rebuilt.log_sigma) == (1e-3, True)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize(
    "function, y_true, y_pred",
    [
        (gaussian_nll, [[300.0]], [[0.0, 1.0]]),  # 300**2 overflows float16
        (gaussian_crps, [[300.0]], [[0.0, 1.0]]),
        (tweedie, [[300.0]], [[1.0]]),
    ],
    ids=["gaussian_nll", "gaussian_crps", "tweedie"],
)
def test_half_precision_inputs_computed_float32(function, y_true, y_pred, dtype):
    # Streaming metrics under a mixed policy pass float16 outputs straight in.
    reference = to_numpy(function(tensor(y_true), tensor(y_pred)))

    value = function(ops.cast(tensor(y_true), dtype), ops.cast(tensor(y_pred), dtype))

    assert keras.backend.standardize_dtype(value.dtype) == "float32"
    np.testing.assert_allclose(to_numpy(value), reference, rtol=1e-6)


# -------------------------------------------------------------------- Metrics

BATCHINGS = ([1] * 11, [4, 1, 6], [10, 1])


@pytest.mark.parametrize("sizes", BATCHINGS, ids=str)
def test_gaussian_nll_metric_uneven_batches(sizes):
    y_true, mean, variance, weights = gaussian_data(11, 2, seed=16, low=0.1)
    expected = np.average(torch_gaussian_nll(y_true, mean, variance, full=True), weights=weights.astype("float64"))

    value = stream(GaussianNLLMetric(full=True), y_true, np.concatenate([mean, variance], axis=-1), weights, sizes)

    assert value == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("sizes", BATCHINGS, ids=str)
def test_tweedie_metric_uneven_batches(sizes):
    y_true, mean, weights = tweedie_data(11, seed=17)
    expected = mean_tweedie_deviance(
        y_true.astype("float64"), mean.astype("float64"), sample_weight=weights.astype("float64"), power=1.3
    )

    value = stream(TweedieMetric(power=1.3), y_true, mean, weights, sizes)

    assert value == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("sizes", BATCHINGS, ids=str)
def test_gaussian_crps_metric_uneven_batches(sizes):
    y_true, mean, sigma, weights = gaussian_data(11, 1, seed=18, low=0.1)
    expected = np.average(quad_crps_per_sample(y_true, mean, sigma), weights=weights.astype("float64"))

    value = stream(GaussianCRPSMetric(), y_true, np.concatenate([mean, sigma], axis=-1), weights, sizes)

    assert value == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", [GaussianNLLMetric, TweedieMetric, GaussianCRPSMetric])
def test_probabilistic_metric_direction_down(cls):
    assert cls()._direction == "down"


def test_gaussian_metric_early_stopping_auto():
    keras.utils.set_random_seed(19)
    rng = np.random.default_rng(19)
    x = rng.normal(size=(24, 2)).astype("float32")
    y = x[:, :1].astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile(
        optimizer="sgd",
        loss=GaussianNLL(log_variance=True),
        metrics=[GaussianNLLMetric(log_variance=True), GaussianCRPSMetric(log_sigma=True)],
    )
    stopping = keras.callbacks.EarlyStopping(monitor="val_gaussian_crps", mode="auto")

    history = model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[stopping])

    assert "val_gaussian_nll" in history.history
    assert stopping.monitor_op is ops.less


@pytest.mark.parametrize(
    "make",
    [
        lambda: GaussianNLLMetric(epsilon=1e-3, full=True, log_variance=True, name="nll", dtype="float64"),
        lambda: TweedieMetric(power=1.2, log_input=True, name="claims", dtype="float64"),
        lambda: GaussianCRPSMetric(epsilon=1e-3, log_sigma=True, name="crps", dtype="float64"),
    ],
    ids=["GaussianNLLMetric", "TweedieMetric", "GaussianCRPSMetric"],
)
def test_probabilistic_metric_config_round_trip(make):
    metric = make()
    config = json.loads(json.dumps(metric.get_config()))

    rebuilt = type(metric).from_config(config)

    assert rebuilt.get_config() == config
    assert rebuilt.name == metric.name


# ------------------------------------------------------------ Models and files

def probabilistic_model(dtype_policy=None):
    """Build a model with one output per loss: Gaussian NLL, Gaussian CRPS and Tweedie."""
    keras.utils.set_random_seed(20)
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    outputs = {
        "nll": keras.layers.Dense(2, name="nll")(hidden),
        "crps": keras.layers.Dense(2, name="crps")(hidden),
        "count": keras.layers.Dense(1, name="count")(hidden),
    }
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="adam",
        loss={
            "nll": GaussianNLL(epsilon=1e-4, full=True, log_variance=True),
            "crps": GaussianCRPS(epsilon=1e-4, log_sigma=True),
            "count": Tweedie(power=1.3, log_input=True),
        },
        metrics={
            "nll": [GaussianNLLMetric(epsilon=1e-4, full=True, log_variance=True, name="nll_metric")],
            "crps": [GaussianCRPSMetric(epsilon=1e-4, log_sigma=True, name="crps_metric")],
            "count": [TweedieMetric(power=1.3, log_input=True, name="tweedie_metric")],
        },
    )
    return model


def probabilistic_data(scale=1.0):
    rng = np.random.default_rng(20)
    x = rng.normal(size=(16, 3)).astype("float32")
    targets = {
        "nll": (scale * x[:, :1]).astype("float32"),
        "crps": (scale * x[:, 1:2]).astype("float32"),
        "count": rng.poisson(3.0 * scale, size=(16, 1)).astype("float32"),
    }
    return x, targets


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_probabilistic_mixed_precision_trains(policy):
    keras.config.set_dtype_policy(policy)
    model = probabilistic_model()
    # Targets of 300 overflow float16 when squared; the losses compute in float32.
    x, targets = probabilistic_data(scale=300.0)

    logs = model.train_on_batch(x, targets, return_dict=True)

    assert model.get_layer("nll").compute_dtype == policy.removeprefix("mixed_")
    for key, value in logs.items():
        assert math.isfinite(value), key
    assert all(np.all(np.isfinite(to_numpy(w))) for w in model.trainable_weights)


def test_probabilistic_model_reloads_fresh_process(tmp_path, fresh_python):
    model = probabilistic_model()
    x, targets = probabilistic_data()
    model.fit(x, targets, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "probabilistic.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    for name, values in targets.items():
        np.save(tmp_path / f"{name}.npy", values)
    expected = model.evaluate(x, targets, verbose=0, return_dict=True)

    # The child imports the new modules by name, because keras_tailor's
    # package __init__ files do not export them yet.
    loaded = fresh_python(
        f"""
        import json
        import numpy as np
        import keras
        import keras_tailor.losses.probabilistic
        import keras_tailor.metrics.probabilistic
        folder = {str(tmp_path)!r}
        model = keras.saving.load_model(folder + "/probabilistic.keras")
        x = np.load(folder + "/x.npy")
        targets = {{name: np.load(folder + f"/{{name}}.npy") for name in ("nll", "crps", "count")}}
        evaluation = model.evaluate(x, targets, verbose=0, return_dict=True)
        print(json.dumps({{
            "losses": {{name: loss.get_config() for name, loss in model.loss.items()}},
            "evaluation": {{k: float(v) for k, v in evaluation.items()}},
        }}))
        """
    )

    assert loaded["losses"]["nll"]["epsilon"] == 1e-4
    assert loaded["losses"]["nll"]["full"] is True
    assert loaded["losses"]["crps"]["log_sigma"] is True
    assert loaded["losses"]["count"]["power"] == 1.3
    assert loaded["losses"]["count"]["log_input"] is True
    assert set(loaded["evaluation"]) == set(expected)
    for key, value in expected.items():
        assert loaded["evaluation"][key] == pytest.approx(value, rel=1e-5), key


# ---------------------------------------------------------------- Contract checker

@pytest.fixture(scope="module")
def checker_reports():
    """Run the contract checker once on every class here, on this backend, with nothing skipped.

    Each class's `example_inputs()` gives the checker two columns per target
    for the Gaussian components and targets >= 0 for Tweedie.
    """
    components = [GaussianNLL, GaussianCRPS, Tweedie, GaussianNLLMetric, GaussianCRPSMetric, TweedieMetric]
    reports = check_components(components)
    return {report.label.rsplit(":", 1)[1]: report for report in reports}


@pytest.mark.parametrize(
    "name", ["GaussianNLL", "GaussianCRPS", "Tweedie", "GaussianNLLMetric", "GaussianCRPSMetric", "TweedieMetric"]
)
def test_probabilistic_component_passes_checker(checker_reports, name):
    report = checker_reports[name]

    assert report.passed, report.format()
