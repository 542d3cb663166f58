"""Regularisation applied during training: dropout masks and the max-norm limit.

Inverted dropout zeroes each input of a layer with probability ``p`` and scales
the survivors by ``1 / (1 - p)``, so the expected input is unchanged and the
network needs no rescaling at evaluation, where dropout is simply left out. A
mask ``m`` multiplies a layer's input ``a`` before the weights see it,
``z = (a ⊙ m) Wᵀ + b``; :meth:`numeral.network.Network.forward_pass` and
:meth:`~numeral.network.Network.backward` take the masks.

The max-norm constraint keeps the weights into each unit (row ``j`` of ``W``)
inside a ball of radius ``c``: after each update a row longer than ``c`` is
scaled back onto the ball.

L2 weight decay lives in :mod:`numeral.optimizers`, beside the update it joins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["clip_incoming_norms", "dropout_masks"]


def dropout_masks(
    rates: Sequence[float],
    sizes: Sequence[int],
    batch: int,
    rng: np.random.Generator,
    dtype=np.float32,
) -> list[np.ndarray | None]:
    """Draw one inverted-dropout mask per layer input.

    Parameters
    ----------
    rates
        ``rates[i]`` is the probability of dropping each input of weight layer
        ``i``: ``rates[0]`` for the image, ``rates[1]`` for the first hidden
        layer's output, and so on.
    sizes
        The width of each of those inputs, ``sizes[i]``.
    batch
        Rows in the mini-batch.

    Returns
    -------
    list
        ``masks[i]`` of shape ``(batch, sizes[i])`` holding 0 or ``1 / (1 - p)``,
        or ``None`` where the rate is 0 (no random numbers are drawn for it).
    """
    scalar = np.dtype(dtype).type
    masks: list[np.ndarray | None] = []
    for p, n in zip(rates, sizes):
        if p == 0:
            masks.append(None)
            continue
        keep = rng.random((batch, n), dtype=dtype) >= scalar(p)  # (batch, n)
        masks.append(keep * scalar(1 / (1 - p)))
    return masks


def clip_incoming_norms(weights: Sequence[np.ndarray], max_norm: float) -> None:
    """Scale, in place, every row of each ``W`` whose L2 norm exceeds ``max_norm``."""
    for W in weights:
        norms = np.sqrt(np.einsum("ij,ij->i", W, W))  # (n_out,)
        factor = np.minimum(1, W.dtype.type(max_norm) / np.maximum(norms, 1e-12))
        W *= factor.astype(W.dtype, copy=False)[:, None]
