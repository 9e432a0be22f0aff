"""Weight regularizers, each a function and a registered `keras.regularizers.Regularizer`."""

from keras_tailor.regularizers.sparsity import L1, l1

__all__ = ["L1", "l1"]
