"""Authoring kit: plain functions with keyword hyperparameters become registered Keras classes.

One decorator per kind of component:

- `loss`: a per-sample loss function to a `keras.losses.Loss` subclass;
- `metric`: a per-sample function to a streaming, sample-weighted mean metric;
- `activation`, `regularizer`, `constraint`, `initializer`: a function to a
  callable class that Keras layers accept.

Every generated class stores each hyperparameter in its config and is registered
under `package>ClassName`, so a model that uses it saves and loads without
`custom_objects` once the defining module is imported.
"""

from keras_tailor.authoring.callables import activation, constraint, initializer, regularizer
from keras_tailor.authoring.losses import FunctionLoss, loss
from keras_tailor.authoring.metrics import FunctionMeanMetric, metric

__all__ = [
    "FunctionLoss",
    "FunctionMeanMetric",
    "activation",
    "constraint",
    "initializer",
    "loss",
    "metric",
    "regularizer",
]
