"""Streaming metrics whose state is summable, so results are exact under any batching."""

from keras_tailor.metrics.aggregation import GeometricMean, HarmonicMean
from keras_tailor.metrics.calibration import BrierScore, ExpectedCalibrationError
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
from keras_tailor.metrics.regression_extras import ExplainedVariance, SymmetricMAPE, WeightedMAPE
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
    "BrierScore",
    "CauchyMetric",
    "CohenKappa",
    "Concordance",
    "ConfusionMatrix",
    "ExpectedCalibrationError",
    "ExplainedVariance",
    "FBeta",
    "GaussianCRPSMetric",
    "GaussianNLLMetric",
    "GemanMcClureMetric",
    "GeneralRobustMetric",
    "GeometricMean",
    "HammingLoss",
    "HarmonicMean",
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
    "SymmetricMAPE",
    "TukeyBiweightMetric",
    "TweedieMetric",
    "WeightedMAPE",
    "WelschMetric",
]
