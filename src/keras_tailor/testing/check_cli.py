"""`keras-tailor check`: one worker process per backend, then one table."""

import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

from keras_tailor.testing.report import ComponentReport, FAILED
from keras_tailor.testing.summary import format_table

logger = logging.getLogger(__name__)


def _run_backend(targets, backend, folder):
    """Run the worker for `backend`, relaying its progress lines; return reports or an error text."""
    output = os.path.join(folder, f"{backend}.json")
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    command = [sys.executable, "-m", "keras_tailor.testing.run", "--json-out", output, *targets]
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    tail = []
    for line in process.stderr:
        line = line.rstrip()
        if line.startswith(f"[{backend}] "):
            logger.info("%s", line)
        elif line:
            tail = (tail + [line])[-20:]
    status = process.wait()
    if status != 0 or not os.path.exists(output):
        return None, f"the {backend} worker failed with exit status {status}:\n" + "\n".join(tail)
    logger.info("[%s] done in %.0f s", backend, time.perf_counter() - started)
    with open(output, encoding="utf-8") as handle:
        return [ComponentReport.from_dict(data) for data in json.load(handle)], None


@contextlib.contextmanager
def _log_to_stderr():
    """Send this module's log records to stderr only, so stdout carries nothing but the JSON document.

    The command line sends keras-tailor's records to stdout, which suits the table.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def run(targets, backends, as_json=False):
    """Check `targets` on each of `backends`; return the exit status (0 passed, 1 failed, 2 error).

    With `as_json`, stdout receives only the reports as a JSON list, and progress
    and errors go to stderr.
    """
    with _log_to_stderr() if as_json else contextlib.nullcontext():
        return _run(targets, backends, as_json)


def _run(targets, backends, as_json):
    reports, errors = [], []
    with tempfile.TemporaryDirectory(prefix="keras-tailor-check-") as folder:
        for backend in backends:
            logger.info("Checking %s on the %s backend", " ".join(targets), backend)
            backend_reports, error = _run_backend(targets, backend, folder)
            if error:
                errors.append(error)
            else:
                reports += backend_reports
    if as_json:
        print(json.dumps([report.to_dict() for report in reports], indent=1))
    elif reports:
        print(format_table(reports))
    for error in errors:
        logger.error("error: %s", error)
    if errors and not reports:
        return 2
    if errors or any(result.status == FAILED for report in reports for result in report.results):
        return 1
    return 0
