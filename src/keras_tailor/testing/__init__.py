"""The contract checker: prove that a Keras component survives saving and computes correctly.

`check_component` returns a report with one entry per named check;
`assert_component` raises `ComponentCheckError` with that report, for use in a
pytest suite. Both work on any component: keras-tailor's, a user's, or Keras's own.
"""

from keras_tailor.testing.checker import CHECK_NAMES, assert_component, check_component, check_components, checks_for
from keras_tailor.testing.report import ComponentCheckError, ComponentReport, CheckResult

__all__ = [
    "CHECK_NAMES",
    "CheckResult",
    "ComponentCheckError",
    "ComponentReport",
    "assert_component",
    "check_component",
    "check_components",
    "checks_for",
]
