"""Reading and writing IDX files, the format MNIST and its relatives are shipped in.

An IDX file is a big-endian header followed by the raw array:

    bytes 0-1   zero
    byte  2     type code (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    4 d bytes   each dimension as a big-endian uint32
    then        prod(dimensions) values of the type, big-endian

Files may be gzip-compressed; compression is detected from the content (the gzip
magic bytes ``1f 8b``), never from the file name.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

__all__ = ["IDX_TYPES", "read_idx", "read_idx_bytes", "write_idx"]

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


def read_raw_bytes(path: str | os.PathLike) -> bytes:
    """The file's contents, decompressed if they are gzip, whatever the name says."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror or e})") from e
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(
                f"{path}: gzip data is damaged or truncated ({e}); "
                "download the file again"
            ) from e
    return data


def read_idx_bytes(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse uncompressed IDX content; ``name`` is used in error messages."""
    if len(data) == 0:
        raise DataError(f"{name}: the file is empty")
    if len(data) < 4:
        raise DataError(
            f"{name}: only {len(data)} bytes, too short for an IDX header (4 bytes)"
        )

    # magic: two zero bytes, the type code, the number of dimensions
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    magic = struct.unpack(">I", data[:4])[0]
    if zero != 0:
        swapped = struct.unpack("<I", data[:4])[0]
        hint = (
            " (the header looks little-endian; IDX headers are big-endian)"
            if swapped >> 16 == 0 and (swapped >> 8) & 0xFF in IDX_TYPES
            else " (this is not an IDX file)"
        )
        raise DataError(
            f"{name}: expected an IDX magic number 0x00000TDD, "
            f"found 0x{magic:08X}{hint}"
        )
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise DataError(
            f"{name}: unsupported IDX type code 0x{type_code:02X}; known: {known}"
        )
    if ndim == 0:
        raise DataError(f"{name}: IDX header declares zero dimensions")

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


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False):
    """Write ``array`` as an IDX file; gzip-compress it when ``compress`` is true."""
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise DataError(f"IDX cannot store arrays of type {array.dtype}")
    header = struct.pack(">HBB", 0, codes[native], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    body = array.astype(IDX_TYPES[codes[native]], copy=False).tobytes()
    data = header + body
    if compress:
        data = gzip.compress(data, mtime=0)
    Path(path).write_bytes(data)
