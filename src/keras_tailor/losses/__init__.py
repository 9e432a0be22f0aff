"""Losses: a per-sample function and a registered `keras.losses.Loss` class for each."""

from keras_tailor.losses.probabilistic import GaussianCRPS, GaussianNLL, Tweedie, gaussian_crps, gaussian_nll, tweedie
from keras_tailor.losses.quantile import Pinball, pinball
from keras_tailor.losses.robust import Huber, huber
from keras_tailor.losses.robust_family import (
    Cauchy,
    GemanMcClure,
    GeneralRobust,
    PseudoHuber,
    TukeyBiweight,
    Welsch,
    cauchy,
    geman_mcclure,
    general_robust,
    pseudo_huber,
    tukey_biweight,
    welsch,
)

__all__ = [
    "Cauchy",
    "GaussianCRPS",
    "GaussianNLL",
    "GemanMcClure",
    "GeneralRobust",
    "Huber",
    "Pinball",
    "PseudoHuber",
    "TukeyBiweight",
    "Tweedie",
    "Welsch",
    "cauchy",
    "gaussian_crps",
    "gaussian_nll",
    "geman_mcclure",
    "general_robust",
    "huber",
    "pinball",
    "pseudo_huber",
    "tukey_biweight",
    "tweedie",
    "welsch",
]
