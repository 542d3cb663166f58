"""Initial weights for a layer with ``W`` of shape ``(n_out, n_in)``.

Biases always start at zero; only the weights are drawn. Every initialiser takes
the :class:`numpy.random.Generator` to draw from, so one seed fixes them all.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

__all__ = ["INITIALIZERS", "initialize"]


def he(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """He (Kaiming) normal: ``N(0, 2 / n_in)``, suited to ReLU-like layers."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


def xavier(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Xavier/Glorot uniform on ``±sqrt(6 / (n_in + n_out))``, for sigmoid and tanh."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in))


def uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform on ``[-1, 1]``, as the original program did."""
    return rng.uniform(-1.0, 1.0, size=(n_out, n_in))


INITIALIZERS = {"he": he, "xavier": xavier, "uniform": uniform}


def initialize(
    name: str, n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float32
) -> np.ndarray:
    """Draw ``W`` of shape ``(n_out, n_in)`` with the named initialiser."""
    key = name.lower().replace("glorot", "xavier")
    if key not in INITIALIZERS:
        known = ", ".join(sorted(INITIALIZERS))
        raise ConfigError(f"unknown initialiser {name!r}; choose one of: {known}")
    return INITIALIZERS[key](n_in, n_out, rng).astype(dtype)
