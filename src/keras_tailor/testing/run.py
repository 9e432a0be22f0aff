"""Worker of `keras-tailor check`: checks targets on the backend of this process.

Run as `python -m keras_tailor.testing.run --json-out FILE TARGET...`. Progress
goes to stderr as one line per component; the reports go to FILE as JSON.
"""

import argparse
import json
import sys

import keras

from keras_tailor.testing.checker import check_components
from keras_tailor.testing.discovery import TargetError, find_components


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m keras_tailor.testing.run")
    parser.add_argument("targets", nargs="+")
    parser.add_argument("--json-out", required=True)
    args = parser.parse_args(argv)
    backend = keras.backend.backend()
    try:
        components = find_components(args.targets)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    def progress(index, total, label):
        print(f"[{backend}] {index}/{total} {label}", file=sys.stderr, flush=True)

    reports = check_components(components, progress=progress)
    with open(args.json_out, "w", encoding="utf-8") as handle:
        json.dump([report.to_dict() for report in reports], handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
