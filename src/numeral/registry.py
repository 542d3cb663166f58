"""The data sets numeral knows by name, and how a data set is named.

Every registered data set has the layout of MNIST: four IDX files, training and
test images of unsigned bytes and their labels. An entry knows the file names, the
class names, the shape of each file, the MD5 checksum of each file's *uncompressed*
contents where one is published, and the mirrors it can be downloaded from.

Checksums are of the uncompressed contents because copies of these files are often
recompressed, which changes the ``.gz`` bytes but never what they hold.

A data set is named either by its registry name (``mnist``, ``fashion-mnist``,
``kmnist``) or as ``idx:DIR``, any folder holding a train and a test pair of IDX
image and label files.

This module imports nothing heavy, so the command line can check names quickly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DataError

__all__ = [
    "FILE_NAMES",
    "IDX_PREFIX",
    "REGISTRY",
    "ROLES",
    "DataFile",
    "DatasetSpec",
    "check_name",
    "get_spec",
]

IDX_PREFIX = "idx:"

# the four files of a data set, by role, with MNIST's file names (each may be .gz)
ROLES = ("train_images", "train_labels", "test_images", "test_labels")
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class DataFile:
    """One IDX file of a registered data set.

    ``name`` is the uncompressed file name; mirrors serve ``name + ".gz"``.
    ``md5`` is the MD5 of the uncompressed contents, or None where none is
    published (the file is then checked for its structure only).
    """

    role: str
    name: str
    shape: tuple[int, ...]
    md5: str | None


@dataclass(frozen=True)
class DatasetSpec:
    """A registered data set: its files, classes and download mirrors."""

    name: str
    title: str
    class_names: tuple[str, ...]
    files: tuple[DataFile, ...]
    mirrors: tuple[str, ...]
    homepage: str
    checksum_note: str = ""

    def file(self, role: str) -> DataFile:
        """The :class:`DataFile` of ``role`` (``"train_images"`` ...)."""
        return next(f for f in self.files if f.role == role)

    @property
    def image_shape(self) -> tuple[int, int]:
        """(height, width) of every image."""
        return tuple(self.file("train_images").shape[1:])  # type: ignore[return-value]

    @property
    def has_checksums(self) -> bool:
        return all(f.md5 for f in self.files)


def _files(n_train, n_test, height, width, md5s) -> tuple[DataFile, ...]:
    shapes = {
        "train_images": (n_train, height, width),
        "train_labels": (n_train,),
        "test_images": (n_test, height, width),
        "test_labels": (n_test,),
    }
    return tuple(
        DataFile(role, FILE_NAMES[role], shapes[role], md5s.get(role)) for role in ROLES
    )


MNIST = DatasetSpec(
    name="mnist",
    title="MNIST handwritten digits",
    class_names=tuple(str(i) for i in range(10)),
    files=_files(
        60_000,
        10_000,
        28,
        28,
        {
            "train_images": "6bbc9ace898e44ae57da46a324031adb",
            "train_labels": "a25bea736e30d166cdddb491f175f624",
            "test_images": "2646ac647ad5339dbf082846283269ea",
            "test_labels": "27ae3e4e09519cfbb04c329615203637",
        },
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    homepage="http://yann.lecun.com/exdb/mnist/",
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST (Zalando article images)",
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    files=_files(
        60_000,
        10_000,
        28,
        28,
        {
            "train_images": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train_labels": "9018921c3c673c538a1fc5bad174d6f9",
            "test_images": "8181f5470baa50b63fa0f6fddb340f0a",
            "test_labels": "15d484375f8d13e6eb1aabb0c3f46965",
        },
    ),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/"
        "data/fashion/",
    ),
    homepage="https://github.com/zalandoresearch/fashion-mnist",
)

# NOTE: KMNIST's authors publish no checksums for these files, so none is recorded
# here; the files are checked for their structure (header, shapes, label range).
KMNIST = DatasetSpec(
    name="kmnist",
    title="Kuzushiji-MNIST (cursive Japanese hiragana)",
    class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    files=_files(60_000, 10_000, 28, 28, {}),
    mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
    homepage="https://github.com/rois-codh/kmnist",
    checksum_note="no published checksums: structure checked only",
)

REGISTRY: dict[str, DatasetSpec] = {
    spec.name: spec for spec in (MNIST, FASHION_MNIST, KMNIST)
}


def _choices() -> str:
    return ", ".join(REGISTRY) + f" or {IDX_PREFIX}DIR"


def get_spec(name: str) -> DatasetSpec:
    """The registry entry of ``name``; raises :class:`DataError` if there is none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise DataError(f"unknown data set {name!r}; expected {_choices()}") from None


def check_name(name: str) -> str:
    """Return ``name`` if it names a data set, else raise :class:`DataError`."""
    if name.startswith(IDX_PREFIX):
        if not name[len(IDX_PREFIX) :].strip():
            raise DataError(
                f"{name!r} names no folder; expected {IDX_PREFIX}DIR, e.g. "
                f"{IDX_PREFIX}./my-digits"
            )
        return name
    get_spec(name)
    return name
