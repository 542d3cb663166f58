"""The hand-worked 3-2-3 example: forward values, deltas and weight gradients."""

import json

import numpy as np
import pytest

from numeral.activations import make_activation
from numeral.losses import make_loss
from numeral.network import Network


@pytest.fixture(scope="module")
def example(fixtures_dir):
    return json.loads((fixtures_dir / "worked_example.json").read_text())


@pytest.fixture(scope="module")
def result(example):
    network = Network(
        [np.array(W, dtype=np.float64) for W in example["weights"]],
        [np.array(b, dtype=np.float64) for b in example["biases"]],
        make_activation("leaky_relu", example["hidden_activation"]["alpha"]),
        make_activation(example["output_activation"]),
    )
    X = np.array([example["input"]])  # one sample as a row: (1, 3)
    Y = np.array([example["target"]])  # (1, 3)
    z, a = network.forward_pass(X)
    grads = network.backward(z, a, Y, make_loss(example["loss"]))
    return z, a, grads


def test_forward_values(example, result):
    z, a, _ = result
    expected = example["expected"]
    np.testing.assert_allclose(a[1][0], expected["hidden_activation"], atol=1e-6)
    np.testing.assert_allclose(z[1][0], expected["output_z"], atol=1e-6)


def test_deltas(example, result):
    _, _, grads = result
    expected = example["expected"]
    np.testing.assert_allclose(grads.delta[1][0], expected["delta_output"], atol=1e-6)
    np.testing.assert_allclose(grads.delta[0][0], expected["delta_hidden"], atol=1e-6)


def test_weight_gradients(example, result):
    # with a batch of one, the batch mean is the single sample's gradient
    _, _, grads = result
    expected = example["expected"]
    np.testing.assert_allclose(grads.dW[1], expected["grad_weights_output"], atol=1e-6)
    np.testing.assert_allclose(grads.dW[0], expected["grad_weights_hidden"], atol=1e-6)
    np.testing.assert_allclose(grads.db[1], expected["delta_output"], atol=1e-6)
    np.testing.assert_allclose(grads.db[0], expected["delta_hidden"], atol=1e-6)
