"""Finite-difference checks of backpropagation for every activation and loss."""

import numpy as np
import pytest

from numeral.losses import make_loss
from numeral.network import Network

HIDDEN = ["sigmoid", "relu", "leaky_relu", "tanh", "identity"]
OUTPUTS = ["softmax", "sigmoid", "identity", "tanh"]
LOSSES = ["quadratic", "cross_entropy"]


def numerical_gradient(network, X, Y, loss, param, h=1e-6):
    """Central differences ``(C(θ + h) - C(θ - h)) / 2h`` for each entry."""
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        saved = param[index]
        param[index] = saved + h
        plus = loss.value(network.forward(X), Y)
        param[index] = saved - h
        minus = loss.value(network.forward(X), Y)
        param[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def make_problem(rng, sizes, hidden, output, loss_name):
    network = Network.create(
        sizes, hidden, output, alpha=0.1, init="xavier", rng=rng, dtype=np.float64
    )
    for b in network.b:  # non-zero biases exercise db too
        b[:] = rng.normal(0, 0.3, size=b.shape)
    X = rng.normal(0, 1, size=(5, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=5)
    Y = np.eye(sizes[-1])[labels]
    return network, X, Y, make_loss(loss_name)


def check(network, X, Y, loss):
    grads = network.gradients(X, Y, loss)
    for layer in range(len(network.W)):
        for analytic, param in (
            (grads.dW[layer], network.W[layer]),
            (grads.db[layer], network.b[layer]),
        ):
            numeric = numerical_gradient(network, X, Y, loss, param)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# cross-entropy takes ln a, so it pairs only with outputs in (0, 1)
PAIRINGS = [
    (hidden, output, loss)
    for hidden in HIDDEN
    for output in OUTPUTS
    for loss in LOSSES
    if loss == "quadratic" or output in ("softmax", "sigmoid")
]


@pytest.mark.parametrize(("hidden", "output", "loss_name"), PAIRINGS)
def test_every_pairing(rng, hidden, output, loss_name):
    network, X, Y, loss = make_problem(rng, [4, 5, 3], hidden, output, loss_name)
    check(network, X, Y, loss)


@pytest.mark.parametrize("hidden", ["tanh", "leaky_relu", "sigmoid"])
def test_three_hidden_layers(rng, hidden):
    network, X, Y, loss = make_problem(
        rng, [6, 7, 5, 4, 3], hidden, "softmax", "cross_entropy"
    )
    check(network, X, Y, loss)


def test_sigmoid_cross_entropy_without_fusion(rng):
    # sigmoid output with cross-entropy goes through dC/da ⊙ f'(z), not a - y
    network, X, Y, loss = make_problem(
        rng, [4, 6, 3], "relu", "sigmoid", "cross_entropy"
    )
    check(network, X, Y, loss)


def test_softmax_quadratic_uses_the_full_jacobian(rng):
    network, X, Y, loss = make_problem(rng, [4, 6, 3], "tanh", "softmax", "quadratic")
    check(network, X, Y, loss)
