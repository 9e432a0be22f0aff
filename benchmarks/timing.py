"""Timing helpers: medians of repeated runs, and the machine and versions behind them."""

import datetime
import os
import platform
import statistics
import time

import numpy as np


def median_seconds(step, repeats, warmup=3):
    """Run `step` `warmup` times, then `repeats` times; return the median wall time in seconds.

    `step` must block until its result is ready (call `block` on the output).
    """
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def block(value):
    """Wait for an asynchronous backend result (JAX dispatches asynchronously)."""
    if hasattr(value, "block_until_ready"):
        value.block_until_ready()
    elif isinstance(value, (tuple, list)):
        for item in value:
            block(item)
    return value


def copy_bandwidth(elements, repeats):
    """Return the bytes per second of a numpy copy of `elements` float32 values (read plus write)."""
    source = np.random.default_rng(0).normal(size=elements).astype("float32")
    target = np.empty_like(source)
    seconds = median_seconds(lambda: np.copyto(target, source), repeats)
    return 2 * source.nbytes / seconds


def machine_info():
    import keras

    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    for module in ("tensorflow", "jax", "torch"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    return info
