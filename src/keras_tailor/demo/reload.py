"""Fresh-process half of the demo: load the saved model with no custom_objects and predict.

Run as `python -m keras_tailor.demo.reload MODEL FEATURES TARGETS REPORT`. It
imports keras_tailor (which registers every component) and nothing else of the
demo's state. It evaluates the model on FEATURES and TARGETS on one device,
which also makes Keras build its compiled metrics. It writes the predictions
next to REPORT as `.npy`, and the evaluation and the components' configs and
hyperparameters, read from the loaded objects, into REPORT as JSON.
"""

import json
import sys

import keras
import numpy as np

import keras_tailor  # noqa: F401  (registers the components that the saved model names)
from keras_tailor.demo.components import keras_tailor_components
from keras_tailor.demo.model import read_hyperparameters


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 4:
        print("usage: python -m keras_tailor.demo.reload MODEL FEATURES TARGETS REPORT", file=sys.stderr)
        return 2
    model_path, features_path, targets_path, report_path = argv
    model = keras.saving.load_model(model_path)
    features = np.load(features_path)
    evaluation = model.evaluate(features, np.load(targets_path), batch_size=128, verbose=0, return_dict=True)
    predictions = model.predict(features, verbose=0)
    np.save(report_path + ".predictions.npy", predictions)
    report = {
        "backend": keras.backend.backend(),
        "evaluation": {name: float(value) for name, value in evaluation.items()},
        "components": keras_tailor_components(model),
        "hyperparameters": read_hyperparameters(model),
    }
    with open(report_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
