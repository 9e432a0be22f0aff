"""Streaming metrics whose state is summable, so results are exact under any batching."""

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
    "CauchyMetric",
    "GaussianCRPSMetric",
    "GaussianNLLMetric",
    "GemanMcClureMetric",
    "GeneralRobustMetric",
    "HuberMetric",
    "IntervalCoverage",
    "IntervalScore",
    "LossMean",
    "PinballMetric",
    "PseudoHuberMetric",
    "TukeyBiweightMetric",
    "TweedieMetric",
    "WelschMetric",
]
