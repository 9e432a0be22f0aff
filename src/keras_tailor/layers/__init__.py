"""Layers that Keras lacks, each registered for saving without `custom_objects`."""

from keras_tailor.layers.activations import Snake
from keras_tailor.layers.adaptive_robust import AdaptiveRobustLoss

__all__ = ["AdaptiveRobustLoss", "Snake"]
