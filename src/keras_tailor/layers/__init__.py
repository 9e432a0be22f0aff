"""Layers that Keras lacks, each registered for saving without `custom_objects`."""

from keras_tailor.layers.activations import Snake

__all__ = ["Snake"]
