"""The housing regressor: an MLP that uses every keras-tailor component."""

import keras

import keras_tailor as kt

# Hyperparameters chosen away from their defaults, so the reload check can see a
# lost one. The Huber threshold is in the target's unit, $100,000.
HUBER_THRESHOLD = 0.5
L1_FACTOR = 1e-5
CLIP_BOUND = 2.0
SNAKE_FREQUENCY = 0.5
SNAKE_INITIAL_FREQUENCY = 1.5
ORTHOGONAL_GAIN = 1.2


def build_model(train_features, seed, learning_rate=3e-3):
    """Build and compile the model; its `Normalization` layer adapts to `train_features`.

    The model takes raw features (`housing.FEATURE_NAMES`, after imputation and
    one-hot encoding) and normalizes them itself, so the saved file is all a
    user needs to predict.
    """
    normalization = keras.layers.Normalization(name="normalization")
    normalization.adapt(train_features)

    inputs = keras.Input((train_features.shape[1],), name="features")
    hidden = normalization(inputs)
    hidden = keras.layers.Dense(
        64,
        kernel_initializer=kt.initializers.DeltaOrthogonal(gain=ORTHOGONAL_GAIN, seed=seed),
        kernel_regularizer=kt.regularizers.L1(factor=L1_FACTOR),
        kernel_constraint=kt.constraints.Clip(min_value=-CLIP_BOUND, max_value=CLIP_BOUND),
        name="dense_1",
    )(hidden)
    hidden = kt.layers.Snake(initial_frequency=SNAKE_INITIAL_FREQUENCY, name="snake")(hidden)
    hidden = keras.layers.Dense(
        32,
        activation=kt.activations.SnakeActivation(frequency=SNAKE_FREQUENCY),
        kernel_initializer=kt.initializers.DeltaOrthogonal(gain=ORTHOGONAL_GAIN, seed=seed + 1),
        name="dense_2",
    )(hidden)
    outputs = keras.layers.Dense(1, name="median_house_value")(hidden)

    model = keras.Model(inputs, outputs, name="housing_regressor")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=kt.losses.Huber(threshold=HUBER_THRESHOLD),
        metrics=[
            kt.metrics.HuberMetric(threshold=HUBER_THRESHOLD, name="huber"),
            keras.metrics.MeanAbsoluteError(name="mae"),
        ],
    )
    return model
