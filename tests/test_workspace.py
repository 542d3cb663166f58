"""The fast path: preallocated workspaces, ``out=`` kernels and float32 training."""

import numpy as np
import pytest

from numeral.activations import ACTIVATIONS, make_activation
from numeral.datasets import Dataset
from numeral.errors import ConfigError
from numeral.losses import make_loss
from numeral.network import Network
from numeral.optimizers import OPTIMIZERS
from numeral.training import TrainConfig, one_hot, train
from numeral.workspace import Workspace

HIDDEN = sorted(set(ACTIVATIONS) - {"softmax"})
PAIRINGS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("softmax", "quadratic"),
    ("tanh", "quadratic"),
    ("identity", "quadratic"),
]


def problem(rng, hidden, output, loss_name, dtype=np.float32, n=12):
    network = Network.create(
        [6, 9, 7, 4], hidden, output, alpha=0.1, init="xavier", rng=rng, dtype=dtype
    )
    for b in network.b:
        b[:] = rng.normal(0, 0.3, size=b.shape)
    X = rng.normal(0, 1, size=(n, 6)).astype(dtype)
    Y = one_hot(rng.integers(0, 4, size=n), 4, dtype)
    return network, X, Y, make_loss(loss_name)


def assert_same_gradients(expected, got):
    assert got.loss == expected.loss
    for name in ("dW", "db", "delta"):
        for e, g in zip(getattr(expected, name), getattr(got, name)):
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss_name"), PAIRINGS)
def test_workspace_gives_the_same_gradients_bit_for_bit(rng, hidden, output, loss_name):
    # the finite-difference tests check the allocating path; training uses the
    # workspace path, which must compute exactly the same numbers
    network, X, Y, loss = problem(rng, hidden, output, loss_name)
    expected = network.gradients(X, Y, loss)
    workspace = Workspace(network, capacity=16)
    for _ in range(2):  # a reused workspace keeps nothing from the last batch
        assert_same_gradients(
            expected, network.gradients(X, Y, loss, workspace=workspace)
        )
    assert workspace.dW[0] is network.gradients(X, Y, loss, workspace=workspace).dW[0]


def test_a_short_last_batch_uses_the_first_rows(rng):
    network, X, Y, loss = problem(rng, "relu", "softmax", "cross_entropy", n=5)
    expected = network.gradients(X, Y, loss)
    got = network.gradients(X, Y, loss, workspace=Workspace(network, capacity=64))
    assert_same_gradients(expected, got)
    assert got.delta[0].shape == (5, 9)


def test_workspace_refuses_a_batch_too_large_or_another_network(rng):
    network, X, Y, loss = problem(rng, "relu", "softmax", "cross_entropy", n=12)
    with pytest.raises(ConfigError, match="does not fit"):
        network.gradients(X, Y, loss, workspace=Workspace(network, capacity=8))
    other = Network.create([6, 5, 4])
    with pytest.raises(ConfigError, match="workspace made for"):
        other.gradients(X, Y, loss, workspace=Workspace(network, capacity=16))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_write_into_out_and_in_place(rng, name):
    f = make_activation(name, alpha=0.2)
    z = rng.normal(0, 3, size=(7, 5)).astype(np.float32)
    a = f.forward(z.copy())

    out = np.empty_like(z)
    assert f.forward(z, out=out) is out
    np.testing.assert_array_equal(out, a)
    in_place = z.copy()
    np.testing.assert_array_equal(f.forward(in_place, out=in_place), a)

    dC_da = rng.normal(size=z.shape).astype(np.float32)
    delta = f.backward(z, a, dC_da)
    out = np.empty_like(z)
    assert f.backward(z, a, dC_da, out=out) is out
    np.testing.assert_array_equal(out, delta)
    assert delta.dtype == np.float32


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_rectifier_derivatives_by_hand(name):
    f = make_activation(name, alpha=0.25)
    z = np.array([[-2.0, -0.0, 0.0, 3.0]], dtype=np.float32)
    slope = 0.25 if name == "leaky_relu" else 0.0
    expected = np.array([[slope, slope, slope, 1.0]], dtype=np.float32)
    np.testing.assert_array_equal(f.derivative(z, f.forward(z)), expected)
    np.testing.assert_array_equal(
        f.forward(z), np.array([[-2 * slope, 0, 0, 3]], dtype=np.float32)
    )


def test_one_hot_into_out():
    out = np.full((3, 4), 7.0, dtype=np.float32)
    Y = one_hot(np.array([2, 0, 3]), 4, out=out)
    assert Y is out
    np.testing.assert_array_equal(Y, np.eye(4, dtype=np.float32)[[2, 0, 3]])


# --- float32 end to end -----------------------------------------------------------


def blobs(rng, n=300, n_features=8, n_classes=3) -> Dataset:
    centres = rng.normal(0, 3, size=(n_classes, n_features))
    labels = rng.integers(0, n_classes, size=n)
    images = centres[labels] + rng.normal(0, 1, size=(n, n_features))
    return Dataset(
        name="blobs",
        train_images=images[:250].astype(np.float32),
        train_labels=labels[:250],
        test_images=images[250:].astype(np.float32),
        test_labels=labels[250:],
        class_names=("a", "b", "c"),
        image_shape=(1, n_features),
    )


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize(
    ("activation", "output", "loss"),
    [(h, "softmax", "cross_entropy") for h in HIDDEN]
    + [("relu", "sigmoid", "quadratic")],
)
def test_training_stays_float32_end_to_end(
    rng, monkeypatch, optimizer, activation, output, loss
):
    # record the dtype of every array training touches: the batch, z, a, the
    # gradients, the optimiser's state and the parameters
    import numeral.config as config_module

    seen = {}
    forward_pass, gradients = Network.forward_pass, Network.gradients
    optimizers = []
    make_optimizer = config_module.make_optimizer

    def record(name, arrays):
        seen.setdefault(name, set()).update(str(x.dtype) for x in arrays)

    def spy_forward_pass(self, X, *args, **kwargs):
        z, a = forward_pass(self, X, *args, **kwargs)
        record("z", z)
        record("a", a)
        return z, a

    def spy_gradients(self, X, Y, *args, **kwargs):
        record("X, Y", [X, Y])
        grads = gradients(self, X, Y, *args, **kwargs)
        record("dW, db, delta", grads.dW + grads.db + grads.delta)
        assert type(grads.loss) is float
        return grads

    def spy_make_optimizer(*args, **kwargs):
        optimizers.append(make_optimizer(*args, **kwargs))
        return optimizers[-1]

    monkeypatch.setattr(Network, "forward_pass", spy_forward_pass)
    monkeypatch.setattr(Network, "gradients", spy_gradients)
    monkeypatch.setattr(config_module, "make_optimizer", spy_make_optimizer)

    config = TrainConfig(
        hidden_sizes=(10, 6),
        activation=activation,
        output=output,
        loss=loss,
        optimizer=optimizer,
        learning_rate=0.01,
        batch_size=32,
        epochs=2,
        val_size=50,
    )
    result = train(config, blobs(rng))

    assert set(seen) == {"z", "a", "X, Y", "dW, db, delta"}
    for name, dtypes in seen.items():
        assert dtypes == {"float32"}, f"{name} were {dtypes}"
    params = result.network.W + result.network.b
    assert {str(p.dtype) for p in params} == {"float32"}
    # without a workspace nothing is cast back into float32 buffers, so an
    # upcast anywhere in the kernels would show in these arrays' dtypes
    data = blobs(rng)
    X, Y = data.train_images[:20], one_hot(data.train_labels[:20], 3)
    grads = gradients(result.network, X, Y, make_loss(loss))
    z, a = forward_pass(result.network, X)
    arrays = z + a + grads.dW + grads.db + grads.delta + [result.network.forward(X)]
    assert {str(x.dtype) for x in arrays} == {"float32"}

    # the last optimiser built is the one that trained (validation builds one too)
    state = [x for arrays in optimizers[-1].state.values() for x in arrays]
    if optimizer != "sgd":  # every other optimiser keeps state between steps
        assert state
    # floating state is float32; integer step counters (Adam's t) are allowed
    assert {str(x.dtype) for x in state if x.dtype.kind == "f"} <= {"float32"}
