"""Output files: written whole or not at all, with ordinary permissions."""

import os
import stat

import pytest

from numeral.atomicfile import atomic_write, make_folder
from numeral.errors import OutputError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_writes_the_file_with_the_permissions_of_a_new_file(tmp_path, umask_022):
    path = tmp_path / "out" / "a.bin"
    with atomic_write(path) as f:
        f.write(b"abc")
    assert path.read_bytes() == b"abc"
    assert mode(path) == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.bin"]


def test_text_mode(tmp_path):
    path = tmp_path / "a.txt"
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("é\n")
    assert path.read_bytes() == "é\n".encode()


def test_an_error_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(path) as f:
        f.write(b"half")
        raise RuntimeError("stopped")
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]


def test_ctrl_c_leaves_no_file(tmp_path):
    path = tmp_path / "a.bin"
    with pytest.raises(KeyboardInterrupt), atomic_write(path) as f:
        f.write(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("under", ["", "sub"])
def test_a_file_in_place_of_a_folder_is_named(tmp_path, under):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    message = f"{blocker} is a file, not a folder"
    with pytest.raises(OutputError, match=message), atomic_write(blocker / under / "a"):
        pass
    with pytest.raises(OutputError, match=message):
        make_folder(blocker / under)


def test_a_folder_in_place_of_the_file_is_refused(tmp_path):
    with pytest.raises(OutputError, match="it is a folder"), atomic_write(tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []


def test_errors_of_the_file_system_name_the_target_not_the_temporary_file(tmp_path):
    path = tmp_path / "a.bin"
    with pytest.raises(OutputError) as caught, atomic_write(path):
        raise OSError(28, "No space left on device", str(tmp_path / ".a.bin.x.tmp"))
    assert str(caught.value) == f"cannot write {path}: no space left on device"
    assert list(tmp_path.iterdir()) == []
