"""Losses: a per-sample function and a registered `keras.losses.Loss` class for each."""

from keras_tailor.losses.robust import Huber, huber

__all__ = ["Huber", "huber"]
