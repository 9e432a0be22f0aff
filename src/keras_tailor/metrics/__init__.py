"""Streaming metrics whose state is summable, so results are exact under any batching."""

from keras_tailor.metrics.classification import (
    BalancedAccuracy,
    CohenKappa,
    ConfusionMatrix,
    FBeta,
    HammingLoss,
    MatthewsCorrelation,
    MultiLabelConfusionMatrix,
    Precision,
    Recall,
)
from keras_tailor.metrics.correlation import Concordance, KendallTauB, Pearson, Spearman
from keras_tailor.metrics.intervals import IntervalCoverage, IntervalScore, PinballMetric
from keras_tailor.metrics.loss_mean import LossMean
from keras_tailor.metrics.probabilistic import GaussianCRPSMetric, GaussianNLLMetric, TweedieMetric
from keras_tailor.metrics.regression import HuberMetric
from keras_tailor.metrics.robust_family import (
    CauchyMetric,
    GemanMcClureMetric,
    GeneralRobustMetric,
    PseudoHuberMetric,
    TukeyBiweightMetric,
    WelschMetric,
)

__all__ = [
    "BalancedAccuracy",
    "CauchyMetric",
    "CohenKappa",
    "Concordance",
    "ConfusionMatrix",
    "FBeta",
    "GaussianCRPSMetric",
    "GaussianNLLMetric",
    "GemanMcClureMetric",
    "GeneralRobustMetric",
    "HammingLoss",
    "HuberMetric",
    "IntervalCoverage",
    "IntervalScore",
    "KendallTauB",
    "LossMean",
    "MatthewsCorrelation",
    "MultiLabelConfusionMatrix",
    "Pearson",
    "PinballMetric",
    "Precision",
    "PseudoHuberMetric",
    "Recall",
    "Spearman",
    "TukeyBiweightMetric",
    "TweedieMetric",
    "WelschMetric",
]
