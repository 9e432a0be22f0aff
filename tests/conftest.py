"""Shared fixtures. Each pytest process runs one Keras backend, chosen by `KERAS_BACKEND`."""

import json
import os
import subprocess
import sys
import textwrap

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def backend():
    """Return the name of the Keras backend of this pytest process."""
    return keras.backend.backend()


@pytest.fixture(autouse=True)
def _float32_policy():
    """Restore the float32 policy after a test that sets a mixed-precision one."""
    yield
    keras.config.set_dtype_policy("float32")


def run_fresh_python(code, timeout=600):
    """Run `code` in a fresh Python process on this backend and return the JSON it prints last.

    The child gets no state from this process: no imported modules, no
    registered objects, no `custom_objects`. So it shows what a user who only
    runs `import keras_tailor` gets when loading a saved file.
    """
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3")
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"fresh process failed with exit status {completed.returncode}:\n{completed.stderr[-4000:]}"
        )
    last_line = completed.stdout.strip().splitlines()[-1]
    return json.loads(last_line)


@pytest.fixture
def fresh_python():
    return run_fresh_python


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))
