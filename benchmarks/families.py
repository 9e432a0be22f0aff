"""Peers of the later component families: Gaussian NLL and pinball losses, Cohen's kappa and Pearson metrics.

Each family has one keras-tailor component, stored under "ours", which the
report divides every other time by. The textbook losses are what a user writes
by hand with `keras.ops`. Peers from torch, torchmetrics, scikit-learn and
scipy run on CPU data in every backend's process, and each peer's name states its data type.
"""

import keras
import numpy as np
from keras import ops

import keras_tailor as kt

ROW_WIDTH = 16  # targets per sample, as in the Huber rows of run.py
NLL_EPSILON = 1e-6  # variance floor: torch.nn.GaussianNLLLoss's default eps and GaussianNLL's default epsilon
QUANTILE = 0.9
CLASSES = 5

GAUSSIAN_NLL = "keras_tailor.losses.GaussianNLL"
PINBALL = "keras_tailor.losses.Pinball(quantiles=0.9)"
COHEN_KAPPA = "keras_tailor.metrics.CohenKappa(num_classes=5)"
PEARSON = "keras_tailor.metrics.Pearson"


# Losses.


def textbook_gaussian_nll(y_true, y_pred):
    """Compute the Gaussian NLL as users write it: split means and variances, floor the variance, average."""
    targets = y_true.shape[-1]
    mean = y_pred[..., :targets]
    variance = ops.maximum(y_pred[..., targets:], NLL_EPSILON)
    return ops.mean(0.5 * (ops.log(variance) + ops.square(y_true - mean) / variance))


def textbook_where_pinball(y_true, y_pred):
    """Compute the pinball loss as users write it, with `where` picking the branch by the sign of the error."""
    error = y_true - y_pred
    return ops.mean(ops.where(error >= 0, QUANTILE * error, (QUANTILE - 1) * error))


def textbook_maximum_pinball(y_true, y_pred):
    """Compute the pinball loss as users write it, as the larger of the two linear branches."""
    error = y_true - y_pred
    return ops.mean(ops.maximum(QUANTILE * error, (QUANTILE - 1) * error))


def _torch_gaussian_nll():
    """Return torch.nn.GaussianNLLLoss with the arguments of GaussianNLL's defaults, taking `(y_true, y_pred)`."""
    import torch

    loss = torch.nn.GaussianNLLLoss(full=False, eps=NLL_EPSILON, reduction="mean")

    def torch_gaussian_nll(y_true, y_pred):
        targets = y_true.shape[-1]
        return loss(y_pred[..., :targets], y_true, y_pred[..., targets:])

    return torch_gaussian_nll


def loss_families():
    """Return `{family: {"ours": name, "candidates": {name: loss(y_true, y_pred) -> scalar}}}` for this backend."""
    gaussian = {
        GAUSSIAN_NLL: kt.losses.GaussianNLL(),
        "textbook keras.ops Gaussian NLL": textbook_gaussian_nll,
    }
    if keras.backend.backend() == "torch":
        gaussian["torch.nn.GaussianNLLLoss"] = _torch_gaussian_nll()
    pinball = {
        PINBALL: kt.losses.Pinball(quantiles=QUANTILE),
        "textbook ops.where pinball": textbook_where_pinball,
        "textbook ops.maximum pinball": textbook_maximum_pinball,
    }
    return {
        "gaussian_nll": {"ours": GAUSSIAN_NLL, "candidates": gaussian},
        "pinball": {"ours": PINBALL, "candidates": pinball},
    }


def loss_data(family, elements, rng):
    """Return numpy `(y_true, y_pred)` with `elements` targets in rows of ROW_WIDTH.

    For the Gaussian NLL, `y_pred` has 2 * ROW_WIDTH columns: the means, then
    variances in [0.3, 2], above the floor so every candidate computes the same value.
    """
    rows = max(1, elements // ROW_WIDTH)
    y_true = rng.normal(size=(rows, ROW_WIDTH)).astype("float32")
    mean = y_true + rng.normal(scale=1.5, size=y_true.shape)
    if family == "gaussian_nll":
        variance = rng.uniform(0.3, 2.0, size=y_true.shape)
        return y_true, np.concatenate([mean, variance], axis=1).astype("float32")
    return y_true, mean.astype("float32")


def check_loss_values(family, candidates, y_true, y_pred, to_backend):
    """Check that every candidate returns the value of ours on `(y_true, y_pred)`, and raise RuntimeError if not.

    Timing two losses that compute different values would compare different work.
    """
    t, p = to_backend(y_true, y_pred)
    ours_name = family["ours"]
    values = {name: float(ops.convert_to_numpy(loss(t, p))) for name, loss in candidates.items()}
    expected = values[ours_name]
    for name, value in values.items():
        if not np.isclose(value, expected, rtol=1e-5, atol=1e-6):
            raise RuntimeError(
                f"Value check failed before timing: {name} returns {value!r} but {ours_name} returns "
                f"{expected!r} on the same {y_true.size:,} targets, so their times would not be comparable. "
                "Fix the peer's arguments or input layout in benchmarks/families.py."
            )


# Metrics.


def kappa_data(samples, rng):
    """Return numpy int32 class ids `(y_true, y_pred)`, with y_pred equal to y_true for about 60% of samples."""
    y_true = rng.integers(0, CLASSES, size=samples).astype("int32")
    guesses = rng.integers(0, CLASSES, size=samples).astype("int32")
    y_pred = np.where(rng.uniform(size=samples) < 0.6, y_true, guesses).astype("int32")
    return y_true, y_pred


def pearson_data(samples, rng):
    """Return numpy float32 `(y_true, y_pred)` of shape `(samples, 1)` with a correlation near 0.8."""
    y_true = rng.normal(size=(samples, 1)).astype("float32")
    y_pred = (0.8 * y_true + 0.6 * rng.normal(size=y_true.shape)).astype("float32")
    return y_true, y_pred


def _torchmetrics_update(metric, y_true, y_pred):
    """Return a step that updates a torchmetrics metric on torch CPU tensors (torchmetrics takes preds first)."""
    import torch

    target = torch.from_numpy(y_true)
    preds = torch.from_numpy(y_pred)
    return lambda: metric.update(preds, target)


def kappa_peers(y_true, y_pred):
    """Return `{name: step()}` for the peers of CohenKappa that are not Keras metrics."""
    import sklearn.metrics
    import torchmetrics.classification

    torch_metric = torchmetrics.classification.MulticlassCohenKappa(num_classes=CLASSES)
    return {
        "torchmetrics MulticlassCohenKappa.update (torch CPU)": _torchmetrics_update(
            torch_metric, y_true.astype("int64"), y_pred.astype("int64")
        ),
        "sklearn.metrics.cohen_kappa_score, one call on all samples (numpy)": lambda: sklearn.metrics.cohen_kappa_score(
            y_true, y_pred
        ),
    }


def pearson_peers(y_true, y_pred):
    """Return `{name: step()}` for the peers of Pearson that are not Keras metrics, on flattened data."""
    import scipy.stats
    import torchmetrics

    true_flat, pred_flat = y_true.ravel(), y_pred.ravel()
    return {
        "torchmetrics PearsonCorrCoef.update (torch CPU)": _torchmetrics_update(
            torchmetrics.PearsonCorrCoef(), true_flat, pred_flat
        ),
        "scipy.stats.pearsonr, one call on all samples (numpy)": lambda: scipy.stats.pearsonr(true_flat, pred_flat),
    }


def check_metric_values(y_kappa, y_pearson):
    """Check that CohenKappa and Pearson match scikit-learn, scipy and torchmetrics on the timed data, and raise RuntimeError if not."""
    import scipy.stats
    import sklearn.metrics
    import torch
    import torchmetrics
    import torchmetrics.classification

    true_ids, pred_ids = y_kappa
    kappa = kt.metrics.CohenKappa(num_classes=CLASSES)
    kappa.update_state(true_ids, pred_ids)
    torch_kappa = torchmetrics.classification.MulticlassCohenKappa(num_classes=CLASSES)
    torch_kappa.update(torch.from_numpy(pred_ids.astype("int64")), torch.from_numpy(true_ids.astype("int64")))
    true_values, pred_values = y_pearson
    pearson = kt.metrics.Pearson()
    pearson.update_state(true_values, pred_values)
    torch_pearson = torchmetrics.PearsonCorrCoef()
    torch_pearson.update(torch.from_numpy(pred_values.ravel()), torch.from_numpy(true_values.ravel()))

    pairs = [
        (COHEN_KAPPA, float(kappa.result()), "sklearn.metrics.cohen_kappa_score", sklearn.metrics.cohen_kappa_score(true_ids, pred_ids)),
        (COHEN_KAPPA, float(kappa.result()), "torchmetrics MulticlassCohenKappa", float(torch_kappa.compute())),
        (PEARSON, float(pearson.result()), "scipy.stats.pearsonr", scipy.stats.pearsonr(true_values.ravel(), pred_values.ravel()).statistic),
        (PEARSON, float(pearson.result()), "torchmetrics PearsonCorrCoef", float(torch_pearson.compute())),
    ]
    for ours_name, ours_value, peer_name, peer_value in pairs:
        if not np.isclose(ours_value, peer_value, rtol=1e-4, atol=1e-5):
            raise RuntimeError(
                f"Value check failed before timing: {ours_name} returns {ours_value!r} but {peer_name} returns "
                f"{float(peer_value)!r} on the same {true_ids.size:,} samples, so their times would not be comparable."
            )
