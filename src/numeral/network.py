"""The multi-layer perceptron: forward pass and backpropagation for a mini-batch.

Symbols, as in the derivation, for layer ``l = 1 .. L``:

``W[l]``  weights, shape ``(n_out, n_in)``: row ``j`` holds the weights into node ``j``
``b[l]``  biases, shape ``(n_out,)``
``z[l]``  weighted input ``W a[l-1] + b``
``a[l]``  activation ``f(z[l])``; ``a[0]`` is the input
``delta[l]``  ``dC/dz[l]``

The derivation works on one sample as a column vector. Here a mini-batch is a
matrix with one sample per *row*, so ``z = W a + b`` for every sample at once is
``Z = A Wᵀ + b`` with ``A`` of shape ``(batch, n_in)``, and the gradients

    dC/db = delta            ->  db = mean over rows of Delta
    dC/dW = delta aᵀ         ->  dW = Deltaᵀ A / batch
    delta[l-1] = (W[l]ᵀ delta[l]) ⊙ f'(z[l-1])  ->  (Delta W[l]) ⊙ f'(Z[l-1])

are matrix products over the whole batch, with no loop over samples.

In training, inverted dropout may multiply each layer's input by a mask ``m``
(see :mod:`numeral.regularization`): ``z = (a ⊙ m) Wᵀ + b``. Then ``dW`` uses the
masked input ``a ⊙ m``, and delta passes back through the mask,
``dC/da = (delta W) ⊙ m``. Without masks both are the plain equations above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .activations import Activation, Softmax, make_activation
from .errors import ConfigError
from .initializers import initialize
from .losses import Loss
from .workspace import Workspace

__all__ = ["Gradients", "Network"]

# dropout masks, one per weight layer's input; None leaves that input whole
Masks = Sequence[np.ndarray | None]


def _masked(a: np.ndarray, masks: Masks | None, i: int) -> np.ndarray:
    """``a ⊙ masks[i]``, or ``a`` itself where there is no mask."""
    if masks is None or masks[i] is None:
        return a
    return a * masks[i]


def _rows(workspace: Workspace | None, name: str, i: int, n: int) -> np.ndarray | None:
    """The first ``n`` rows of ``workspace.<name>[i]``, or None without a workspace."""
    return None if workspace is None else getattr(workspace, name)[i][:n]


@dataclass
class Gradients:
    """Batch-mean gradients of the cost, one entry per layer (input layer excluded).

    ``dW[l]`` has the shape of ``W[l]`` and ``db[l]`` that of ``b[l]``;
    ``delta[l]`` is kept, shape ``(batch, n_out)``, for inspection and tests.
    """

    loss: float
    dW: list[np.ndarray]
    db: list[np.ndarray]
    delta: list[np.ndarray]


class Network:
    """A fully connected feed-forward network.

    Parameters
    ----------
    weights, biases
        ``weights[i]`` has shape ``(sizes[i+1], sizes[i])`` and ``biases[i]`` shape
        ``(sizes[i+1],)``.
    hidden_activation
        Applied after every layer except the last.
    output_activation
        Applied after the last layer.
    """

    def __init__(
        self,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        hidden_activation: Activation,
        output_activation: Activation,
    ):
        if len(weights) == 0 or len(weights) != len(biases):
            raise ConfigError("a network needs one bias vector per weight matrix")
        for i, (W, b) in enumerate(zip(weights, biases)):
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise ConfigError(
                    f"layer {i + 1}: weights {W.shape} and biases {b.shape} "
                    "do not match; expected W (n_out, n_in) and b (n_out,)"
                )
            if i > 0 and W.shape[1] != weights[i - 1].shape[0]:
                raise ConfigError(
                    f"layer {i + 1}: takes {W.shape[1]} inputs but layer {i} "
                    f"has {weights[i - 1].shape[0]} outputs"
                )
        self.W = [np.asarray(W) for W in weights]
        self.b = [np.asarray(b) for b in biases]
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation

    @classmethod
    def create(
        cls,
        sizes: Sequence[int],
        hidden_activation: str = "relu",
        output_activation: str = "softmax",
        alpha: float = 0.01,
        init: str = "he",
        rng: np.random.Generator | None = None,
        dtype=np.float32,
    ) -> Network:
        """A new network with layer sizes ``sizes = [n_in, hidden..., n_out]``.

        Weights are drawn by ``init`` from ``rng``; biases start at zero.
        """
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ConfigError(
                f"layer sizes must be at least two positive integers, got {sizes}"
            )
        rng = rng if rng is not None else np.random.default_rng(0)
        weights = [
            initialize(init, n_in, n_out, rng, dtype)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])
        ]
        biases = [np.zeros(n_out, dtype=dtype) for n_out in sizes[1:]]
        return cls(
            weights,
            biases,
            make_activation(hidden_activation, alpha),
            make_activation(output_activation, alpha),
        )

    @property
    def sizes(self) -> list[int]:
        """Layer sizes ``[n_in, hidden..., n_out]``."""
        return [self.W[0].shape[1]] + [W.shape[0] for W in self.W]

    @property
    def dtype(self) -> np.dtype:
        return self.W[0].dtype

    @property
    def n_parameters(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.W, self.b))

    def activation(self, layer: int) -> Activation:
        """The activation of layer ``layer`` (0-based over the weight layers)."""
        if layer == len(self.W) - 1:
            return self.output_activation
        return self.hidden_activation

    def forward_pass(
        self,
        X: np.ndarray,
        masks: Masks | None = None,
        *,
        workspace: Workspace | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Run the batch ``X`` of shape ``(batch, n_in)`` through the network.

        Returns ``(z, a)``: ``z[i]`` for each weight layer and ``a`` with the input
        as ``a[0]``, so ``a[i + 1] = f(z[i])``; each of shape ``(batch, n)``.

        ``masks``, for training with dropout, holds one entry per weight layer:
        ``masks[i]`` multiplies that layer's input ``a[i]``, shape
        ``(batch, n_in)``, or is ``None`` to leave it whole. ``a`` keeps the
        unmasked activations.

        With a :class:`~numeral.workspace.Workspace` the arrays are the
        workspace's own, overwritten by its next use.
        """
        n = len(X)
        a = [X]
        z = []
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z_out, a_out = _rows(workspace, "z", i, n), _rows(workspace, "a", i, n)
            z_i = np.matmul(_masked(a[-1], masks, i), W.T, out=z_out)  # A Wᵀ
            z_i += b  # Z = A Wᵀ + b, the bias added to every row in place
            z.append(z_i)  # (batch, n_out)
            a.append(self.activation(i).forward(z_i, out=a_out))
        return z, a

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The output activations for ``X``: ``(batch, n_in) -> (batch, n_out)``."""
        a = X
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = a @ W.T  # (batch, n_out)
            z += b
            # nothing needs z afterwards, so a = f(z) overwrites it
            a = self.activation(i).forward(z, out=z)
        return a

    def backward(
        self,
        z: list[np.ndarray],
        a: list[np.ndarray],
        Y: np.ndarray,
        loss: Loss,
        masks: Masks | None = None,
        *,
        workspace: Workspace | None = None,
    ) -> Gradients:
        """Backpropagate a batch whose forward pass gave ``z`` and ``a``.

        ``Y`` holds the one-hot targets, shape ``(batch, n_out)``; ``masks`` must
        be the dropout masks the forward pass used, if any. With a
        :class:`~numeral.workspace.Workspace` the gradients are written into its
        arrays, overwritten by its next use.
        """
        L = len(self.W)
        n = a[0].shape[0]
        ws = workspace
        dW: list[np.ndarray] = [None] * L  # type: ignore[list-item]
        db: list[np.ndarray] = [None] * L  # type: ignore[list-item]
        deltas: list[np.ndarray] = [None] * L  # type: ignore[list-item]

        # output layer: delta_L = dC/da ⊙ f'(z_L), or a - y for softmax + CE
        delta = loss.output_delta(
            z[-1], a[-1], Y, self.output_activation, out=_rows(ws, "delta", L - 1, n)
        )

        for i in range(L - 1, -1, -1):
            # dC/dW = delta aᵀ and dC/db = delta, averaged over the batch
            deltas[i] = delta
            a_in = _masked(a[i], masks, i)  # (batch, n_in)
            dW[i] = np.matmul(delta.T, a_in, out=None if ws is None else ws.dW[i])
            dW[i] /= n  # (n_out, n_in)
            db[i] = np.mean(delta, axis=0, out=None if ws is None else ws.db[i])

            # delta_(l-1) = (W_lᵀ delta_l) ⊙ f'(z_(l-1))
            if i > 0:
                dC_da = np.matmul(delta, self.W[i], out=_rows(ws, "dC_da", i - 1, n))
                if masks is not None and masks[i] is not None:
                    dC_da *= masks[i]  # back through z = (a ⊙ m) Wᵀ + b
                delta = self.activation(i - 1).backward(
                    z[i - 1], a[i], dC_da, out=_rows(ws, "delta", i - 1, n)
                )  # (batch, n_in)

        return Gradients(loss.value(a[-1], Y), dW, db, deltas)

    def gradients(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        loss: Loss,
        masks: Masks | None = None,
        *,
        workspace: Workspace | None = None,
    ) -> Gradients:
        """Forward pass and backpropagation for the batch ``(X, Y)``.

        ``masks`` are optional dropout masks, as for :meth:`forward_pass`. A
        :class:`~numeral.workspace.Workspace` lets repeated calls reuse the same
        arrays; the returned gradients are then overwritten by the next call.
        """
        if workspace is not None:
            workspace.check(self, len(X))
        z, a = self.forward_pass(X, masks, workspace=workspace)
        return self.backward(z, a, Y, loss, masks, workspace=workspace)

    def predict_proba(self, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """Output activations for ``X`` of shape ``(n, n_in)``, in batches.

        With a softmax output the rows are class probabilities. With a sigmoid
        output each unit is an independent score; the rows are rescaled to sum
        to one so that they read as probabilities too.
        """
        X = np.asarray(X, dtype=self.dtype)
        out = np.empty((len(X), self.sizes[-1]), dtype=self.dtype)  # (n, n_out)
        for i in range(0, len(X), batch_size):
            out[i : i + batch_size] = self.forward(X[i : i + batch_size])

        if not isinstance(self.output_activation, Softmax):
            total = out.sum(axis=1, keepdims=True)
            out = np.divide(
                out, total, out=np.full_like(out, 1 / out.shape[1]), where=total > 0
            )
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The index of the largest output for each row of ``X``: shape ``(n,)``."""
        return np.argmax(self.predict_proba(X), axis=1)

    def copy(self) -> Network:
        """A deep copy of the parameters (activations are immutable)."""
        return Network(
            [W.copy() for W in self.W],
            [b.copy() for b in self.b],
            self.hidden_activation,
            self.output_activation,
        )

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in self.sizes)
        return (
            f"Network({sizes}, hidden={self.hidden_activation.name}, "
            f"output={self.output_activation.name})"
        )
