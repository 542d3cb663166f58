"""The training loop: reproducibility, splits, stopping rules, divergence."""

import numpy as np
import pytest

from numeral.datasets import Dataset
from numeral.errors import ConfigError, TrainingDiverged
from numeral.modelfile import load_model
from numeral.training import TrainConfig, split_validation, train


def blobs(rng, n=600, n_features=8, n_classes=3) -> Dataset:
    """A small separable problem: one Gaussian blob per class."""
    centres = rng.normal(0, 3, size=(n_classes, n_features))
    labels = rng.integers(0, n_classes, size=n)
    images = (centres[labels] + rng.normal(0, 1, size=(n, n_features))).astype(
        np.float32
    )
    return Dataset(
        name="blobs",
        train_images=images[: n - 100],
        train_labels=labels[: n - 100],
        test_images=images[n - 100 :],
        test_labels=labels[n - 100 :],
        class_names=tuple("abc"[:n_classes]),
        image_shape=(1, n_features),
    )


@pytest.fixture
def data(rng):
    return blobs(rng)


def small(**options):
    defaults = dict(
        hidden_sizes=(16,), epochs=3, batch_size=32, val_size=100, learning_rate=0.05
    )
    return TrainConfig(**{**defaults, **options})


def test_learns_a_separable_problem(data):
    result = train(small(epochs=5), data)
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert result.final.test_accuracy > 0.9
    assert result.final.val_accuracy > 0.9


def test_same_seed_same_weights_other_seed_differs(data):
    a = train(small(seed=3), data).network
    b = train(small(seed=3), data).network
    c = train(small(seed=4), data).network
    for Wa, Wb in zip(a.W + a.b, b.W + b.b):
        np.testing.assert_array_equal(Wa, Wb)
    assert not np.array_equal(a.W[0], c.W[0])


def test_no_shuffle_matches_a_hand_written_loop(data):
    # without shuffling, training is: batches in row order, gradient, update
    from numeral.losses import make_loss
    from numeral.optimizers import make_optimizer
    from numeral.training import build_network, one_hot

    config = small(shuffle=False, epochs=2, optimizer="momentum")
    result = train(config, data)

    X, y, _, _ = split_validation(data, config.val_size)
    network = build_network(config, X.shape[1], 3, np.random.default_rng(config.seed))
    optimizer = make_optimizer("momentum", config.learning_rate, momentum=0.9)
    for _ in range(config.epochs):
        for start in range(0, len(X), config.batch_size):
            rows = slice(start, start + config.batch_size)
            grads = network.gradients(
                X[rows], one_hot(y[rows], 3), make_loss(config.loss)
            )
            optimizer.step(network.W + network.b, grads.dW + grads.db)
    for trained, by_hand in zip(result.network.W, network.W):
        np.testing.assert_allclose(trained, by_hand, rtol=1e-5, atol=1e-6)


def test_validation_is_the_last_rows(data):
    X, y, X_val, y_val = split_validation(data, 100)
    assert len(X_val) == 100 and len(X) == len(data.train_images) - 100
    np.testing.assert_array_equal(X_val, data.train_images[-100:])
    np.testing.assert_array_equal(y, data.train_labels[:-100])


def test_zero_validation_size(data):
    result = train(small(val_size=0), data)
    assert result.final.val_accuracy is None
    assert result.final.test_accuracy is not None


def test_validation_larger_than_training_set_is_refused(data):
    with pytest.raises(ConfigError, match="leaves no training data"):
        train(small(val_size=len(data.train_images)), data)


def test_stops_at_target_accuracy(data):
    result = train(small(epochs=50, target_accuracy=0.9), data)
    assert result.stop_reason == "target"
    assert result.epochs < 50
    assert result.final.val_accuracy >= 0.9


def test_stop_on_test_watches_the_test_set(data):
    result = train(
        small(epochs=50, target_accuracy=0.9, stop_on="test", val_size=0), data
    )
    assert result.stop_reason == "target"
    assert result.final.test_accuracy >= 0.9


def test_should_stop_ends_after_the_current_batch(data):
    batches = []
    result = train(
        small(epochs=5),
        data,
        on_batch=lambda k, n: batches.append(k),
        should_stop=lambda: len(batches) >= 2,
    )
    assert result.stop_reason == "interrupted"
    assert batches == [1, 2]
    assert result.epochs == 1


def test_divergence_is_reported_with_its_likely_cause(data):
    config = small(
        output="identity",
        loss="quadratic",
        learning_rate=1e4,
        optimizer="sgd",
        epochs=5,
    )
    with pytest.raises(TrainingDiverged, match="learning rate.*too high"):
        train(config, data)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"learning_rate": -1}, "learning rate"),
        ({"learning_rate": float("nan")}, "learning rate"),
        ({"activation": "swish"}, "unknown activation"),
        ({"loss": "hinge"}, "unknown loss"),
        ({"init": "zeros"}, "unknown initialiser"),
        ({"optimizer": "lbfgs"}, "unknown optimiser"),
        ({"momentum": 1.5}, "momentum"),
        ({"batch_size": 0}, "batch size"),
        ({"epochs": 0}, "epochs"),
        ({"target_accuracy": 98}, "fraction"),
        ({"stop_on": "train"}, "stop-on"),
        ({"val_size": -1}, "validation size"),
        ({"target_accuracy": 0.9, "val_size": 0}, "needs --val-size > 0"),
        ({"hidden_sizes": (0,)}, "positive"),
        ({"alpha": 2.0}, "alpha"),
    ],
)
def test_bad_configuration_is_refused(options, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**options)


def test_real_mnist_small_model_is_well_above_chance(small_model_path):
    # two epochs of a 784-64-10 network on 18,000 real MNIST images
    model = load_model(small_model_path)
    assert model.metadata["metrics"]["test_accuracy"] > 0.9
    assert model.metadata["dataset"] == "mnist"
    assert model.network.sizes == [784, 64, 10]


@pytest.mark.parametrize(
    "config", [{"learning_rate": "x"}, {"hidden_sizes": 5}, "not a mapping"]
)
def test_config_from_a_damaged_file_is_a_config_error(config):
    with pytest.raises(ConfigError):
        TrainConfig.from_dict(config)
