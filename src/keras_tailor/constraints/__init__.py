"""Weight constraints, each registered for saving without `custom_objects`."""

from keras_tailor.constraints.bounds import Clip

__all__ = ["Clip"]
