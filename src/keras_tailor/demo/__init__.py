"""The main job: train on California housing with keras-tailor parts, save, reload, compare."""
