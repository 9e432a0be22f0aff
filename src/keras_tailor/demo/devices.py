"""Data-parallel training of the demo over virtual CPU devices: `keras-tailor demo --devices N`.

JAX reads its host device count from `XLA_FLAGS` when its backend starts, so
the command line re-executes itself with the flag set (`jax_environment`).
TensorFlow splits its CPU into logical devices at run time, before its first
operation (`data_parallel` does it). Keras 3.15.1 has no data-parallel
training on the PyTorch backend.
"""

import contextlib
import os
import re

import keras

_JAX_DEVICE_FLAG = "--xla_force_host_platform_device_count"


class DevicesError(RuntimeError):
    """The requested devices cannot be set up on this backend or in this process."""


def jax_environment(devices, environment=None):
    """Return a copy of `environment` whose `XLA_FLAGS` make JAX start `devices` host CPU devices."""
    environment = dict(os.environ if environment is None else environment)
    flags = re.sub(rf"{_JAX_DEVICE_FLAG}=\d+", "", environment.get("XLA_FLAGS", "")).split()
    environment["XLA_FLAGS"] = " ".join([*flags, f"{_JAX_DEVICE_FLAG}={devices}"])
    return environment


def jax_devices_ready(devices, environment=None):
    """Return True if `XLA_FLAGS` in `environment` already requests `devices` host devices."""
    environment = os.environ if environment is None else environment
    return f"{_JAX_DEVICE_FLAG}={devices}" in environment.get("XLA_FLAGS", "").split()


def _tensorflow_strategy(devices):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if configured is None or len(configured) != devices:
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
        except RuntimeError as error:
            raise DevicesError(
                f"TensorFlow started before its CPU could be split into {devices} devices ({error}). "
                "Run the demo in a new process."
            ) from None
    names = [device.name for device in tf.config.list_logical_devices("CPU")][:devices]
    return tf.distribute.MirroredStrategy(names)


def _jax_distribution(devices):
    import jax

    available = jax.devices("cpu")
    if len(available) < devices:
        raise DevicesError(
            f"JAX started with {len(available)} CPU device(s), not {devices}. Set "
            f"XLA_FLAGS={_JAX_DEVICE_FLAG}={devices} before JAX starts; `keras-tailor demo` does this itself."
        )
    return keras.distribution.DataParallel(devices=available[:devices])


@contextlib.contextmanager
def data_parallel(devices):
    """Build, compile and train inside this context to replicate the model over `devices` CPU devices.

    One device is the plain single-device run. More use `MirroredStrategy` on
    TensorFlow and `keras.distribution.DataParallel` on JAX, and each batch
    is split across the devices.

    Raises:
        DevicesError: the backend is PyTorch, or the devices cannot be set up.
    """
    if devices == 1:
        yield
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        with _tensorflow_strategy(devices).scope():
            yield
    elif backend == "jax":
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(_jax_distribution(devices))
        try:
            yield
        finally:
            keras.distribution.set_distribution(previous)
    else:
        raise DevicesError(
            f"--devices {devices} needs the jax or tensorflow backend: Keras 3.15.1 has no "
            f"data-parallel training on the {backend} backend."
        )
