"""IDX reading and writing: round trips, and every malformed file refused by name."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from numeral.errors import DataError
from numeral.idx import IDX_TYPES, idx_bytes, read_idx, read_idx_bytes, write_idx


@pytest.mark.parametrize("code", sorted(IDX_TYPES))
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_type(tmp_path, rng, code, compress):
    dtype = IDX_TYPES[code].newbyteorder("=")
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = tmp_path / "a.idx"
    write_idx(path, array, compress=compress)

    back = read_idx(path)

    assert back.dtype == dtype
    np.testing.assert_array_equal(back, array)


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, st.lists(st.integers(1, 5), min_size=1, max_size=4)))
def test_round_trip_any_shape(array):
    np.testing.assert_array_equal(read_idx_bytes(idx_bytes(array)), array)


def test_header_is_big_endian_as_specified():
    data = idx_bytes(np.zeros((2, 3), np.uint8))
    assert data[:12] == bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3])


def test_gzip_content_behind_a_raw_name_loads(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(path), array)


def test_raw_content_behind_a_gz_name_loads(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(idx_bytes(array))
    np.testing.assert_array_equal(read_idx(path), array)


def _refused(tmp_path, data: bytes, name="f-idx3-ubyte") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_little_endian_header(tmp_path):
    data = struct.pack("<I", 0x0803) + struct.pack("<3I", 1, 2, 2) + bytes(4)
    message = _refused(tmp_path, data)
    assert "expected an IDX magic number 0x0000TTDD" in message
    assert "found 0x03080000" in message
    assert "little-endian" in message


def test_not_idx_at_all(tmp_path):
    message = _refused(tmp_path, b"label,pixel0,pixel1\n5,0,0\n")
    assert "found 0x6C616265" in message
    assert "not an IDX file" in message


@pytest.mark.parametrize(
    "data, hint",
    [
        (b"<html><body>404 Not Found</body></html>", "HTML"),
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "PNG"),
        (b"\x93NUMPY" + bytes(20), "NumPy"),
        (b"PK\x03\x04" + bytes(20), "zip"),
    ],
)
def test_other_formats_are_named(tmp_path, data, hint):
    assert hint in _refused(tmp_path, data)


def test_empty_file(tmp_path):
    message = _refused(tmp_path, b"")
    assert "empty" in message
    assert "expected an IDX header" in message


def test_header_too_short(tmp_path):
    assert "only 2 bytes" in _refused(tmp_path, b"\0\0")


def test_truncated_raw_file(tmp_path):
    data = idx_bytes(np.zeros((10, 4, 4), np.uint8))
    message = _refused(tmp_path, data[:-7])
    assert "truncated" in message
    assert f"need {len(data)} bytes, found {len(data) - 7}" in message


def test_truncated_header(tmp_path):
    data = idx_bytes(np.zeros((10, 4, 4), np.uint8))[:9]
    message = _refused(tmp_path, data)
    assert "3 dimensions need 16 bytes, the file has 9" in message


def test_truncated_gzip_file(tmp_path):
    rng = np.random.default_rng(0)
    data = idx_bytes(rng.integers(0, 256, (50, 8, 8), dtype=np.uint8))
    packed = gzip.compress(data)
    message = _refused(tmp_path, packed[: len(packed) // 2], name="f.gz")
    assert "gzip data is truncated" in message
    assert f"of the {len(data)} its IDX header announces" in message


def test_trailing_bytes(tmp_path):
    data = idx_bytes(np.zeros((2, 2), np.uint8))
    message = _refused(tmp_path, data + b"xx")
    assert "trailing bytes" in message
    assert f"need {len(data)} bytes, found {len(data) + 2}" in message


def test_unsupported_type_code(tmp_path):
    data = bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 7])
    message = _refused(tmp_path, data)
    assert "unsupported IDX type code 0x0A" in message
    assert "expected one of 0x08" in message


def test_zero_dimensions(tmp_path):
    assert "zero dimensions" in _refused(tmp_path, bytes([0, 0, 0x08, 0]))


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "nothing-here")


def test_arrays_idx_cannot_hold_are_refused(tmp_path):
    with pytest.raises(DataError, match="cannot store arrays of type"):
        write_idx(tmp_path / "x", np.zeros(3, np.uint64))
