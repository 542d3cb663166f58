"""Proving that data files are intact: structure, shape and checksum of contents.

A file of a registered data set passes when its (decompressed) contents parse as
IDX, hold the shape and type the registry expects, carry labels inside the class
range, and have the MD5 checksum published for them. The checksum is taken of the
uncompressed contents, so a recompressed copy still verifies.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError
from .idx import read_idx_bytes, read_raw_bytes, uncompressed
from .registry import DataFile, DatasetSpec

__all__ = ["FileCheck", "check_file", "check_file_or_raise", "content_md5"]


@dataclass(frozen=True)
class FileCheck:
    """The outcome of checking one file.

    ``md5`` is the checksum found (None if the file could not be read);
    ``expected_md5`` the published one (None where none is published).
    ``message`` is ``"ok"`` or a sentence naming the file and what is wrong.
    """

    path: Path
    role: str
    ok: bool
    md5: str | None
    expected_md5: str | None
    message: str

    @property
    def checksummed(self) -> bool:
        return self.expected_md5 is not None


def content_md5(path: str | os.PathLike) -> str:
    """MD5 of the uncompressed contents of ``path`` (gzip or raw)."""
    return hashlib.md5(read_raw_bytes(path)).hexdigest()


def _check_structure(array: np.ndarray, name: str, expected: DataFile, spec) -> None:
    """Raise :class:`DataError` if ``array`` is not what ``expected`` describes."""
    if array.dtype != np.uint8:
        raise DataError(
            f"{name}: expected unsigned bytes (IDX type 0x08), found {array.dtype}"
        )
    if array.shape != expected.shape:
        raise DataError(
            f"{name}: expected shape {list(expected.shape)} for "
            f"{spec.name} {expected.role.replace('_', ' ')}, found {list(array.shape)}"
        )
    if expected.role.endswith("labels") and len(array):
        top = int(array.max())
        if top >= len(spec.class_names):
            raise DataError(
                f"{name}: labels must be in 0..{len(spec.class_names) - 1}, found {top}"
            )


def check_file(
    path: str | os.PathLike,
    expected: DataFile,
    spec: DatasetSpec,
    name: str | None = None,
) -> FileCheck:
    """Check one file of ``spec`` against its registry entry; never raises.

    ``name`` stands for the file in messages (default: its path); a download is
    checked under its URL before it takes its place.

    Returns
    -------
    FileCheck
        ``ok`` is true when the structure is right and, where a checksum is
        published, the MD5 of the contents matches it.
    """
    path = Path(path)
    name = name or str(path)
    md5 = None
    try:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DataError(f"{name}: cannot read ({e.strerror or e})") from e
        data = uncompressed(data, name)
        md5 = hashlib.md5(data).hexdigest()
        array = read_idx_bytes(data, name)
        _check_structure(array, name, expected, spec)
    except DataError as e:
        return FileCheck(path, expected.role, False, md5, expected.md5, str(e))

    # the checksum, where one is published
    if expected.md5 is not None and md5 != expected.md5:
        message = (
            f"{name}: checksum mismatch: MD5 of the uncompressed contents expected "
            f"{expected.md5}, found {md5}; the file is damaged or is not the "
            f"published {spec.title}"
        )
        return FileCheck(path, expected.role, False, md5, expected.md5, message)
    return FileCheck(path, expected.role, True, md5, expected.md5, "ok")


def check_file_or_raise(
    path, expected: DataFile, spec: DatasetSpec, name: str | None = None
) -> FileCheck:
    """:func:`check_file`, raising :class:`DataError` with its message on failure."""
    result = check_file(path, expected, spec, name)
    if not result.ok:
        raise DataError(result.message)
    return result
