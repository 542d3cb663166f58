"""Activation functions ``a = f(z)`` and how delta passes back through them.

Symbols follow the derivation: ``z`` is a layer's weighted input, ``a = f(z)`` its
output. Arrays hold one sample per row, so both have shape ``(batch, n)``.

Each activation provides

* ``forward(z) -> a``
* ``backward(z, a, dC_da) -> delta``, the gradient of the cost with respect to ``z``.

For element-wise functions ``backward`` is ``dC_da ⊙ f'(z)``, exactly the
derivation's ``delta = dC/da ⊙ f'(z)``. Softmax is not element-wise (each output
depends on every input), so it multiplies by its Jacobian instead; see
:class:`Softmax`.

Every method takes an optional ``out`` array of the result's shape and dtype. When
it is given the result is written there and ``out`` is returned, so the training
loop can reuse the same arrays batch after batch instead of allocating new ones.
``forward`` accepts ``out=z`` (the activation computed in place); ``backward``
needs ``out`` to be distinct from ``z``, ``a`` and ``dC_da``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "make_activation",
]


@dataclass(frozen=True)
class Activation:
    """Base class: an element-wise activation defined by ``f`` and ``f'``."""

    name = "activation"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``a = f(z)``, same shape and dtype as ``z``."""
        raise NotImplementedError

    def derivative(
        self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Return ``f'(z)``; ``a = f(z)`` is passed in because it is often cheaper."""
        raise NotImplementedError

    def backward(
        self,
        z: np.ndarray,
        a: np.ndarray,
        dC_da: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return ``delta = dC/da ⊙ f'(z)``, shape ``(batch, n)``."""
        delta = self.derivative(z, a, out=out)  # f'(z)
        delta *= dC_da  # dC/da ⊙ f'(z)
        return delta

    def to_dict(self) -> dict:
        """Describe this activation for a model file."""
        return {"name": self.name}


@dataclass(frozen=True)
class Sigmoid(Activation):
    """Logistic sigmoid ``f(z) = 1 / (1 + e^-z)``, with ``f'(z) = a (1 - a)``."""

    name = "sigmoid"

    def forward(self, z, out=None):
        # exp(-z) overflows for very negative z; clipping there changes nothing
        # in float32, where sigmoid(-88) is already 0.
        t = np.clip(z, -88.0, 88.0, out=out)
        np.negative(t, out=t)  # -z
        np.exp(t, out=t)  # e^-z
        t += 1.0  # 1 + e^-z
        return np.divide(1.0, t, out=t)  # 1 / (1 + e^-z)

    def derivative(self, z, a, out=None):
        d = np.subtract(1.0, a, out=out)  # 1 - a
        d *= a  # a (1 - a)
        return d


@dataclass(frozen=True)
class Tanh(Activation):
    """Hyperbolic tangent, with ``f'(z) = 1 - a²``."""

    name = "tanh"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, z, a, out=None):
        d = np.multiply(a, a, out=out)  # a²
        return np.subtract(1.0, d, out=d)  # 1 - a²


@dataclass(frozen=True)
class ReLU(Activation):
    """Rectified linear unit ``max(0, z)``; ``f'(0)`` is taken as 0."""

    name = "relu"

    def forward(self, z, out=None):
        return np.maximum(z, 0, out=out)

    def derivative(self, z, a, out=None):
        # the comparison written straight into a float array gives 1.0 or 0.0;
        # np.where would branch on every element, several times slower here
        if out is None:
            return (z > 0).astype(z.dtype)
        return np.greater(z, 0, out=out)


@dataclass(frozen=True)
class LeakyReLU(Activation):
    """Leaky ReLU: ``z`` where ``z > 0``, ``alpha z`` elsewhere."""

    alpha: float = 0.01
    name = "leaky_relu"

    def __post_init__(self):
        if not (0.0 <= self.alpha < 1.0):
            raise ConfigError(
                f"leaky ReLU slope alpha must be in [0, 1), got {self.alpha}"
            )

    def forward(self, z, out=None):
        # f(z) = max(z, α z): z where z > 0 and α z elsewhere, because 0 ≤ α < 1
        alpha = z.dtype.type(self.alpha)
        if out is None or np.may_share_memory(out, z):
            return np.maximum(z, z * alpha, out=out)
        np.multiply(z, alpha, out=out)  # α z
        return np.maximum(z, out, out=out)  # max(z, α z)

    def derivative(self, z, a, out=None):
        # f'(z) = max([z > 0], α): 1 where z > 0 and α elsewhere
        d = (z > 0).astype(z.dtype) if out is None else np.greater(z, 0, out=out)
        return np.maximum(d, z.dtype.type(self.alpha), out=d)

    def to_dict(self):
        return {"name": self.name, "alpha": float(self.alpha)}


@dataclass(frozen=True)
class Identity(Activation):
    """The identity ``f(z) = z``; useful for regression-style outputs and tests."""

    name = "identity"

    def forward(self, z, out=None):
        if out is None:
            return z
        np.copyto(out, z)
        return out

    def derivative(self, z, a, out=None):
        if out is None:
            return np.ones_like(z)
        out.fill(1)
        return out

    def backward(self, z, a, dC_da, out=None):
        if out is None:
            return dC_da
        np.copyto(out, dC_da)
        return out


@dataclass(frozen=True)
class Softmax(Activation):
    """Softmax over each row: ``a_i = e^{z_i} / Σ_k e^{z_k}``.

    Notes
    -----
    Subtracting each row's maximum before exponentiating leaves the result
    unchanged (it cancels between numerator and denominator) and keeps ``e^z``
    from overflowing.

    Its Jacobian is ``da_i/dz_j = a_i (δ_ij - a_j)``, so for any upstream gradient
    ``g = dC/da`` the delta is ``a ⊙ (g - Σ_j g_j a_j)``. Paired with
    cross-entropy this simplifies to ``a - y``, which :mod:`numeral.losses` uses
    directly.
    """

    name = "softmax"

    def forward(self, z, out=None):
        e = np.subtract(z, z.max(axis=1, keepdims=True), out=out)  # z - max z
        np.exp(e, out=e)
        e /= e.sum(axis=1, keepdims=True)
        return e

    def derivative(self, z, a, out=None):
        raise ConfigError("softmax has no element-wise derivative; use backward()")

    def backward(self, z, a, dC_da, out=None):
        # a ⊙ (g - Σ_j g_j a_j), with g = dC/da
        delta = np.subtract(dC_da, np.sum(dC_da * a, axis=1, keepdims=True), out=out)
        delta *= a
        return delta


ACTIVATIONS = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax)
}


def make_activation(name: str, alpha: float = 0.01) -> Activation:
    """Build an activation from its name (``"relu"``, ``"leaky_relu"``, ...).

    ``alpha`` is used only by leaky ReLU. ``"leaky-relu"`` is accepted as well.
    """
    key = name.replace("-", "_").lower()
    if key not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ConfigError(f"unknown activation {name!r}; choose one of: {known}")
    if key == LeakyReLU.name:
        return LeakyReLU(alpha=float(alpha))
    return ACTIVATIONS[key]()


def activation_from_dict(spec: dict) -> Activation:
    """Inverse of :meth:`Activation.to_dict`."""
    return make_activation(spec["name"], spec.get("alpha", 0.01))
