"""Activations: a plain function and a registered callable class with saved hyperparameters."""

from keras_tailor.activations.periodic import SnakeActivation, snake

__all__ = ["SnakeActivation", "snake"]
