"""Optimisers: how a gradient ``g`` becomes a change of the parameters ``θ``.

An optimiser updates a list of parameter arrays in place, given the list of their
batch-mean gradients in the same order. ``learning_rate`` (``η``) is a plain
attribute so that a schedule can change it between steps. State that persists
between steps (a velocity, say) lives in ``self.state`` as arrays, one per
parameter, so that a checkpoint can save and restore it.

Steps run once per mini-batch, so they work in place: ``η g`` is formed in a
scratch array kept between steps (not state: it holds nothing that carries
over) rather than in a new array each time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ConfigError

__all__ = ["OPTIMIZERS", "SGD", "Momentum", "Optimizer", "make_optimizer"]


class Optimizer:
    """Base class. Subclasses implement :meth:`step`."""

    name = "optimizer"

    def __init__(self, learning_rate: float):
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ConfigError(
                f"learning rate must be a positive number, got {learning_rate}"
            )
        self.learning_rate = float(learning_rate)
        self.state: dict[str, list[np.ndarray]] = {}
        self._scratch: list[np.ndarray] = []

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every ``params[i]`` in place from ``grads[i]``."""
        raise NotImplementedError

    def _slots(self, key: str, params: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Zero-initialised state arrays shaped like ``params``, made on first use."""
        if key not in self.state:
            self.state[key] = [np.zeros_like(p) for p in params]
        return self.state[key]

    def _scaled(self, params, grads, factor: float) -> list[np.ndarray]:
        """``factor * grads[i]`` for each ``i``, in scratch arrays reused each step."""
        shapes = [(p.shape, p.dtype) for p in params]
        if [(s.shape, s.dtype) for s in self._scratch] != shapes:
            self._scratch = [np.empty_like(p) for p in params]
        return [
            np.multiply(g, p.dtype.type(factor), out=s)
            for p, g, s in zip(params, grads, self._scratch)
        ]


class SGD(Optimizer):
    """Plain stochastic gradient descent: ``θ ← θ - η g``."""

    name = "sgd"

    def step(self, params, grads):
        for p, eta_g in zip(params, self._scaled(params, grads, self.learning_rate)):
            p -= eta_g


class Momentum(Optimizer):
    """Classical momentum: ``v ← μ v + η g``, then ``θ ← θ - v``."""

    name = "momentum"

    def __init__(self, learning_rate: float, momentum: float = 0.9):
        super().__init__(learning_rate)
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)

    def step(self, params, grads):
        velocity = self._slots("velocity", params)
        eta_grads = self._scaled(params, grads, self.learning_rate)
        for p, eta_g, v in zip(params, eta_grads, velocity):
            v *= p.dtype.type(self.momentum)  # μ v
            v += eta_g  # μ v + η g
            p -= v


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum)}


def make_optimizer(name: str, learning_rate: float, **options) -> Optimizer:
    """Build an optimiser by name; ``options`` are passed on where they apply."""
    key = name.lower()
    if key not in OPTIMIZERS:
        known = ", ".join(sorted(OPTIMIZERS))
        raise ConfigError(f"unknown optimiser {name!r}; choose one of: {known}")
    cls = OPTIMIZERS[key]
    if cls is Momentum:
        return Momentum(learning_rate, momentum=options.get("momentum", 0.9))
    return cls(learning_rate)
