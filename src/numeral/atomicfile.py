"""Output files written whole or not at all.

:func:`atomic_write` hands out a temporary file beside the target and renames it
over the target only once everything is written, so an error or Ctrl-C leaves the
target as it was and no temporary file behind. The finished file gets the
permissions of any new file (the umask applies), not the private ones of a
temporary file.

Problems of the file system (a file where a folder should be, a folder where the
file should be, a read-only or full disk) become :class:`~numeral.errors.OutputError`
naming the path the caller asked for, never the temporary one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import OutputError

__all__ = ["atomic_write", "check_writable", "make_folder"]


def make_folder(
    folder: str | os.PathLike, for_file: str | os.PathLike | None = None
) -> Path:
    """Create ``folder`` and its parents if need be; return it as a Path.

    ``for_file`` is the file that is to go into it, named in the error message.

    Raises
    ------
    OutputError
        When a file stands where the folder or one of its parents should be, or
        the file system refuses.
    """
    folder = Path(folder) if str(folder) else Path(".")
    if for_file is None:
        failure = f"cannot create the folder {folder}"
    else:
        failure = f"cannot write {for_file}"

    # a file in the way gives "File exists" or "Not a directory": say which
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{failure}: {parent} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{failure}: {_reason(e)}") from e
    return folder


@contextmanager
def atomic_write(
    path: str | os.PathLike,
    mode: str = "wb",
    encoding: str | None = None,
    newline: str | None = None,
) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block ends without error.

    Parameters
    ----------
    path
        The file to write. Missing parent folders are created.
    mode, encoding, newline
        As for :func:`open`; ``mode`` is ``"wb"`` or ``"w"``.

    Raises
    ------
    OutputError
        When ``path`` is a folder, its folder cannot be created, or writing or
        renaming fails; ``path`` is then left as it was.
    """
    path = Path(path)
    folder = _folder_for(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {_reason(e)}") from e

    tmp = Path(name)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes it private; outputs are not
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {_reason(e)}") from e
    finally:
        tmp.unlink(missing_ok=True)


def check_writable(path: str | os.PathLike) -> Path:
    """Make sure ``path`` can be written later, before long work that ends in it.

    Creates the missing parent folders and opens (and drops) one temporary file
    beside ``path``; ``path`` itself is not touched.

    Raises
    ------
    OutputError
        For the reasons :func:`atomic_write` would.
    """
    path = Path(path)
    folder = _folder_for(path)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise OutputError(f"cannot write {path}: {_reason(e)}") from e
    return path


def _folder_for(path: Path) -> Path:
    """The folder ``path`` goes into, created if need be; refuses a folder path."""
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    return make_folder(path.parent, path)


def _reason(error: OSError) -> str:
    """The system's words for ``error``, without the temporary file's name."""
    return (error.strerror or str(error)).lower()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
