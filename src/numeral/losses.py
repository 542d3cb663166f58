"""Cost functions ``C(a, y)`` and the output layer's delta.

``a`` is the output layer's activation and ``y`` the one-hot target, both of shape
``(batch, n_out)``. Each loss gives

* ``value(a, y)``: the cost of each sample summed over outputs, averaged over the
  batch (a Python float);
* ``gradient(a, y)``: ``dC/da`` for each sample, shape ``(batch, n_out)``;
* ``output_delta(z, a, y, activation, out=None)``: ``delta_L = dC/da ⊙ f'(z_L)``,
  or the fused form where one exists, written into ``out`` when it is given.

Per-sample gradients are returned here; the network divides by the batch size
when it forms ``dW`` and ``db``, so batch gradients are means over the batch.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation, Sigmoid, Softmax
from .errors import ConfigError

__all__ = ["LOSSES", "CrossEntropy", "Loss", "Quadratic", "make_loss"]


class Loss:
    """Base class of the cost functions."""

    name = "loss"

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        """Mean over the batch of the per-sample cost."""
        raise NotImplementedError

    def gradient(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``dC/da`` per sample, shape ``(batch, n_out)``."""
        raise NotImplementedError

    def output_delta(
        self,
        z: np.ndarray,
        a: np.ndarray,
        y: np.ndarray,
        activation: Activation,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """``delta_L = dC/da ⊙ f'(z_L)``, shape ``(batch, n_out)``."""
        return activation.backward(z, a, self.gradient(a, y), out=out)


class Quadratic(Loss):
    """``C = Σ_i (a_i - y_i)²``, with no factor 1/2, so ``dC/da = 2 (a - y)``."""

    name = "quadratic"

    def value(self, a, y):
        return float(np.mean(np.sum(np.square(a - y), axis=1)))

    def gradient(self, a, y):
        return 2.0 * (a - y)


class CrossEntropy(Loss):
    """Categorical cross-entropy ``C = -Σ_i y_i ln a_i``.

    Notes
    -----
    ``a`` is clipped to ``[eps, 1]`` (the dtype's machine epsilon) before the
    logarithm, so a confident wrong answer costs a large finite amount rather
    than ``inf``.

    With a softmax output, ``dC/dz_j = Σ_i (-y_i / a_i) a_i (δ_ij - a_j)
    = a_j Σ_i y_i - y_j = a_j - y_j`` because the targets sum to one. That
    fused ``delta = a - y`` is both cheaper and exact where ``a`` underflows;
    every other output activation goes through ``dC/da ⊙ f'(z)``.
    """

    name = "cross_entropy"

    def value(self, a, y):
        eps = np.finfo(a.dtype).eps if a.dtype.kind == "f" else 1e-12
        return float(-np.mean(np.sum(y * np.log(np.clip(a, eps, 1.0)), axis=1)))

    def gradient(self, a, y):
        eps = np.finfo(a.dtype).eps
        return -y / np.clip(a, eps, None)

    def output_delta(self, z, a, y, activation, out=None):
        if isinstance(activation, Softmax):
            return np.subtract(a, y, out=out)  # a - y
        return activation.backward(z, a, self.gradient(a, y), out=out)


LOSSES = {cls.name: cls for cls in (Quadratic, CrossEntropy)}


def make_loss(name: str) -> Loss:
    """Build a loss from its name: ``"quadratic"`` or ``"cross_entropy"``."""
    key = name.replace("-", "_").lower()
    if key not in LOSSES:
        known = ", ".join(sorted(LOSSES))
        raise ConfigError(f"unknown loss {name!r}; choose one of: {known}")
    return LOSSES[key]()


# the output activation each loss is normally paired with
DEFAULT_OUTPUT = {Quadratic.name: Sigmoid.name, CrossEntropy.name: Softmax.name}
