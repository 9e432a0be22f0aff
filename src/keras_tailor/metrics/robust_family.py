"""Streaming, sample-weighted means of the robust losses in `keras_tailor.losses.robust_family`."""

from keras_tailor.authoring import metric
from keras_tailor.losses import robust_family

__all__ = [
    "CauchyMetric",
    "GemanMcClureMetric",
    "GeneralRobustMetric",
    "PseudoHuberMetric",
    "TukeyBiweightMetric",
    "WelschMetric",
]


def _mean_doc(title, function_name, arguments, example):
    """Return the docstring of the metric that averages `function_name`."""
    return f"""Streaming, sample-weighted mean of the per-sample {title}.

    Formula, with `l_i` the loss of sample `i` (see
    `keras_tailor.losses.robust_family.{function_name}`) and `w_i` its weight:

        result = sum_i(w_i * l_i) / sum_i(w_i)

    over every batch seen since the last `reset_state`, weighted as
    `keras.metrics.Mean` weights, so any split of the data into batches gives
    the value of the whole set. A metric that has seen no weight returns 0.
    Lower is better, which `EarlyStopping(mode="auto")` reads.

    Args:
{arguments}
        name: the metric name, the key in `History`. Defaults to `"{function_name}"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

{example}
    """


_SCALE_ARGUMENT = """        scale: the width of the quadratic bowl around 0. A finite number > 0.
            Defaults to 1.0."""


PseudoHuberMetric = metric(
    robust_family.pseudo_huber,
    direction="down",
    name="PseudoHuberMetric",
    package="keras_tailor",
    validate=robust_family._validate_pseudo_huber,
    doc=_mean_doc(
        "pseudo-Huber loss",
        "pseudo_huber",
        """        threshold: the error magnitude where the loss turns from quadratic to
            linear. A finite number > 0. Defaults to 1.0.""",
        # Losses 1.25 - 1 = 0.25 and 2.125 - 1 = 1.125, weights 1 and 3:
        # (0.25 + 3 * 1.125) / 4 = 0.90625.
        """    >>> metric = PseudoHuberMetric(threshold=1.0)
    >>> metric.update_state([[0.0], [0.0]], [[0.75], [1.875]], sample_weight=[1.0, 3.0])
    >>> float(metric.result())
    0.90625""",
    ),
)

CauchyMetric = metric(
    robust_family.cauchy,
    direction="down",
    name="CauchyMetric",
    package="keras_tailor",
    validate=robust_family._validate_scale,
    doc=_mean_doc(
        "Cauchy loss",
        "cauchy",
        """        scale: the error magnitude where the loss turns from quadratic to
            logarithmic. A finite number > 0. Defaults to 1.0.""",
        # Losses 0.5 * log(2) and 0.5 * log(10), weights 1 and 3.
        """    >>> metric = CauchyMetric(scale=1.0)
    >>> metric.update_state([[0.0], [0.0]], [[1.0], [3.0]], sample_weight=[1.0, 3.0])
    >>> round(float(metric.result()), 6)
    0.950113""",
    ),
)

GemanMcClureMetric = metric(
    robust_family.geman_mcclure,
    direction="down",
    name="GemanMcClureMetric",
    package="keras_tailor",
    validate=robust_family._validate_scale,
    doc=_mean_doc(
        "Geman-McClure loss",
        "geman_mcclure",
        _SCALE_ARGUMENT,
        # Losses 2 * 4 / 8 = 1 and 2 * 36 / 40 = 1.8, weights 1 and 3: 6.4 / 4.
        """    >>> metric = GemanMcClureMetric(scale=1.0)
    >>> metric.update_state([[0.0], [0.0]], [[2.0], [6.0]], sample_weight=[1.0, 3.0])
    >>> round(float(metric.result()), 6)
    1.6""",
    ),
)

WelschMetric = metric(
    robust_family.welsch,
    direction="down",
    name="WelschMetric",
    package="keras_tailor",
    validate=robust_family._validate_scale,
    doc=_mean_doc(
        "Welsch loss",
        "welsch",
        _SCALE_ARGUMENT,
        # Losses 0 and 1 - exp(-2), weights 1 and 3: 3 * (1 - exp(-2)) / 4.
        """    >>> metric = WelschMetric(scale=1.0)
    >>> metric.update_state([[0.0], [0.0]], [[0.0], [2.0]], sample_weight=[1.0, 3.0])
    >>> round(float(metric.result()), 6)
    0.648499""",
    ),
)

TukeyBiweightMetric = metric(
    robust_family.tukey_biweight,
    direction="down",
    name="TukeyBiweightMetric",
    package="keras_tailor",
    validate=robust_family._validate_tukey_biweight,
    doc=_mean_doc(
        "Tukey biweight loss",
        "tukey_biweight",
        """        c: the error magnitude beyond which the loss is constant. A finite
            number > 0. Defaults to 4.685.""",
        # With c = 3, losses 1.5 * (1 - 0.75**3) = 0.8671875 and 1.5, weights 1
        # and 3: (0.8671875 + 4.5) / 4 = 1.341796875.
        """    >>> metric = TukeyBiweightMetric(c=3.0)
    >>> metric.update_state([[0.0], [0.0]], [[1.5], [6.0]], sample_weight=[1.0, 3.0])
    >>> float(metric.result())
    1.341796875""",
    ),
)

GeneralRobustMetric = metric(
    robust_family.general_robust,
    direction="down",
    name="GeneralRobustMetric",
    package="keras_tailor",
    validate=robust_family._validate_general_robust,
    doc=_mean_doc(
        "general robust loss of Barron",
        "general_robust",
        """        alpha: the shape. A number, including `float("inf")` and
            `float("-inf")`, or one of the strings `"inf"`, `"+inf"`, `"-inf"`,
            which keep a saved config strict JSON. Defaults to 1.0.
        scale: the width of the quadratic bowl around 0. A finite number > 0.
            Defaults to 1.0.""",
        # At alpha = 2 the losses are 0.5 * x**2: 0.125 and 2, weights 1 and 3:
        # (0.125 + 6) / 4 = 1.53125.
        """    >>> metric = GeneralRobustMetric(alpha=2.0, scale=1.0)
    >>> metric.update_state([[0.0], [0.0]], [[0.5], [2.0]], sample_weight=[1.0, 3.0])
    >>> float(metric.result())
    1.53125""",
    ),
)
