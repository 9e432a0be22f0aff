"""keras-tailor: custom Keras 3 components that keep their hyperparameters when saved.

Importing this package registers every component under the package name
`keras_tailor`, so `keras.saving.load_model` finds them with no `custom_objects`.
Keras imports no third-party module while loading, so import keras_tailor
before loading a model that uses it.
"""

from keras_tailor import (
    activations,
    authoring,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    regularizers,
)

__version__ = "0.1.0"

__all__ = [
    "activations",
    "authoring",
    "constraints",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "regularizers",
]
