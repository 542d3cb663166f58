"""Reading and writing IDX files, the format MNIST and its relatives are shipped in.

An IDX file is a big-endian header followed by the raw array:

    bytes 0-1   zero
    byte  2     type code (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    4 d bytes   each dimension as a big-endian uint32
    then        prod(dimensions) values of the type, big-endian

Files may be gzip-compressed; compression is detected from the content (the gzip
magic bytes ``1f 8b``), never from the file name, so a raw file named ``.gz`` and
a compressed file without the suffix both load.

Every malformed file raises :class:`~numeral.errors.DataError` with a message that
names the file, what was expected and what was found.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

__all__ = [
    "IDX_TYPES",
    "idx_bytes",
    "read_idx",
    "read_idx_bytes",
    "read_raw_bytes",
    "uncompressed",
    "write_idx",
]

# type code -> big-endian dtype of the values
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def _partial_gunzip(data: bytes) -> bytes:
    """As much of a damaged gzip stream as can be decompressed."""
    decompressor = zlib.decompressobj(wbits=31)
    try:
        return decompressor.decompress(data)
    except zlib.error:
        return b""


def _expected_size(header: bytes) -> int | None:
    """The total size an IDX header announces, or None if it is not one."""
    if len(header) < 4 or header[:2] != b"\0\0" or header[2] not in IDX_TYPES:
        return None
    ndim = header[3]
    if len(header) < 4 + 4 * ndim:
        return None
    dims = struct.unpack(f">{ndim}I", header[4 : 4 + 4 * ndim])
    return (
        4
        + 4 * ndim
        + int(np.prod(dims, dtype=np.int64)) * IDX_TYPES[header[2]].itemsize
    )


def uncompressed(data: bytes, name: str = "<bytes>") -> bytes:
    """``data`` decompressed if it is gzip, else unchanged; ``name`` is for messages.

    Raises
    ------
    DataError
        If ``data`` is a damaged or truncated gzip stream.
    """
    if data[:2] != GZIP_MAGIC:
        return data

    # a stream cut short still says how much of the IDX content it holds
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        partial = _partial_gunzip(data)
        expected = _expected_size(partial)
        found = f"it decompresses to {len(partial)} bytes"
        if expected is not None:
            found += f" of the {expected} its IDX header announces"
        raise DataError(
            f"{name}: gzip data is truncated or damaged ({e}); {found}. "
            "Download the file again."
        ) from e


def read_raw_bytes(path: str | os.PathLike) -> bytes:
    """The file's contents, decompressed if they are gzip, whatever the name says."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror or e})") from e
    return uncompressed(data, str(path))


def _not_idx_hint(data: bytes) -> str:
    """A guess at what a file that fails the magic-number check really is."""
    swapped = struct.unpack("<I", data[:4])[0]
    if swapped >> 16 == 0 and (swapped >> 8) & 0xFF in IDX_TYPES:
        return "the header looks little-endian; IDX headers are big-endian"
    if data.lstrip()[:1] == b"<":
        return "it looks like an HTML or XML page, not an IDX file"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "it is a PNG image, not an IDX file"
    if data[:6] == b"\x93NUMPY":
        return "it is a NumPy .npy file, not an IDX file"
    if data[:2] == b"PK":
        return "it looks like a zip or .npz archive, not an IDX file"
    return "this is not an IDX file"


def read_idx_bytes(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse uncompressed IDX content; ``name`` is used in error messages.

    Returns an array of the declared shape, in native byte order.
    """
    if len(data) == 0:
        raise DataError(
            f"{name}: the file is empty; expected an IDX header of at least 4 bytes"
        )
    if len(data) < 4:
        raise DataError(
            f"{name}: only {len(data)} bytes, too short for an IDX header (4 bytes)"
        )

    # magic: two zero bytes, the type code, the number of dimensions
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    magic = struct.unpack(">I", data[:4])[0]
    if zero != 0:
        raise DataError(
            f"{name}: expected an IDX magic number 0x0000TTDD (two zero bytes, "
            f"type, dimensions), found 0x{magic:08X} ({_not_idx_hint(data)})"
        )
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise DataError(
            f"{name}: unsupported IDX type code 0x{type_code:02X}; "
            f"expected one of {known}"
        )
    if ndim == 0:
        raise DataError(
            f"{name}: IDX header declares zero dimensions; expected at least one"
        )

    # dimensions, then exactly prod(dims) values
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(
            f"{name}: truncated header: {ndim} dimensions need {header_size} bytes, "
            f"the file has {len(data)}"
        )
    dims = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = IDX_TYPES[type_code]
    expected = header_size + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise DataError(
            f"{name}: file {what}: dimensions {list(dims)} of {dtype.name} need "
            f"{expected} bytes, found {len(data)}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip) into an array of its declared type and shape."""
    return read_idx_bytes(read_raw_bytes(path), name=str(path))


def idx_bytes(array: np.ndarray) -> bytes:
    """The uncompressed IDX encoding of ``array``."""
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise DataError(f"IDX cannot store arrays of type {array.dtype}")
    header = struct.pack(">HBB", 0, codes[native], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(IDX_TYPES[codes[native]], copy=False).tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False):
    """Write ``array`` as an IDX file; gzip-compress it when ``compress`` is true."""
    data = idx_bytes(array)
    if compress:
        data = gzip.compress(data, mtime=0)
    Path(path).write_bytes(data)
