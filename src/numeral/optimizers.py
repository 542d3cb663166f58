"""Optimisers: how a gradient ``g`` becomes a change of the parameters ``θ``.

An optimiser updates a list of parameter arrays in place, given the list of their
batch-mean gradients in the same order. ``learning_rate`` (``η``) is a plain
attribute so that a schedule can change it between steps. State that persists
between steps (a velocity, moment estimates, the step count) lives in
``self.state`` as arrays, one per parameter, so that a checkpoint can save and
restore it with :meth:`Optimizer.state_arrays` and
:meth:`Optimizer.load_state_arrays`.

Weight decay ``λ`` shrinks the weight matrices towards zero; it applies to every
parameter of two or more dimensions and never to the bias vectors. All optimisers
but AdamW add it to the gradient, ``g ← g + λ θ``, which is the gradient of an L2
penalty ``(λ/2) ||W||²`` on the cost. AdamW instead decouples it from the
adaptive step: ``θ ← θ - η λ θ``, so a weight's decay does not depend on the size
of its gradients.

Arithmetic stays in the parameters' dtype: scalars are cast to it first, so
float32 parameters are never promoted to float64. Steps run once per mini-batch,
so they work in place: ``η g`` is formed in a scratch array kept between steps
(not state: it holds nothing that carries over) rather than in a new array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ConfigError

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "AdamW",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "make_optimizer",
]


class Optimizer:
    """Base class. Subclasses implement :meth:`_update`.

    Parameters
    ----------
    learning_rate
        The step size ``η``, positive.
    weight_decay
        ``λ``, zero or more; applied to parameters with ``ndim >= 2`` only.
    """

    name = "optimizer"

    def __init__(self, learning_rate: float, weight_decay: float = 0.0):
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ConfigError(
                f"learning rate must be a positive number, got {learning_rate}"
            )
        if not np.isfinite(weight_decay) or weight_decay < 0:
            raise ConfigError(f"weight decay must be 0 or more, got {weight_decay}")
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.state: dict[str, list[np.ndarray]] = {}
        self._scratch: list[np.ndarray] = []

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every ``params[i]`` in place from ``grads[i]`` (same shapes)."""
        if self.weight_decay and self._l2_in_gradient:
            grads = [self._with_l2(p, g) for p, g in zip(params, grads)]
        self._update(params, grads)

    # AdamW overrides this to decay the weights outside the gradient
    _l2_in_gradient = True

    def _update(self, params, grads) -> None:
        raise NotImplementedError

    def _with_l2(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        """``g + λ θ`` for a weight matrix; ``g`` itself for a bias vector."""
        if p.ndim < 2:
            return g
        return g + p.dtype.type(self.weight_decay) * p

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

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The state as flat named arrays, ``"velocity.0"`` and so on, for saving."""
        return {
            f"{key}.{i}": array
            for key, arrays in self.state.items()
            for i, array in enumerate(arrays)
        }

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore the state saved by :meth:`state_arrays` (copies the arrays)."""
        state: dict[str, list[np.ndarray]] = {}
        for name in sorted(arrays, key=lambda n: (n.rsplit(".", 1)[0], _index(n))):
            key = name.rsplit(".", 1)[0]
            state.setdefault(key, []).append(np.array(arrays[name]))
        self.state = state


def _index(name: str) -> int:
    """The position in ``"velocity.12"``: 12."""
    suffix = name.rsplit(".", 1)[-1]
    if not suffix.isdigit():
        raise ConfigError(f"optimiser state entry {name!r} has no index")
    return int(suffix)


class SGD(Optimizer):
    """Plain stochastic gradient descent: ``θ ← θ - η g``."""

    name = "sgd"

    def _update(self, params, grads):
        for p, eta_g in zip(params, self._scaled(params, grads, self.learning_rate)):
            p -= eta_g


class Momentum(Optimizer):
    """Classical momentum: ``v ← μ v + η g``, then ``θ ← θ - v``."""

    name = "momentum"

    def __init__(
        self, learning_rate: float, momentum: float = 0.9, weight_decay: float = 0.0
    ):
        super().__init__(learning_rate, weight_decay)
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)

    def _update(self, params, grads):
        velocity = self._slots("velocity", params)
        eta_grads = self._scaled(params, grads, self.learning_rate)
        for p, eta_g, v in zip(params, eta_grads, velocity):
            v *= p.dtype.type(self.momentum)  # μ v
            v += eta_g  # μ v + η g
            p -= v


class Nesterov(Momentum):
    """Nesterov momentum: ``v ← μ v + η g``, then ``θ ← θ - (μ v + η g)``.

    Notes
    -----
    Nesterov's method takes the gradient at the look-ahead point ``φ - μ v``:
    ``v ← μ v + η ∇C(φ - μ v)``, ``φ ← φ - v``. Writing ``θ = φ - μ v`` for the
    look-ahead point itself turns this into the update above, which needs only
    the gradient at the parameters the network holds.
    """

    name = "nesterov"

    def _update(self, params, grads):
        velocity = self._slots("velocity", params)
        eta_grads = self._scaled(params, grads, self.learning_rate)
        for p, eta_g, v in zip(params, eta_grads, velocity):
            mu = p.dtype.type(self.momentum)
            v *= mu
            v += eta_g  # v = μ v + η g
            p -= eta_g  # θ - η g
            np.multiply(v, mu, out=eta_g)  # the scratch array now holds μ v
            p -= eta_g  # θ - (μ v + η g)


class Adam(Optimizer):
    """Adam: a step scaled per parameter by running moments of the gradient.

    With ``t`` the step count, ``m ← β1 m + (1 - β1) g`` and
    ``s ← β2 s + (1 - β2) g²`` estimate the gradient's first and second moments;
    dividing by ``1 - β^t`` removes their bias towards the zero start, and

        θ ← θ - η m̂ / (√ŝ + ε),   m̂ = m / (1 - β1^t),   ŝ = s / (1 - β2^t).

    Each step therefore moves a parameter by about ``η`` at most, whatever the
    scale of its gradient.
    """

    name = "adam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(learning_rate, weight_decay)
        for label, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ConfigError(f"Adam's {label} must be in [0, 1), got {beta}")
        if not eps > 0:
            raise ConfigError(f"Adam's eps must be positive, got {eps}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, params, grads):
        m = self._slots("m", params)
        s = self._slots("s", params)
        count = self.state.setdefault("t", [np.zeros((), dtype=np.int64)])[0]
        count += 1
        t = int(count)

        # bias corrections, folded into one step size per update
        eta_t = self.learning_rate * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        eps_t = self.eps * np.sqrt(1 - self.beta2**t)
        for p, g, m_i, s_i in zip(params, grads, m, s):
            one = p.dtype.type(1)
            beta1, beta2 = p.dtype.type(self.beta1), p.dtype.type(self.beta2)
            m_i *= beta1
            m_i += (one - beta1) * g
            s_i *= beta2
            s_i += (one - beta2) * np.square(g)
            p -= p.dtype.type(eta_t) * m_i / (np.sqrt(s_i) + p.dtype.type(eps_t))


class AdamW(Adam):
    """Adam with decoupled weight decay: ``θ ← θ - η λ θ`` besides the Adam step.

    The decay uses the current (scheduled) learning rate, so it follows the
    schedule, and it is applied before the Adam step, to weight matrices only.
    """

    name = "adamw"
    _l2_in_gradient = False

    def _update(self, params, grads):
        if self.weight_decay:
            for p in params:
                if p.ndim >= 2:
                    p *= p.dtype.type(1 - self.learning_rate * self.weight_decay)
        super()._update(params, grads)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, Adam, AdamW)}


def make_optimizer(
    name: str,
    learning_rate: float,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    weight_decay: float = 0.0,
) -> Optimizer:
    """Build an optimiser by name; each takes the options that apply to it."""
    key = name.lower()
    if key not in OPTIMIZERS:
        known = ", ".join(sorted(OPTIMIZERS))
        raise ConfigError(f"unknown optimiser {name!r}; choose one of: {known}")
    cls = OPTIMIZERS[key]
    if issubclass(cls, Momentum):
        return cls(learning_rate, momentum=momentum, weight_decay=weight_decay)
    if issubclass(cls, Adam):
        return cls(learning_rate, beta1, beta2, weight_decay=weight_decay)
    return cls(learning_rate, weight_decay=weight_decay)
