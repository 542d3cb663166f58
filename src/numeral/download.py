"""Downloading registered data sets: each mirror in turn, atomic writes, verification.

A file is streamed into a temporary file beside its destination, checked (complete,
valid IDX of the expected shape, MD5 of the contents where one is published) and
only then renamed into place. A failed, interrupted or corrupt download therefore
leaves nothing behind; the next mirror is tried, and if none delivers a good file
the error lists what each mirror did.

Two environment variables steer downloads:

``NUMERAL_MIRRORS``
    Whitespace-separated base URLs used *instead of* the built-in mirrors; a data
    set's files are fetched from ``BASE/NAME/FILE.gz`` (``file://`` works too).
``NUMERAL_OFFLINE``
    Any value but ``0`` or empty forbids downloading.

Progress is reported through a callback ``on_progress(label, done, total)`` with
the bytes received so far and the expected total (None when the server does not
say); the library itself prints nothing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .atomicfile import make_folder
from .errors import DataError, OutputError
from .registry import FILE_NAMES, DatasetSpec, get_spec
from .verify import check_file, check_file_or_raise

__all__ = [
    "ENV_MIRRORS",
    "ENV_OFFLINE",
    "download_dataset",
    "fetch",
    "is_offline",
    "mirror_urls",
]

ENV_MIRRORS = "NUMERAL_MIRRORS"
ENV_OFFLINE = "NUMERAL_OFFLINE"
CHUNK_SIZE = 1 << 16
DEFAULT_TIMEOUT = 30.0

ProgressCallback = Callable[[str, int, "int | None"], None]

log = logging.getLogger(__name__)


def is_offline() -> bool:
    """Whether ``NUMERAL_OFFLINE`` forbids downloading."""
    return os.environ.get(ENV_OFFLINE, "").strip() not in ("", "0")


def mirror_urls(spec: DatasetSpec) -> list[str]:
    """Base URLs of ``spec``'s folder, in the order to try them."""
    override = os.environ.get(ENV_MIRRORS, "").split()
    for base in override:
        if "://" not in base:
            raise DataError(
                f"{ENV_MIRRORS}: {base!r} is not a URL; expected base URLs such as "
                "https://example.org/data or file:///srv/data"
            )
    if override:
        return [base.rstrip("/") + f"/{spec.name}/" for base in override]
    return list(spec.mirrors)


def _reason(error: BaseException, timeout: float) -> str:
    """A short phrase for why a request failed."""
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        if not isinstance(error.reason, BaseException):
            return str(error.reason)
        error = error.reason
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    return str(error) or type(error).__name__


def fetch(
    url: str,
    dest: str | os.PathLike,
    *,
    check: Callable[[Path, str], None] | None = None,
    on_progress: ProgressCallback | None = None,
    label: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Download ``url`` to ``dest``, atomically.

    The body goes to a temporary file in ``dest``'s folder; ``check(path, url)``
    may raise :class:`DataError` to reject it; only a complete, accepted file is
    renamed to ``dest``. On any failure, Ctrl-C included, the temporary file is
    removed and ``dest`` is left as it was.

    Raises
    ------
    DataError
        Naming the URL and what went wrong (HTTP status, connection error,
        bytes received against bytes announced, or ``check``'s verdict).
    """
    import http.client
    import urllib.error
    import urllib.request

    dest = Path(dest)
    label = label or dest.name
    make_folder(dest.parent, dest)
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"
        )
    except OSError as e:
        raise OutputError(f"cannot write {dest}: {e.strerror or e}") from e
    tmp = Path(tmp_name)
    done, total = 0, None
    try:
        # stream the body, counting bytes against the announced length
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(url, timeout=timeout) as response,
            ):
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                if on_progress:
                    on_progress(label, 0, total)
                while chunk := response.read(CHUNK_SIZE):
                    out.write(chunk)
                    done += len(chunk)
                    if on_progress:
                        on_progress(label, done, total)
        except http.client.IncompleteRead as e:
            done += len(e.partial)
            raise DataError(
                f"{url}: download interrupted: connection closed after {done} of "
                f"{total} bytes"
            ) from e
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            raise DataError(f"{url}: {_reason(e, timeout)}") from e
        if total is not None and done != total:
            raise DataError(
                f"{url}: download interrupted: received {done} of {total} bytes"
            )

        # accept it, then move it into place
        if check is not None:
            check(tmp, url)
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes it private; files are not
        os.replace(tmp, dest)
        return dest
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _existing(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def download_dataset(
    spec: DatasetSpec | str,
    root: str | os.PathLike,
    *,
    mirrors: Sequence[str] | None = None,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Download the four files of a registered data set into ``root/NAME/``.

    Files already there that pass their checks are kept (all are fetched again
    with ``force``); a file that fails them is replaced. Each file is tried on
    every mirror in turn until one delivers a file that passes.

    Parameters
    ----------
    spec
        The data set, or its registry name.
    root
        The data folder; files go to ``root / spec.name``.
    mirrors
        Base URLs of the data set's folder (default: :func:`mirror_urls`).

    Returns
    -------
    Path
        The data set's folder.

    Raises
    ------
    DataError
        If downloading is switched off (``NUMERAL_OFFLINE``), or a file could not
        be had intact from any mirror; the message lists each mirror's failure.
    """
    spec = get_spec(spec) if isinstance(spec, str) else spec
    if is_offline():
        raise DataError(
            f"downloading {spec.name} is switched off by {ENV_OFFLINE}="
            f"{os.environ[ENV_OFFLINE]}"
        )
    folder = Path(root) / spec.name
    created = not folder.exists()
    mirrors = list(mirrors) if mirrors is not None else mirror_urls(spec)
    try:
        for expected in spec.files:
            old = _existing(folder, FILE_NAMES[expected.role])
            if old and not force and check_file(old, expected, spec).ok:
                continue
            dest = folder / f"{expected.name}.gz"
            _fetch_from_mirrors(spec, expected, dest, mirrors, on_progress, timeout)
            if old and old != dest:
                old.unlink()  # a damaged copy that would shadow the new one
    except BaseException:
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
    return folder


def _fetch_from_mirrors(spec, expected, dest, mirrors, on_progress, timeout) -> None:
    """Fetch one file from the first mirror that delivers it intact."""
    file_name = dest.name
    failures = []
    for i, base in enumerate(mirrors):
        url = base.rstrip("/") + "/" + file_name
        try:
            fetch(
                url,
                dest,
                check=lambda path, name: check_file_or_raise(
                    path, expected, spec, name
                ),
                on_progress=on_progress,
                label=f"{spec.name}/{file_name}",
                timeout=timeout,
            )
            return
        except DataError as e:
            failures.append(str(e))
            if i + 1 < len(mirrors):
                log.warning("%s; trying the next mirror", e)
    if not mirrors:
        failures.append("no mirror is known")
    raise DataError(
        f"could not download {spec.name} file {file_name} intact from any mirror:\n  "
        + "\n  ".join(failures)
    )
