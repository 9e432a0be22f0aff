"""Weight initializers, each a function and a registered `keras.initializers.Initializer`."""

from keras_tailor.initializers.orthogonal import DeltaOrthogonal, delta_orthogonal

__all__ = ["DeltaOrthogonal", "delta_orthogonal"]
