"""Streaming metrics whose state is summable, so results are exact under any batching."""

from keras_tailor.metrics.loss_mean import LossMean
from keras_tailor.metrics.regression import HuberMetric

__all__ = ["HuberMetric", "LossMean"]
