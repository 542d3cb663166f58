"""numeral's model files: a network's weights plus everything that describes it.

A model file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays) holding

``W1, b1, W2, b2, ...``  the weights ``(n_out, n_in)`` and biases ``(n_out,)`` of
                         each layer, in order
``metadata``             a JSON document (a 0-d string array): format version,
                         layer sizes, activations and their parameters, loss,
                         data set and class names, training configuration,
                         history and final metrics

It is read with ``allow_pickle=False``, so opening a file cannot run code, and
checked against its own description before a network is built from it. Files are
written to a temporary name and renamed into place, so an interruption never
leaves a half-written model, and the zip entries carry a fixed timestamp, so the
same contents always give the same bytes.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .activations import activation_from_dict
from .atomicfile import atomic_write
from .errors import ConfigError, ModelFileError
from .network import Network

__all__ = ["FORMAT", "FORMAT_VERSION", "Model", "load_model", "save_model"]

FORMAT = "numeral-model"
FORMAT_VERSION = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Model:
    """A network together with its description from the model file.

    ``metadata`` holds at least ``dataset``, ``class_names`` and ``loss``; files
    written by ``numeral train`` also hold ``config``, ``history`` and ``metrics``.
    """

    network: Network
    metadata: dict = field(default_factory=dict)

    @property
    def class_names(self) -> list[str]:
        n_out = self.network.sizes[-1]
        names = self.metadata.get("class_names")
        return list(names) if names else [str(i) for i in range(n_out)]

    @property
    def dataset(self) -> str | None:
        return self.metadata.get("dataset")

    @property
    def loss(self) -> str:
        return self.metadata.get("loss", "cross_entropy")

    @property
    def image_shape(self) -> tuple[int, int] | None:
        shape = self.metadata.get("image_shape")
        return tuple(shape) if shape else None

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities for rows of ``X``: ``(n, n_in) -> (n, n_classes)``."""
        return self.network.predict_proba(X)


def describe(network: Network) -> dict:
    """The architecture part of a model file's metadata."""
    return {
        "sizes": network.sizes,
        "hidden_activation": network.hidden_activation.to_dict(),
        "output_activation": network.output_activation.to_dict(),
        "dtype": network.dtype.name,
    }


def save_model(path: str | os.PathLike, model: Model) -> Path:
    """Write ``model`` to ``path`` atomically and return the path.

    Refuses a network with non-finite weights, so a diverged run can never
    replace a good file.
    """
    path = Path(path)
    network = model.network
    for i, (W, b) in enumerate(zip(network.W, network.b), start=1):
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ModelFileError(
                f"refusing to save {path}: layer {i} has NaN or infinite weights"
            )

    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION}
    metadata.update(model.metadata)
    metadata.update(describe(network))
    arrays = {"metadata": np.array(json.dumps(metadata, sort_keys=True))}
    for i, (W, b) in enumerate(zip(network.W, network.b), start=1):
        arrays[f"W{i}"] = W
        arrays[f"b{i}"] = b

    return write_arrays(path, arrays)


def write_arrays(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Write named arrays as an ``.npz`` archive, atomically and reproducibly.

    The archive is written beside ``path`` and renamed over it in one step, and
    every entry carries the same fixed timestamp, so equal arrays always give
    equal bytes. Object arrays are refused (nothing here is ever pickled).
    """
    path = Path(path)
    with atomic_write(path) as f, zipfile.ZipFile(f, "w") as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w") as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
    return path


def load_model(path: str | os.PathLike) -> Model:
    """Read a model file written by :func:`save_model`.

    Raises :class:`ModelFileError` saying what is wrong, by name, when the file
    is unreadable, is not a numeral model, or its arrays or metadata disagree
    with its description.
    """
    path = Path(path)
    arrays = _read_arrays(path)

    # the description
    if "metadata" not in arrays:
        raise ModelFileError(f"{path}: not a numeral model file (no metadata entry)")
    try:
        metadata = json.loads(str(arrays.pop("metadata")))
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{path}: metadata is not valid JSON ({e})") from e
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a numeral model file (format missing)")
    version = metadata.get("format_version")
    if not _is_count(version):
        raise ModelFileError(f"{path}: format version {version!r} is not valid")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {version} is newer than this numeral "
            f"understands ({FORMAT_VERSION}); upgrade numeral"
        )
    sizes = metadata.get("sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(map(_is_count, sizes))):
        raise ModelFileError(f"{path}: metadata has no valid 'sizes' list")
    _check_description(path, metadata)

    # the arrays, checked against the described sizes
    weights, biases = [], []
    for i in range(1, len(sizes)):
        expected = {f"W{i}": (sizes[i], sizes[i - 1]), f"b{i}": (sizes[i],)}
        for name, shape in expected.items():
            if name not in arrays:
                raise ModelFileError(f"{path}: array {name} is missing")
            if arrays[name].shape != shape:
                raise ModelFileError(
                    f"{path}: array {name} has shape {arrays[name].shape}, "
                    f"but sizes {sizes} say {shape}"
                )
            if arrays[name].dtype.kind != "f":
                raise ModelFileError(
                    f"{path}: array {name} holds {arrays[name].dtype}, expected "
                    "floating-point numbers"
                )
            if not np.all(np.isfinite(arrays[name])):
                raise ModelFileError(f"{path}: array {name} holds NaN or infinity")
        weights.append(arrays[f"W{i}"])
        biases.append(arrays[f"b{i}"])
    try:
        hidden = activation_from_dict(metadata["hidden_activation"])
        output = activation_from_dict(metadata["output_activation"])
    except (KeyError, TypeError, ConfigError) as e:
        raise ModelFileError(f"{path}: bad activation description ({e})") from e

    return Model(Network(weights, biases, hidden, output), metadata)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` file at ``path``, never unpickling anything."""
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, not a model file")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        from .textmodel import is_text_model

        if is_text_model(path):
            raise ModelFileError(
                f"{path}: a number_recognition text model, not a numeral model "
                f"file; convert it first: numeral convert {path} "
                f"{path.with_suffix('.npz').name}"
            )
        raise ModelFileError(f"{path}: not a numeral model file (not a .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ModelFileError(
            f"{path}: not a numeral model file (cannot read it as .npz: {e})"
        ) from e


# entries of a training history, each a number or None (not measured)
_HISTORY_NUMBERS = (
    "epoch",
    "train_loss",
    "val_loss",
    "val_accuracy",
    "test_loss",
    "test_accuracy",
    "learning_rate",
    "seconds",
)


def _check_description(path: Path, metadata: dict) -> None:
    """Raise :class:`ModelFileError` if an optional metadata entry is malformed."""
    sizes = metadata["sizes"]

    def bad(key: str, expected: str) -> ModelFileError:
        return ModelFileError(
            f"{path}: metadata entry {key!r} should be {expected}, "
            f"found {_clip(metadata[key])}"
        )

    def given(key: str) -> bool:
        return metadata.get(key) is not None

    # what the network reads and tells apart
    names = metadata.get("class_names")
    if given("class_names") and not (
        isinstance(names, list)
        and len(names) == sizes[-1]
        and all(isinstance(name, str) for name in names)
    ):
        raise bad("class_names", f"a list of {sizes[-1]} strings, one per output")
    shape = metadata.get("image_shape")
    if given("image_shape") and not (
        isinstance(shape, list)
        and len(shape) == 2
        and all(map(_is_count, shape))
        and shape[0] * shape[1] == sizes[0]
    ):
        raise bad("image_shape", f"[height, width] holding the {sizes[0]} inputs")
    for key in ("dataset", "loss"):
        if given(key) and not isinstance(metadata[key], str):
            raise bad(key, "a string")

    # how it was trained
    for key in ("config", "metrics"):
        if given(key) and not isinstance(metadata[key], dict):
            raise bad(key, "an object")
    history = metadata.get("history")
    if given("history") and not (
        isinstance(history, list)
        and all(isinstance(record, dict) for record in history)
        and all(
            _is_number(record.get(key)) or record.get(key) is None
            for record in history
            for key in _HISTORY_NUMBERS
        )
    ):
        raise bad("history", "a list of epochs, each an object of numbers")


def _is_count(value) -> bool:
    """Whether ``value`` is a whole number of at least 1 (and not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clip(value, width: int = 60) -> str:
    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 3] + "..."
