"""Small generated IDX data sets for the data tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from numeral.idx import idx_bytes, write_idx
from numeral.registry import FILE_NAMES, DataFile, DatasetSpec


def make_arrays(n_train=30, n_test=10, shape=(28, 28), n_classes=10, seed=0):
    """Random images (uint8) and labels covering every class, by role."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % n_classes).astype(np.uint8)
    return arrays


def write_dataset(folder, arrays=None, compress=True, names=None, **kwargs) -> Path:
    """Write the four IDX files of ``arrays`` (default :func:`make_arrays`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = arrays if arrays is not None else make_arrays(**kwargs)
    for role, array in arrays.items():
        name = (names or FILE_NAMES)[role] + (".gz" if compress else "")
        write_idx(folder / name, array, compress=compress)
    return folder


def tiny_spec(arrays, name="tiny", mirrors=(), checksums=True) -> DatasetSpec:
    """A registry entry describing ``arrays``, with their real checksums."""
    files = tuple(
        DataFile(
            role,
            FILE_NAMES[role],
            tuple(arrays[role].shape),
            hashlib.md5(idx_bytes(arrays[role])).hexdigest() if checksums else None,
        )
        for role in FILE_NAMES
    )
    return DatasetSpec(
        name=name,
        title="a tiny test set",
        class_names=tuple(str(i) for i in range(10)),
        files=files,
        mirrors=tuple(mirrors),
        homepage="",
    )
