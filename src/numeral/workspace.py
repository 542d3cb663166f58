"""Preallocated arrays for training a network on mini-batches.

Training repeats the same forward and backward pass thousands of times on batches
of one size. Allocating fresh arrays for ``z``, ``a``, ``delta``, ``dW`` and ``db``
at every batch costs more than it seems (new memory must be faulted in before it
is written), so the training loop allocates them once, in a :class:`Workspace`,
and every batch writes into the same arrays with NumPy's ``out=`` arguments.

A batch smaller than the workspace's capacity (the last batch of an epoch) uses
the first rows of each array, a contiguous view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .network import Network

__all__ = ["Workspace"]


class Workspace:
    """Arrays for the forward and backward pass of batches of up to ``capacity`` rows.

    For a network with layer sizes ``[n_0, ..., n_L]`` and weight layers
    ``i = 0 .. L-1`` (``n_i`` inputs, ``n_(i+1)`` outputs):

    ``X``  ``(capacity, n_0)``, the gathered input batch
    ``Y``  ``(capacity, n_L)``, its one-hot targets
    ``z[i]``, ``a[i]``, ``delta[i]``, ``dC_da[i]``  ``(capacity, n_(i+1))``
    ``dW[i]``, ``db[i]``  shaped like the network's ``W[i]`` and ``b[i]``

    All have the network's dtype. Arrays returned by a pass that used a workspace
    are overwritten by the next pass that uses it.
    """

    def __init__(self, network: Network, capacity: int):
        if capacity < 1:
            raise ConfigError(
                f"a workspace needs room for 1 row or more, got {capacity}"
            )
        sizes, dtype = network.sizes, network.dtype
        self.capacity = int(capacity)
        self.dtype = dtype
        self.sizes = sizes

        def rows(n: int) -> np.ndarray:
            return np.empty((self.capacity, n), dtype=dtype)

        self.X = rows(sizes[0])
        self.Y = rows(sizes[-1])
        self.z = [rows(n) for n in sizes[1:]]
        self.a = [rows(n) for n in sizes[1:]]
        self.delta = [rows(n) for n in sizes[1:]]
        self.dC_da = [rows(n) for n in sizes[1:]]
        self.dW = [np.empty_like(W) for W in network.W]
        self.db = [np.empty_like(b) for b in network.b]

    def check(self, network: Network, n: int) -> None:
        """Raise :class:`ConfigError` unless ``n`` rows of ``network`` fit here."""
        if network.sizes != self.sizes or network.dtype != self.dtype:
            raise ConfigError(
                f"workspace made for a {self.sizes} {self.dtype} network, "
                f"used with a {network.sizes} {network.dtype} one"
            )
        if n > self.capacity:
            raise ConfigError(
                f"batch of {n} rows does not fit a workspace of {self.capacity}"
            )
