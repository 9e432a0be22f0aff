"""Streaming regression metrics built on the per-sample loss functions."""

from keras_tailor.authoring import metric
from keras_tailor.losses import robust

HuberMetric = metric(
    robust.huber,
    direction="down",
    name="HuberMetric",
    package="keras_tailor",
    validate=robust._validate_huber,
    doc="""Streaming, sample-weighted mean of the per-sample Huber loss.

    Formula, with `h_i` the Huber loss of sample `i` (see
    `keras_tailor.losses.huber`) and `w_i` its weight:

        result = sum_i(w_i * h_i) / sum_i(w_i)

    over every batch seen since the last `reset_state`, weighted as
    `keras.metrics.Mean` weights, so any split of the data into batches gives
    the value of the whole set. A metric that has seen no weight returns 0.
    Lower is better, which `EarlyStopping(mode="auto")` reads.

    Args:
        threshold: the error magnitude where the loss turns from quadratic to
            linear. A finite number > 0. Defaults to 1.0.
        name: the metric name, the key in `History`. Defaults to `"huber"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = HuberMetric(threshold=1.0)
    >>> metric.update_state([[0.0], [0.0]], [[0.5], [3.0]], sample_weight=[1.0, 3.0])
    >>> float(metric.result())
    1.90625
    """,
)
