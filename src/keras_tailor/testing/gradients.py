"""Gradients of a scalar function of one tensor, on whichever backend Keras runs."""

import keras
import numpy as np


def value_and_gradient(function, x):
    """Return `(function(x), d sum(function(x)) / dx)` as numpy arrays.

    Keras has no backend-neutral gradient API, so this dispatches to
    `tf.GradientTape`, `jax.value_and_grad` or `torch.autograd`, importing only
    the active backend.
    """
    backend = keras.backend.backend()
    x = np.asarray(x)
    if backend == "tensorflow":
        import tensorflow as tf

        variable = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(variable)
            value = function(variable)
            total = tf.reduce_sum(tf.cast(value, tf.float32))
        return np.asarray(value), np.asarray(tape.gradient(total, variable))
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        def total(argument):
            value = function(argument)
            return jnp.sum(value.astype(jnp.float32)), value

        (_, value), gradient = jax.value_and_grad(total, has_aux=True)(jnp.asarray(x))
        return np.asarray(value), np.asarray(gradient)
    if backend == "torch":
        import torch

        variable = torch.tensor(x, requires_grad=True)
        value = function(variable)
        value.float().sum().backward()
        return value.detach().cpu().numpy(), variable.grad.detach().cpu().numpy()
    raise ValueError(f"Unsupported Keras backend {backend!r}: expected tensorflow, jax or torch.")
