"""Checkpoints: everything a training run needs to continue exactly where it was.

:func:`numeral.training.train` writes a checkpoint after every complete epoch
when its configuration names a checkpoint file, and continues from one when
given ``resume=``. Resuming gives the same weights, bit for bit, as a run that
was never interrupted: the checkpoint holds the network, the optimiser's state,
the random generator's state, the epoch (the schedule's position follows from
it), the history so far and the early-stopping state.

A checkpoint is also a valid model file (see :mod:`numeral.modelfile`): the
arrays ``W1, b1, ...`` and the model description are the same, so
``numeral evaluate`` reads it as the model of the last completed epoch. The
extra entries are

``best.W1, best.b1, ...``   the weights of the best epoch so far, when early
                            stopping keeps them
``optimizer.<key>.<i>``     the optimiser's state arrays
``metadata["checkpoint"]``  JSON: format version, configuration, epoch, history,
                            generator state, best epoch, seconds, stop reason

Like model files, a checkpoint is read with ``allow_pickle=False`` and written to
a temporary name that is renamed into place, so an interruption while writing
leaves the previous checkpoint whole.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ModelFileError
from .modelfile import FORMAT, FORMAT_VERSION, describe, load_model, write_arrays
from .network import Network

__all__ = ["CHECKPOINT_VERSION", "Checkpoint", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_VERSION = 1


@dataclass
class Checkpoint:
    """The state of a training run at the end of epoch ``epoch``.

    ``config`` and ``history`` are stored as plain dicts (``TrainConfig.to_dict``
    and one dict per epoch record); ``rng_state`` is the generator's
    ``bit_generator.state``; ``model_metadata`` holds the data set's description
    (name, class names, image shape) that makes the file a model file too.
    """

    config: dict
    epoch: int
    network: Network
    optimizer_state: dict[str, np.ndarray]
    rng_state: dict
    history: list[dict]
    best_epoch: int | None = None
    best_network: Network | None = None
    seconds: float = 0.0
    stop_reason: str | None = None
    model_metadata: dict = field(default_factory=dict)


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` atomically and return the path."""
    path = Path(path)
    state = {
        "version": CHECKPOINT_VERSION,
        "config": checkpoint.config,
        "epoch": checkpoint.epoch,
        "rng_state": checkpoint.rng_state,
        "history": checkpoint.history,
        "best_epoch": checkpoint.best_epoch,
        "seconds": checkpoint.seconds,
        "stop_reason": checkpoint.stop_reason,
    }
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION}
    metadata.update(checkpoint.model_metadata)
    metadata.update(describe(checkpoint.network))
    metadata["loss"] = checkpoint.config.get("loss", "cross_entropy")
    metadata["config"] = checkpoint.config
    metadata["checkpoint"] = state

    arrays = {"metadata": np.array(json.dumps(metadata, sort_keys=True))}
    arrays.update(_weights(checkpoint.network))
    if checkpoint.best_network is not None:
        arrays.update(_weights(checkpoint.best_network, "best."))
    for name, array in checkpoint.optimizer_state.items():
        arrays[f"optimizer.{name}"] = array

    return write_arrays(path, arrays)


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises :class:`ModelFileError` when the file is not a numeral checkpoint (a
    plain model file, for instance) or its parts disagree.
    """
    path = Path(path)
    model = load_model(path)
    state = model.metadata.get("checkpoint")
    if not isinstance(state, dict):
        raise ModelFileError(
            f"{path}: a model file, not a checkpoint; only files written by "
            "numeral train --checkpoint can be resumed"
        )
    version = state.get("version")
    if not isinstance(version, int) or version > CHECKPOINT_VERSION:
        raise ModelFileError(
            f"{path}: checkpoint version {version} is newer than this numeral "
            f"understands ({CHECKPOINT_VERSION}); upgrade numeral"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            extra = {
                name: archive[name]
                for name in archive.files
                if name.startswith(("best.", "optimizer."))
            }
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise ModelFileError(f"{path}: cannot read the checkpoint ({e})") from e

    # the best weights so far, shaped like the network's own
    best_network = None
    if state.get("best_epoch") is not None and "best.W1" in extra:
        network = model.network
        try:
            best_network = Network(
                [extra[f"best.W{i}"] for i in range(1, len(network.W) + 1)],
                [extra[f"best.b{i}"] for i in range(1, len(network.b) + 1)],
                network.hidden_activation,
                network.output_activation,
            )
        except KeyError as e:
            raise ModelFileError(f"{path}: best weights incomplete ({e})") from e

    try:
        return Checkpoint(
            config=state["config"],
            epoch=int(state["epoch"]),
            network=model.network,
            optimizer_state={
                name.removeprefix("optimizer."): array
                for name, array in extra.items()
                if name.startswith("optimizer.")
            },
            rng_state=state["rng_state"],
            history=list(state["history"]),
            best_epoch=state.get("best_epoch"),
            best_network=best_network,
            seconds=float(state.get("seconds", 0.0)),
            stop_reason=state.get("stop_reason"),
            model_metadata={
                key: model.metadata[key]
                for key in ("dataset", "class_names", "image_shape")
                if key in model.metadata
            },
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: checkpoint state incomplete ({e})") from e


def _weights(network: Network, prefix: str = "") -> dict[str, np.ndarray]:
    """``{prefix}W1, {prefix}b1, ...`` as in a model file."""
    arrays = {}
    for i, (W, b) in enumerate(zip(network.W, network.b), start=1):
        arrays[f"{prefix}W{i}"] = W
        arrays[f"{prefix}b{i}"] = b
    return arrays
