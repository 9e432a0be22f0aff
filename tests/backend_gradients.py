"""Gradients through the native autodiff of the active Keras backend, for tests."""

import keras
import numpy as np


def gradient(function, x):
    """Return the gradient of `sum(function(x))` with respect to `x`, as a numpy array.

    `x` is a numpy array. `function` takes and returns backend tensors, so it can
    be any composition of `keras.ops` calls or a layer's `stateless_call`.
    """
    backend = keras.backend.backend()
    x = np.asarray(x)

    if backend == "tensorflow":
        import tensorflow as tf

        inputs = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            total = tf.reduce_sum(function(inputs))
        return tape.gradient(total, inputs).numpy()

    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda inputs: jax.numpy.sum(function(inputs)))(jax.numpy.asarray(x)))

    if backend == "torch":
        import torch

        inputs = torch.tensor(x, requires_grad=True)
        torch.sum(function(inputs)).backward()
        return inputs.grad.detach().cpu().numpy()

    raise ValueError(f"Unsupported Keras backend {backend!r}: expected 'tensorflow', 'jax' or 'torch'.")
