"""Streaming metrics built on the probabilistic regression losses.

Each metric keeps the sample-weighted mean of its loss's per-sample values in
summable state, so any batching, and data-parallel replicas, give the value of
the whole data set. Lower is better for all of them.
"""

from keras_tailor.authoring import metric
from keras_tailor.losses import probabilistic

GaussianNLLMetric = metric(
    probabilistic.gaussian_nll,
    direction="down",
    name="GaussianNLLMetric",
    package="keras_tailor",
    validate=probabilistic._validate_gaussian_nll,
    examples=probabilistic._gaussian_examples,
    doc="""Streaming, sample-weighted mean of the per-sample Gaussian negative log-likelihood.

    Formula, with `n_i` the loss of sample `i` (see
    `keras_tailor.losses.probabilistic.gaussian_nll`) and `w_i` its weight:

        result = sum_i(w_i * n_i) / sum_i(w_i)

    over every batch since the last `reset_state`. `y_pred` has `2 * k`
    columns for `k` targets: the means, then the variances (or log variances).
    A metric that has seen no weight returns 0.

    Args:
        epsilon: the lower bound on the variance. A finite number > 0.
            Defaults to 1e-6.
        full: whether to add `0.5 * log(2 * pi)`. Defaults to False.
        log_variance: whether the second half of `y_pred` contains log variances.
            Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"gaussian_nll"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = GaussianNLLMetric()
    >>> metric.update_state([[1.0], [0.0]], [[0.0, 1.0], [0.0, 1.0]], sample_weight=[3.0, 1.0])
    >>> float(metric.result())
    0.375
    """,
)

TweedieMetric = metric(
    probabilistic.tweedie,
    direction="down",
    name="TweedieMetric",
    package="keras_tailor",
    validate=probabilistic._validate_tweedie,
    examples=probabilistic._tweedie_examples,
    doc="""Streaming, sample-weighted mean unit Tweedie deviance.

    Formula, with `d_i` the deviance of sample `i` (see
    `keras_tailor.losses.probabilistic.tweedie`) and `w_i` its weight:

        result = sum_i(w_i * d_i) / sum_i(w_i)

    over every batch since the last `reset_state`, which is scikit-learn's
    `mean_tweedie_deviance(y_true, y_pred, sample_weight=w, power=p)`
    (scikit-learn 1.9.1) for a single output. A metric that has seen no
    weight returns 0.

    Args:
        power: the Tweedie power, a number in [1, 2]. Defaults to 1.5.
        log_input: whether `y_pred` is `log(mu)`. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"tweedie"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = TweedieMetric(power=1.0)
    >>> metric.update_state([[0.0], [1.0]], [[2.0], [1.0]], sample_weight=[1.0, 3.0])
    >>> float(metric.result())
    1.0
    """,
)

GaussianCRPSMetric = metric(
    probabilistic.gaussian_crps,
    direction="down",
    name="GaussianCRPSMetric",
    package="keras_tailor",
    validate=probabilistic._validate_gaussian_crps,
    examples=probabilistic._gaussian_examples,
    doc="""Streaming, sample-weighted mean CRPS of normal predictive distributions.

    Formula, with `c_i` the CRPS of sample `i` (see
    `keras_tailor.losses.probabilistic.gaussian_crps`) and `w_i` its weight:

        result = sum_i(w_i * c_i) / sum_i(w_i)

    over every batch since the last `reset_state`. `y_pred` has `2 * k`
    columns for `k` targets: the means, then the standard deviations (or
    their logarithms). A metric that has seen no weight returns 0.

    Args:
        epsilon: the lower bound on the standard deviation. A finite number
            > 0. Defaults to 1e-6.
        log_sigma: whether the second half of `y_pred` contains
            `log(sigma)`. Defaults to False.
        name: the metric name, the key in `History`. Defaults to `"gaussian_crps"`.
        dtype: the dtype of the state and result. Defaults to `None`, which
            uses `keras.config.floatx()`.

    Example:

    >>> metric = GaussianCRPSMetric(log_sigma=True)
    >>> metric.update_state([[0.0], [0.0]], [[0.0, 0.0], [0.0, 0.0]])
    >>> round(float(metric.result()), 6)
    0.233695
    """,
)
