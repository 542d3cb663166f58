"""Data sets of images and labels, and where numeral finds them.

A data set is named either by its registry name (``mnist``, ``fashion-mnist``,
``kmnist``; see :mod:`numeral.registry`) or as ``idx:DIR``, any folder holding a
train and a test pair of IDX image and label files.

A registered data set lives in a folder named after it, inside a *data folder*.
Data folders are searched in this order:

1. the ``data_dir`` argument (``--data-dir`` on the command line);
2. the ``NUMERAL_DATA_DIR`` environment variable;
3. numeral's cache folder: ``NUMERAL_CACHE_DIR`` if set, else the platform's
   convention (e.g. ``~/.cache/numeral`` on Linux).

When no folder holds the data set, it is downloaded into the cache folder (see
:mod:`numeral.download`). Loading checks every file's structure; checksums are
checked on download and by :func:`verify_dataset`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError
from .idx import read_idx
from .registry import FILE_NAMES, IDX_PREFIX, ROLES, DatasetSpec, check_name, get_spec

__all__ = [
    "DataNotFound",
    "Dataset",
    "cache_dir",
    "load_dataset",
    "locate",
    "locate_idx",
    "search_dirs",
    "verify_dataset",
]

ENV_VAR = "NUMERAL_DATA_DIR"
ENV_CACHE = "NUMERAL_CACHE_DIR"
CLASSES_FILE = "classes.txt"

# kept for callers that know the four files by role
FILES = FILE_NAMES


class DataNotFound(DataError):
    """No data folder holds any file of a registered data set."""


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
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
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


def _describe(role: str) -> str:
    return role.replace("_", " ")


def _incomplete(folder: Path, found: dict[str, Path | None], hint: str) -> DataError:
    have = ", ".join(p.name for p in found.values() if p)
    missing = ", ".join(
        f"{_describe(r)} ({FILE_NAMES[r]}[.gz])" for r, p in found.items() if not p
    )
    return DataError(
        f"{folder} holds only some of the four files of a data set: expected "
        f"train and test images and labels, found {have}; missing {missing}. {hint}"
    )


def locate(
    name: str,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = False,
    on_progress=None,
) -> dict[str, Path]:
    """Paths of the four files of registered data set ``name``, by role.

    The first data folder holding all four wins. A folder holding only some of
    them is an error, except the cache folder, where the missing ones are
    downloaded (with ``download``). When no folder holds any and ``download`` is
    true, the data set is downloaded into the cache folder.

    Raises
    ------
    DataNotFound
        Naming every folder searched and the command that fetches the data.
    DataError
        If a folder other than the cache holds only some of the files.
    """
    spec = get_spec(name)
    cache = cache_dir()
    searched = []
    for root in search_dirs(data_dir):
        folder = root / name
        found = {role: _find_file(folder, FILE_NAMES[role]) for role in ROLES}
        if all(found.values()):
            return found  # type: ignore[return-value]
        if any(found.values()) and root != cache:
            raise _incomplete(
                folder,
                found,
                "Add the missing files, or move the folder away to let numeral "
                f"download {name} into its cache folder.",
            )
        n = sum(p is not None for p in found.values())
        what = f"{n} of 4 files" if folder.is_dir() else "no such folder"
        searched.append(f"  {folder}: {what}")

    # not found anywhere: fetch it into the cache, or say how to
    reason = "nothing was downloaded"
    if download:
        from .download import download_dataset, is_offline

        if is_offline():
            reason = "downloading is switched off (NUMERAL_OFFLINE is set)"
        else:
            try:
                download_dataset(spec, cache, on_progress=on_progress)
                return locate(name, data_dir)
            except DataError as e:
                reason = f"downloading failed: {e}"
    raise DataNotFound(
        f"data set {name!r} not found. Searched:\n"
        + "\n".join(searched)
        + f"\n{reason}.\nOnce online, run: numeral data download {name}\n"
        f"or put the four IDX files (optionally .gz) in DIR/{name}/ and pass "
        f"--data-dir DIR or set {ENV_VAR}=DIR."
    )


def _classify(file_name: str) -> str | None:
    """The role a file name suggests in an ``idx:`` folder, or None."""
    stem = file_name.lower().removesuffix(".gz")
    is_train = "train" in stem
    is_test = "t10k" in stem or "test" in stem
    if "label" in stem or ("idx1" in stem and "image" not in stem):
        kind = "labels"
    elif "image" in stem or "img" in stem or "idx3" in stem:
        kind = "images"
    else:
        return None
    if is_train == is_test:
        return None
    return f"{'train' if is_train else 'test'}_{kind}"


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gz")


def locate_idx(folder: str | os.PathLike) -> dict[str, Path]:
    """The four IDX files of an ``idx:`` folder, recognised by their names.

    A file is a training file if its name holds ``train``, a test file if it holds
    ``t10k`` or ``test``; it holds labels if its name holds ``label`` (or ``idx1``),
    images if it holds ``image``, ``img`` or ``idx3``. MNIST's own names, with or
    without ``.gz``, are the simplest example. Other files are ignored.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            f"{folder}: no such folder; expected a folder holding train and test "
            "IDX image and label files"
        )
    found: dict[str, Path | None] = dict.fromkeys(ROLES)
    for path in sorted(folder.iterdir()):
        role = _classify(path.name)
        if role is None or not path.is_file() or path.name.startswith("."):
            continue
        other = found[role]
        if other is not None and _stem(other) != _stem(path):
            raise DataError(
                f"{folder}: two files could be the {_describe(role)}: {other.name} "
                f"and {path.name}; expected one. Move one of them away."
            )
        if other is None or other.name.endswith(".gz"):
            found[role] = path  # prefer the uncompressed copy
    if not all(found.values()):
        raise _incomplete(
            folder, found, "Name them like MNIST's, e.g. train-images-idx3-ubyte.gz"
        )
    return found  # type: ignore[return-value]


def _images(path: Path) -> np.ndarray:
    images = read_idx(path)
    if images.ndim != 3:
        raise DataError(
            f"{path}: expected images of 3 dimensions (count, height, width), "
            f"found {images.ndim} dimensions {list(images.shape)}"
        )
    if images.dtype != np.uint8:
        raise DataError(
            f"{path}: expected pixels as unsigned bytes (IDX type 0x08), "
            f"found {images.dtype}"
        )
    if 0 in images.shape:
        raise DataError(
            f"{path}: holds {images.shape[0]} images of {_size(images)} pixels; "
            "expected at least one image of at least 1x1"
        )
    return images


def _labels(path: Path, n_images: int, images_path: Path) -> np.ndarray:
    labels = read_idx(path)
    if labels.ndim != 1:
        raise DataError(
            f"{path}: expected labels of 1 dimension, found {labels.ndim} "
            f"dimensions {list(labels.shape)}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{path}: expected integer labels, found {labels.dtype}")
    if len(labels) != n_images:
        raise DataError(
            f"{path}: {len(labels)} labels but {images_path.name} holds "
            f"{n_images} images; the counts must agree"
        )
    return labels.astype(np.int64)


def _check_range(path: Path, labels: np.ndarray, n_classes: int) -> None:
    if len(labels) == 0:
        return
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        first = int(np.argmax(bad))
        raise DataError(
            f"{path}: labels must be in 0..{n_classes - 1}, found {labels[first]} "
            f"(label #{first}; {int(bad.sum())} labels out of range)"
        )


def _idx_class_names(folder: Path, labels: list[np.ndarray]) -> tuple[str, ...]:
    """Names from ``classes.txt`` (one a line) if present, else ``0 .. max``."""
    names_file = folder / CLASSES_FILE
    if names_file.is_file():
        try:
            lines = names_file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise DataError(
                f"{names_file}: cannot read it as UTF-8 text, one class name a "
                f"line ({e})"
            ) from e
        names = tuple(line.strip() for line in lines if line.strip())
        if not names:
            raise DataError(f"{names_file}: expected one class name a line, found none")
        return names
    top = max((int(y.max()) for y in labels if len(y)), default=0)
    return tuple(str(i) for i in range(max(top, 0) + 1))


def _to_rows(images: np.ndarray) -> np.ndarray:
    """(n, h, w) uint8 -> (n, h*w) float32 in [0, 1], dividing in place."""
    rows = images.reshape(len(images), -1).astype(np.float32)
    np.divide(rows, np.float32(255.0), out=rows)
    return rows


def load_dataset(
    name: str = "mnist",
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    on_progress=None,
) -> Dataset:
    """Load a data set's train and test images and labels.

    Parameters
    ----------
    name
        ``mnist``, ``fashion-mnist``, ``kmnist`` or ``idx:DIR``.
    data_dir
        A data folder searched first (registered data sets only).
    download
        Fetch a registered data set into the cache folder if no folder holds it.
    on_progress
        Download progress callback ``(label, bytes_done, bytes_total)``.

    Returns
    -------
    Dataset
        Pixels divided by 255 into float32 in [0, 1]; images flattened to rows of
        ``height * width``. For ``idx:DIR`` the name records the absolute folder,
        and the classes are ``0 .. max label`` unless ``DIR/classes.txt`` names
        them, one a line.

    Raises
    ------
    DataError
        If the data are missing or any file is malformed; the message names the
        file, what was expected and what was found.
    """
    check_name(name)
    spec: DatasetSpec | None = None
    if name.startswith(IDX_PREFIX):
        folder = Path(name[len(IDX_PREFIX) :]).expanduser().resolve()
        name = f"{IDX_PREFIX}{folder}"
        paths = locate_idx(folder)
    else:
        spec = get_spec(name)
        paths = locate(name, data_dir, download=download, on_progress=on_progress)

    # read, and check that the four files belong together
    train_x = _images(paths["train_images"])
    test_x = _images(paths["test_images"])
    train_y = _labels(paths["train_labels"], len(train_x), paths["train_images"])
    test_y = _labels(paths["test_labels"], len(test_x), paths["test_images"])
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DataError(
            f"{paths['test_images']}: images are {_size(test_x)} pixels but the "
            f"training images are {_size(train_x)}; expected the same size"
        )
    if spec is not None and train_x.shape[1:] != spec.image_shape:
        raise DataError(
            f"{paths['train_images']}: expected {spec.name} images of "
            f"{spec.image_shape[0]}x{spec.image_shape[1]} pixels, "
            f"found {_size(train_x)}"
        )

    # classes, and labels inside their range
    if spec is not None:
        class_names = spec.class_names
    else:
        class_names = _idx_class_names(folder, [train_y, test_y])
    _check_range(paths["train_labels"], train_y, len(class_names))
    _check_range(paths["test_labels"], test_y, len(class_names))

    return Dataset(
        name=name,
        train_images=_to_rows(train_x),
        train_labels=train_y,
        test_images=_to_rows(test_x),
        test_labels=test_y,
        class_names=tuple(class_names),
        image_shape=tuple(int(n) for n in train_x.shape[1:]),
    )


def _size(images: np.ndarray) -> str:
    return f"{images.shape[1]}x{images.shape[2]}"


def verify_dataset(name: str, data_dir: str | os.PathLike | None = None) -> list:
    """Check every file of registered data set ``name`` where it is found.

    Returns
    -------
    list of :class:`~numeral.verify.FileCheck`
        One per file, in the order of the registry; nothing is downloaded.
    """
    from .verify import check_file

    spec = get_spec(name)
    paths = locate(name, data_dir)
    return [check_file(paths[f.role], f, spec) for f in spec.files]
