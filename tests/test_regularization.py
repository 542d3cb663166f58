"""Dropout and max-norm: scale in training, absence at evaluation, exact gradients."""

from __future__ import annotations

import numpy as np
import pytest

from numeral.datasets import Dataset
from numeral.losses import make_loss
from numeral.network import Network
from numeral.regularization import clip_incoming_norms, dropout_masks
from numeral.training import TrainConfig, train


def test_masks_hold_zero_or_the_inverse_keep_rate_and_keep_the_mean(rng):
    masks = dropout_masks([0.2, 0.5], [300, 400], 500, rng)
    for mask, p in zip(masks, [0.2, 0.5]):
        assert mask.dtype == np.float32
        assert set(np.unique(mask)) == {0.0, np.float32(1 / (1 - p))}
        # each entry is 0 with probability p; the mean stays 1
        assert np.mean(mask == 0) == pytest.approx(p, abs=0.01)
        assert mask.mean() == pytest.approx(1.0, abs=0.01)


def test_no_mask_and_no_draws_where_the_rate_is_zero(rng):
    state = rng.bit_generator.state
    assert dropout_masks([0.0, 0.0], [5, 5], 3, rng) == [None, None]
    assert rng.bit_generator.state == state


def test_dropout_keeps_the_expected_activation_scale_in_training(rng):
    network = Network.create([20, 50, 10], "relu", "softmax", rng=rng)
    X = rng.random((4000, 20), dtype=np.float32)
    plain = network.forward_pass(X)[0][1]  # z of the output layer, (4000, 10)
    masks = dropout_masks([0.0, 0.5], [20, 50], 4000, rng)
    dropped = network.forward_pass(X, masks)[0][1]
    assert not np.allclose(dropped, plain)
    # inverted dropout: E[(a ⊙ m) Wᵀ] = a Wᵀ, so the batch means agree
    np.testing.assert_allclose(dropped.mean(axis=0), plain.mean(axis=0), atol=0.05)


def test_evaluation_never_drops(rng):
    """Training with heavy dropout reports accuracies of the whole network."""
    images = rng.random((600, 16), dtype=np.float32)
    labels = (images[:, :8].sum(axis=1) > images[:, 8:].sum(axis=1)).astype(np.int64)
    data = Dataset(
        "toy",
        images[:500],
        labels[:500],
        images[500:],
        labels[500:],
        ("0", "1"),
        (4, 4),
    )
    config = TrainConfig(
        hidden_sizes=(32,),
        dropout=(0.5,),
        input_dropout=0.3,
        epochs=2,
        val_size=100,
        output="softmax",
    )
    result = train(config, data)
    network = result.network

    # the reported figures are those of the unmasked network, every time
    predicted = network.predict(data.test_images)
    assert result.final.test_accuracy == np.mean(predicted == data.test_labels)
    np.testing.assert_array_equal(network.predict(data.test_images), predicted)
    np.testing.assert_array_equal(
        network.forward(data.test_images), network.forward_pass(data.test_images)[1][-1]
    )


def test_finite_difference_gradients_with_fixed_masks(rng):
    """With the masks held fixed, backprop equals central differences (float64)."""
    network = Network.create([6, 7, 5, 4], "tanh", "softmax", rng=rng, dtype=np.float64)
    loss = make_loss("cross_entropy")
    X = rng.normal(size=(5, 6))
    Y = np.eye(4)[rng.integers(0, 4, 5)]
    masks = dropout_masks([0.3, 0.5, 0.4], [6, 7, 5], 5, rng, np.float64)
    grads = network.gradients(X, Y, loss, masks)

    def cost():
        return loss.value(network.forward_pass(X, masks)[1][-1], Y)

    h = 1e-6
    for params, analytic in ((network.W, grads.dW), (network.b, grads.db)):
        for P, dP in zip(params, analytic):
            numeric = np.zeros_like(P)
            for index in np.ndindex(P.shape):
                saved = P[index]
                P[index] = saved + h
                up = cost()
                P[index] = saved - h
                down = cost()
                P[index] = saved
                numeric[index] = (up - down) / (2 * h)
            np.testing.assert_allclose(dP, numeric, rtol=1e-5, atol=1e-8)


def test_a_dropped_input_gets_no_gradient(rng):
    network = Network.create([4, 3, 2], rng=rng, dtype=np.float64)
    X = rng.normal(size=(2, 4))
    masks = [np.array([[2.0, 0.0, 2.0, 0.0]] * 2), None]
    grads = network.gradients(X, np.eye(2), make_loss("cross_entropy"), masks)
    np.testing.assert_array_equal(grads.dW[0][:, [1, 3]], 0.0)


def test_max_norm_scales_only_rows_that_are_too_long():
    W = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], dtype=np.float32)
    clip_incoming_norms([W], 2.0)
    np.testing.assert_allclose(W, [[1.2, 1.6], [0.3, 0.4], [0.0, 0.0]], rtol=1e-6)
    assert W.dtype == np.float32


def test_config_expands_one_dropout_rate_to_every_hidden_layer():
    config = TrainConfig(hidden_sizes=(8, 8, 8), dropout=(0.5,), input_dropout=0.2)
    assert config.dropout_rates() == [0.2, 0.5, 0.5, 0.5]
    assert TrainConfig(hidden_sizes=(8, 8)).dropout_rates() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dropout": (1.0,)}, "dropout rates"),
        ({"input_dropout": -0.1}, "dropout rates"),
        ({"hidden_sizes": (8, 8, 8), "dropout": (0.1, 0.2)}, "one for each"),
        ({"max_norm": -1.0}, "max-norm"),
        ({"patience": 3, "val_size": 0}, "validation"),
    ],
)
def test_config_refuses_bad_regularisation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)
