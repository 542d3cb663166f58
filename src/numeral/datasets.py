"""Data sets of images and labels, and where numeral finds them.

A data set lives in a folder named after it, inside a *data folder*. Data folders
are searched in this order:

1. the ``data_dir`` argument (``--data-dir`` on the command line);
2. the ``NUMERAL_DATA_DIR`` environment variable;
3. numeral's cache folder (the platform's convention, e.g. ``~/.cache/numeral``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError
from .idx import read_idx

__all__ = ["Dataset", "cache_dir", "load_dataset", "search_dirs"]

ENV_VAR = "NUMERAL_DATA_DIR"

# the four files of an IDX data set, by role; each may carry a .gz suffix
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class Dataset:
    """Images flattened to rows of float32 in [0, 1], with integer labels.

    ``train_images`` has shape ``(n_train, height * width)`` and ``train_labels``
    shape ``(n_train,)``; likewise for the test set.
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        return int(self.image_shape[0] * self.image_shape[1])


def cache_dir() -> Path:
    """numeral's own data cache folder (it may not exist yet)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("numeral"))


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The data folders to look in, in order."""
    dirs = []
    if data_dir:
        dirs.append(Path(data_dir))
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.append(cache_dir())
    return dirs


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def locate(name: str, data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """Paths of the four files of data set ``name``, from the first folder holding all.

    Raises :class:`DataError` naming every folder searched when none does.
    """
    searched = []
    for root in search_dirs(data_dir):
        folder = root / name
        found = {role: _find_file(folder, stem) for role, stem in FILES.items()}
        if all(found.values()):
            return found  # type: ignore[return-value]
        missing = [FILES[r] for r, p in found.items() if p is None]
        searched.append(f"  {folder}: missing {', '.join(missing)}")
    raise DataError(
        f"data set {name!r} not found. Searched:\n"
        + "\n".join(searched)
        + f"\nPut the four IDX files (optionally .gz) in DIR/{name}/ and pass "
        f"--data-dir DIR or set {ENV_VAR}=DIR."
    )


def _images(path: Path) -> np.ndarray:
    images = read_idx(path)
    if images.ndim != 3:
        raise DataError(
            f"{path}: expected images of 3 dimensions (count, height, width), "
            f"found {images.ndim}"
        )
    return images


def _labels(path: Path, n_images: int, images_path: Path) -> np.ndarray:
    labels = read_idx(path)
    if labels.ndim != 1:
        raise DataError(f"{path}: expected labels of 1 dimension, found {labels.ndim}")
    if len(labels) != n_images:
        raise DataError(
            f"{path}: {len(labels)} labels but {images_path.name} holds "
            f"{n_images} images; the counts must agree"
        )
    return labels.astype(np.int64)


def load_dataset(
    name: str = "mnist", data_dir: str | os.PathLike | None = None
) -> Dataset:
    """Load a data set's train and test images and labels.

    Pixels are divided by 255 into float32 in [0, 1]; images are flattened to rows.
    """
    paths = locate(name, data_dir)
    train_x = _images(paths["train_images"])
    test_x = _images(paths["test_images"])
    train_y = _labels(paths["train_labels"], len(train_x), paths["train_images"])
    test_y = _labels(paths["test_labels"], len(test_x), paths["test_images"])
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DataError(
            f"{paths['test_images']}: images are {test_x.shape[1:]} but the "
            f"training images are {train_x.shape[1:]}"
        )
    n_classes = 10
    for path, y in ((paths["train_labels"], train_y), (paths["test_labels"], test_y)):
        if len(y) and (y.min() < 0 or y.max() >= n_classes):
            raise DataError(
                f"{path}: labels must be in 0..{n_classes - 1}, found "
                f"{y.min()}..{y.max()}"
            )

    def scale(x):
        # (n, h, w) uint8 -> (n, h*w) float32 in [0, 1]
        return (x.reshape(len(x), -1).astype(np.float32)) / np.float32(255.0)

    return Dataset(
        name=name,
        train_images=scale(train_x),
        train_labels=train_y,
        test_images=scale(test_x),
        test_labels=test_y,
        class_names=tuple(str(i) for i in range(n_classes)),
        image_shape=tuple(train_x.shape[1:]),
    )
