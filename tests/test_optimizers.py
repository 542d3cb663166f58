"""Optimisers against closed forms and independent reference implementations."""

from __future__ import annotations

import numpy as np
import pytest

from numeral.errors import ConfigError
from numeral.optimizers import (
    SGD,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    make_optimizer,
)


def quadratic(rng, n=5):
    """A convex quadratic C(θ) = ½ θᵀ A θ - bᵀ θ with its minimiser A⁻¹ b."""
    M = rng.normal(size=(n, n))
    A = M @ M.T / n + np.eye(n)
    b = rng.normal(size=n)
    return A, b, np.linalg.solve(A, b)


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(0.1),
        Momentum(0.05, 0.9),
        Nesterov(0.05, 0.9),
        Adam(0.05),
        AdamW(0.05),
    ],
    ids=lambda o: o.name,
)
def test_each_optimizer_finds_the_minimum_of_a_quadratic(optimizer, rng):
    A, b, solution = quadratic(rng)
    theta = np.zeros(5)
    for step in range(3000):
        if isinstance(optimizer, Adam):  # Adam needs a shrinking step to settle
            optimizer.learning_rate = 0.05 / np.sqrt(1 + step)
        optimizer.step([theta], [A @ theta - b])
    np.testing.assert_allclose(theta, solution, atol=1e-4)


def test_sgd_and_momentum_follow_their_closed_forms_under_a_constant_gradient():
    g = np.array([1.0, -2.0, 0.5])
    eta, mu, t = 0.1, 0.9, 7

    theta = np.zeros(3)
    sgd = SGD(eta)
    for _ in range(t):
        sgd.step([theta], [g])
    np.testing.assert_allclose(theta, -t * eta * g)

    # v_k = η g (1 - μ^k) / (1 - μ), and θ_t = -Σ_k v_k
    theta = np.zeros(3)
    momentum = Momentum(eta, mu)
    for _ in range(t):
        momentum.step([theta], [g])
    total = sum((1 - mu**k) / (1 - mu) for k in range(1, t + 1))
    np.testing.assert_allclose(theta, -eta * total * g)


def test_nesterov_matches_the_look_ahead_form(rng):
    """θ in numeral's form is the look-ahead point φ - μ v of the classical form."""
    A, b, _ = quadratic(rng)
    eta, mu = 0.05, 0.9
    phi, v = rng.normal(size=5), np.zeros(5)
    theta = phi.copy()  # v = 0, so θ = φ at the start
    nesterov = Nesterov(eta, mu)
    for _ in range(25):
        # classical: gradient at the look-ahead point
        v = mu * v + eta * (A @ (phi - mu * v) - b)
        phi = phi - v
        nesterov.step([theta], [A @ theta - b])
        np.testing.assert_allclose(theta, phi - mu * v, rtol=1e-12, atol=1e-12)


def test_adam_matches_the_textbook_update(rng):
    beta1, beta2, eps, eta = 0.9, 0.999, 1e-8, 0.01
    theta = rng.normal(size=(3, 4))
    reference = theta.copy()
    m, s = np.zeros_like(theta), np.zeros_like(theta)
    adam = Adam(eta, beta1, beta2, eps)
    for t in range(1, 30):
        g = rng.normal(size=theta.shape)
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g**2
        m_hat, s_hat = m / (1 - beta1**t), s / (1 - beta2**t)
        reference = reference - eta * m_hat / (np.sqrt(s_hat) + eps)
        adam.step([theta], [g])
        np.testing.assert_allclose(theta, reference, rtol=1e-10, atol=1e-12)


def test_adam_moves_each_parameter_by_eta_under_a_constant_gradient():
    # m̂ = g and ŝ = g² at every step, so each step is η g / |g|
    g = np.array([3.0, -0.002, 40.0])
    theta = np.zeros(3)
    adam = Adam(0.01, eps=1e-12)
    for _ in range(10):
        adam.step([theta], [g])
    np.testing.assert_allclose(theta, -10 * 0.01 * np.sign(g), rtol=1e-6)


def test_adamw_decays_weights_geometrically_and_leaves_biases():
    W, b = np.ones((2, 3)), np.ones(2)
    eta, lam, t = 0.1, 0.5, 6
    adamw = AdamW(eta, weight_decay=lam)
    for _ in range(t):
        adamw.step([W, b], [np.zeros_like(W), np.zeros_like(b)])
    np.testing.assert_allclose(W, (1 - eta * lam) ** t)
    np.testing.assert_array_equal(b, 1.0)


def test_adamw_decay_is_decoupled_from_the_gradient_scale(rng):
    """Adam+L2 shrinks big-gradient weights less; AdamW's shrink ignores gradients."""
    g = np.array([[1e3, 1e-3]])
    decoupled, coupled = np.ones((1, 2)), np.ones((1, 2))
    AdamW(0.01, weight_decay=0.1).step([decoupled], [g])
    Adam(0.01, weight_decay=0.1).step([coupled], [g])
    step_without_decay = 0.01 * np.sign(g)
    np.testing.assert_allclose(
        decoupled, (1 - 0.01 * 0.1) * 1.0 - step_without_decay, rtol=1e-6
    )
    assert not np.allclose(coupled, decoupled)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_l2_weight_decay_is_the_gradient_of_the_penalty(name, rng):
    """With decay λ a step equals a step on the gradient g + λ W (biases exempt)."""
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    gW, gb = rng.normal(size=W.shape), rng.normal(size=b.shape)
    decayed = make_optimizer(name, 0.1, weight_decay=0.01)
    plain = make_optimizer(name, 0.1)
    W1, b1, W2, b2 = W.copy(), b.copy(), W.copy(), b.copy()
    for _ in range(3):
        decayed.step([W1, b1], [gW, gb])
        plain.step([W2, b2], [gW + 0.01 * W2, gb])
    np.testing.assert_allclose(W1, W2, rtol=1e-12)
    np.testing.assert_allclose(b1, b2, rtol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "adamw"])
def test_float32_parameters_stay_float32(name, rng):
    W = rng.normal(size=(4, 3)).astype(np.float32)
    state_before = W.dtype
    optimizer = make_optimizer(name, 0.01, weight_decay=0.001)
    for _ in range(3):
        optimizer.step([W], [rng.normal(size=W.shape).astype(np.float32)])
    assert W.dtype == state_before
    for arrays in optimizer.state.values():
        for array in arrays:
            assert array.dtype in (np.float32, np.int64)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "adam", "adamw"])
def test_state_round_trip_continues_identically(name, rng):
    params = [rng.normal(size=(3, 2)), rng.normal(size=3)]
    grads = [[rng.normal(size=p.shape) for p in params] for _ in range(6)]
    a = make_optimizer(name, 0.01, weight_decay=0.01)
    pa = [p.copy() for p in params]
    for g in grads:
        a.step(pa, g)

    b = make_optimizer(name, 0.01, weight_decay=0.01)
    pb = [p.copy() for p in params]
    for g in grads[:3]:
        b.step(pb, g)
    saved = {k: v.copy() for k, v in b.state_arrays().items()}
    c = make_optimizer(name, 0.01, weight_decay=0.01)
    c.load_state_arrays(saved)
    for g in grads[3:]:
        c.step(pb, g)
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: SGD(-1), "learning rate"),
        (lambda: SGD(0.1, weight_decay=-0.1), "weight decay"),
        (lambda: Nesterov(0.1, momentum=1.0), "momentum"),
        (lambda: Adam(0.1, beta1=1.0), "beta1"),
        (lambda: Adam(0.1, beta2=-0.5), "beta2"),
        (lambda: make_optimizer("rmsprop", 0.1), "unknown optimiser"),
    ],
)
def test_bad_settings_are_refused(build, message):
    with pytest.raises(ConfigError, match=message):
        build()
