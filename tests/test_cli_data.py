"""``numeral data`` and ``--dataset``: output, exit codes, and clean errors."""

from __future__ import annotations

import gzip
import json
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
from idx_samples import make_arrays, tiny_spec, write_dataset
from test_download import serve, server  # noqa: F401  (the local HTTP server)

from numeral import registry
from numeral.cli import main
from numeral.idx import idx_bytes, write_idx
from numeral.modelfile import load_model


def run(capsys, *argv):
    """``numeral ARGV`` in-process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, *phrases):
    """Exit 1 with ``numeral: error:`` and each phrase, and no traceback."""
    assert code == 1
    assert err.startswith("numeral: error: ")
    assert "Traceback" not in err
    for phrase in phrases:
        assert str(phrase) in err


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A registered data set 'tiny' in ``tmp_path/tiny`` with true checksums."""
    arrays = make_arrays()
    monkeypatch.setitem(registry.REGISTRY, "tiny", tiny_spec(arrays))
    write_dataset(tmp_path / "tiny", arrays)
    return arrays


# ---- list -----------------------------------------------------------------------


def test_list_shows_where_and_whether_verified(capsys, data_dir):
    code, out, _ = run(capsys, "data", "list", "--data-dir", data_dir)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "verified" in rows["mnist"]
    assert str(data_dir / "mnist") in rows["mnist"]
    assert "verified" in rows["fashion-mnist"]
    assert "numeral data download kmnist" in rows["kmnist"]


def test_list_json(capsys, data_dir):
    code, out, _ = run(capsys, "data", "list", "--json", "--data-dir", data_dir)
    report = {d["name"]: d for d in json.loads(out)["datasets"]}
    assert code == 0
    assert report["mnist"]["status"] == "verified"
    assert report["kmnist"]["status"] == "not found"


def test_list_reports_a_failed_file(capsys, tiny, tmp_path):
    write_idx(tmp_path / "tiny" / "t10k-labels-idx1-ubyte.gz", np.ones(10, np.uint8))
    code, out, _ = run(capsys, "data", "list", "--data-dir", tmp_path)
    assert code == 0
    assert "FAILED" in out
    assert "t10k-labels-idx1-ubyte.gz: checksum mismatch" in out


def test_list_and_verify_an_incomplete_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("NUMERAL_DATA_DIR", raising=False)
    folder = write_dataset(tmp_path / "kmnist")
    (folder / "train-labels-idx1-ubyte.gz").unlink()

    code, out, _ = run(capsys, "data", "list", "--data-dir", tmp_path)
    assert code == 0
    assert "kmnist" in out and "incomplete" in out
    assert "missing train labels" in out

    code, _, err = run(capsys, "data", "verify", "--data-dir", tmp_path)
    assert_clean_error(code, err, folder, "missing train labels")


# ---- verify ---------------------------------------------------------------------


def test_verify_real_data(capsys, data_dir):
    code, out, _ = run(capsys, "data", "verify", "--data-dir", data_dir)
    assert code == 0
    assert "mnist: verified: every checksum matches" in out
    assert "fashion-mnist: verified" in out
    for spec in (registry.REGISTRY["mnist"], registry.REGISTRY["fashion-mnist"]):
        for f in spec.files:
            assert f"md5 {f.md5}" in out


def test_verify_checksum_mismatch(capsys, tiny, tmp_path):
    damaged = tiny["train_images"].copy()
    damaged[1, 2, 3] ^= 7
    path = tmp_path / "tiny" / "train-images-idx3-ubyte.gz"
    write_idx(path, damaged, compress=True)
    import hashlib

    expected = registry.REGISTRY["tiny"].file("train_images").md5
    found = hashlib.md5(idx_bytes(damaged)).hexdigest()

    code, out, err = run(capsys, "data", "verify", "tiny", "--data-dir", tmp_path)

    assert_clean_error(code, err, path, f"expected {expected}, found {found}")
    assert "FAIL" in out


def test_verify_idx_folder(capsys, tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(shape=(9, 9), n_classes=4))
    code, out, _ = run(capsys, "data", "verify", f"idx:{folder}")
    assert code == 0
    assert "structure ok: 30 training and 10 test images of 9x9 pixels, 4 classes" in (
        out
    )


def test_verify_nothing_found(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("NUMERAL_DATA_DIR", raising=False)
    code, _, err = run(capsys, "data", "verify", "--data-dir", tmp_path)
    assert_clean_error(code, err, "no data set found")


# ---- download -------------------------------------------------------------------


def test_download_through_the_cli(capsys, server, tiny, tmp_path, monkeypatch):  # noqa: F811
    serve(server, "m/tiny", tiny)
    monkeypatch.setenv("NUMERAL_MIRRORS", f"{server.url}/gone {server.url}/m")
    monkeypatch.delenv("NUMERAL_OFFLINE")
    dest = tmp_path / "dest"

    code, out, err = run(capsys, "data", "download", "tiny", "--data-dir", dest)

    assert code == 0
    assert f"tiny: verified, in {dest / 'tiny'}" in out
    assert "numeral: downloading tiny/train-images-idx3-ubyte.gz" in err
    assert (
        f"numeral: warning: {server.url}/gone/tiny/train-images-idx3-ubyte.gz: "
        "HTTP 404 Not Found; trying the next mirror"
    ) in err
    assert len(list((dest / "tiny").iterdir())) == 4


def test_download_failure_is_a_clean_error(capsys, server, tiny, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NUMERAL_MIRRORS", f"{server.url}/nothing")
    monkeypatch.delenv("NUMERAL_OFFLINE")
    code, _, err = run(capsys, "data", "download", "tiny")
    assert_clean_error(code, err, "could not download tiny file", "HTTP 404")


def test_download_needs_a_name(capsys):
    code, _, err = run(capsys, "data", "download")
    assert_clean_error(code, err, "name a data set to download")
    code, _, err = run(capsys, "data", "download", "emnist")
    assert_clean_error(code, err, "unknown data set 'emnist'")


def test_download_of_an_idx_folder_says_it_cannot_be(capsys, tmp_path):
    code, _, err = run(capsys, "data", "download", f"idx:{tmp_path}")
    assert_clean_error(code, err, "cannot be downloaded", "mnist, fashion-mnist")
    assert "expected mnist, fashion-mnist, kmnist or idx:DIR" not in err


# ---- show -----------------------------------------------------------------------


def test_show_counts_and_images(capsys, tmp_path):
    arrays = make_arrays(n_train=40, n_test=10, shape=(6, 8), n_classes=3)
    folder = write_dataset(tmp_path / "mine", arrays)
    (folder / "classes.txt").write_text("cat\ndog\nbird\n", encoding="utf-8")

    code, out, _ = run(capsys, "data", "show", f"idx:{folder}", "--count", "4")

    assert code == 0
    train = np.bincount(arrays["train_labels"])
    test = np.bincount(arrays["test_labels"])
    for i, name in enumerate(["cat", "dog", "bird"]):
        assert f"{i:>5}  {name:<5}  {train[i]:>7}  {test[i]:>7}" in out
    for i in range(4):
        assert f"#{i} {['cat', 'dog', 'bird'][arrays['train_labels'][i]]}" in out
    assert "#4 " not in out
    assert any(c in out for c in "░▒▓█")


def test_show_one_class_in_ascii(capsys, tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(n_classes=3))
    code, out, _ = run(
        capsys, "data", "show", f"idx:{folder}", "--class", "2", "--ascii", "--split",
        "test", "--count", "3",
    )  # fmt: skip
    assert code == 0
    assert re.findall(r"#(\d+) (\S+)", out) == [("2", "2"), ("5", "2"), ("8", "2")]
    assert not any(c in out for c in "░▒▓█")


def test_show_unknown_class(capsys, tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(n_classes=3))
    code, _, err = run(capsys, "data", "show", f"idx:{folder}", "--class", "frog")
    assert_clean_error(code, err, "--class 'frog'", "0 0, 1 1, 2 2")


def test_show_picture_grid(capsys, tmp_path):
    from PIL import Image

    arrays = make_arrays(shape=(7, 5))
    folder = write_dataset(tmp_path / "mine", arrays)
    out_png = tmp_path / "grid.png"

    code, out, _ = run(
        capsys, "data", "show", f"idx:{folder}", "--start", "3", "--count", "4",
        "--out", out_png, "--scale", "2",
    )  # fmt: skip

    assert code == 0
    assert f"saved 4 images to {out_png}" in out
    picture = np.asarray(Image.open(out_png).convert("L"))
    # the first tile sits after a 4-pixel margin, each pixel a 2x2 square
    tile = picture[4 : 4 + 14 : 2, 4 : 4 + 10 : 2]
    np.testing.assert_array_equal(tile, arrays["train_images"][3])


def test_show_real_fashion_mnist_names_classes(capsys, data_dir):
    code, out, _ = run(
        capsys, "data", "show", "fashion-mnist", "--data-dir", data_dir, "--count", "0"
    )
    assert code == 0
    assert "Ankle boot" in out
    assert "60000 training and 10000 test images of 28x28 pixels" in out


# ---- every bad input: a sentence, exit 1, no traceback ----------------------------


def _little_endian(folder):
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(struct.pack("<4I", 0x0803, 30, 28, 28) + bytes(30 * 784))
    return path, ["found 0x03080000", "little-endian", "expected an IDX magic"]


def _truncated(folder):
    path = folder / "t10k-images-idx3-ubyte.gz"
    data = idx_bytes(np.zeros((10, 28, 28), np.uint8))
    path.write_bytes(data[:-100])
    return path, ["truncated", f"need {len(data)} bytes, found {len(data) - 100}"]


def _truncated_gzip(folder):
    path = folder / "train-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path, ["gzip data is truncated", "its IDX header announces"]


def _not_idx(folder):
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_text("this is a text file\n")
    return path, ["found 0x74686973", "not an IDX file"]


def _empty(folder):
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"")
    return path, ["the file is empty", "expected an IDX header"]


def _counts_disagree(folder):
    path = folder / "t10k-labels-idx1-ubyte.gz"
    write_idx(path, np.zeros(7, np.uint8), compress=True)
    return path, ["7 labels but t10k-images-idx3-ubyte.gz holds 10 images"]


def _labels_out_of_range(folder):
    (folder / "classes.txt").write_text("\n".join("abcdefgh"), encoding="utf-8")
    path = folder / "train-labels-idx1-ubyte.gz"
    return path, ["labels must be in 0..7, found 8"]


def _unsupported_type(folder):
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(bytes([0, 0, 0x0A, 1, 0, 0, 0, 30]) + bytes(30))
    return path, ["unsupported IDX type code 0x0A", "expected one of"]


def _some_files(folder):
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    return folder, ["holds only some of the four files", "missing test images"]


@pytest.mark.parametrize(
    "damage",
    [
        _little_endian,
        _truncated,
        _truncated_gzip,
        _not_idx,
        _empty,
        _counts_disagree,
        _labels_out_of_range,
        _unsupported_type,
        _some_files,
    ],
)
@pytest.mark.parametrize("command", ["show", "train"])
def test_bad_input_is_a_sentence(capsys, tmp_path, damage, command):
    folder = write_dataset(tmp_path / "mine")
    path, phrases = damage(folder)
    argv = {
        "show": ["data", "show", f"idx:{folder}", "--count", "0"],
        "train": ["train", "--dataset", f"idx:{folder}", "--out", tmp_path / "m.npz"],
    }[command]

    code, out, err = run(capsys, *argv)

    assert_clean_error(code, err, path, *phrases)
    assert not (tmp_path / "m.npz").exists()


def test_gzip_and_raw_behind_the_wrong_names_load(capsys, tmp_path):
    folder = write_dataset(tmp_path / "mine", compress=False)
    raw = folder / "train-images-idx3-ubyte"
    raw.write_bytes(gzip.compress(raw.read_bytes()))
    (folder / "t10k-images-idx3-ubyte").rename(folder / "t10k-images-idx3-ubyte.gz")
    code, out, err = run(capsys, "data", "show", f"idx:{folder}", "--count", "0")
    assert (code, err) == (0, "")
    assert "30 training and 10 test images" in out


# ---- --dataset on train and evaluate --------------------------------------------


def test_train_and_evaluate_on_an_idx_folder(capsys, tmp_path, monkeypatch):
    arrays = make_arrays(n_train=80, n_test=20, shape=(6, 6), n_classes=4)
    folder = write_dataset(tmp_path / "mine", arrays)
    (folder / "classes.txt").write_text("n\ne\ns\nw\n", encoding="utf-8")
    model_path = tmp_path / "m.npz"
    monkeypatch.chdir(tmp_path)

    code, _, _ = run(
        capsys, "train", "--dataset", "idx:mine", "--hidden", "5", "--epochs", "1",
        "--val-size", "10", "--out", model_path,
    )  # fmt: skip
    model = load_model(model_path)

    assert code == 0
    assert model.network.sizes == [36, 5, 4]
    assert model.dataset == f"idx:{folder.resolve()}"
    assert model.class_names == ["n", "e", "s", "w"]

    # evaluate finds the data again from the model alone, from anywhere
    monkeypatch.chdir(tmp_path.parent)
    code, out, _ = run(capsys, "evaluate", model_path, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["dataset"] == model.dataset
    assert report["n_samples"] == 20


def test_train_and_evaluate_on_fashion_mnist(capsys, data_dir, tmp_path):
    model_path = tmp_path / "fashion.npz"
    code, _, _ = run(
        capsys, "train", "--dataset", "fashion-mnist", "--data-dir", data_dir,
        "--hidden", "16", "--epochs", "1", "--lr", "0.05", "--out", model_path,
    )  # fmt: skip
    assert code == 0
    assert load_model(model_path).dataset == "fashion-mnist"

    code, out, _ = run(capsys, "evaluate", model_path, "--data-dir", data_dir, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["dataset"] == "fashion-mnist"
    assert report["class_names"] == list(registry.REGISTRY["fashion-mnist"].class_names)
    assert report["n_samples"] == 10_000
    assert report["accuracy"] > 0.5


def test_unknown_dataset_is_refused_before_any_work(capsys):
    code, _, err = run(capsys, "train", "--dataset", "emnist")
    assert code == 2
    assert "unknown data set 'emnist'; expected mnist, fashion-mnist, kmnist" in err


def test_help_imports_nothing_heavy():
    script = (
        "import sys; from numeral.cli import build_parser;"
        "build_parser().format_help();"
        "heavy = ['PIL', 'tqdm', 'urllib.request', 'http.client', 'platformdirs'];"
        "print([m for m in heavy if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["grid.xyz", "grid"])
def test_show_refuses_a_picture_format_before_loading(capsys, tmp_path, name):
    missing = tmp_path / "not-there"
    code, out, err = run(capsys, "data", "show", f"idx:{missing}", "--out", name)
    assert_clean_error(code, err, "cannot tell an image format")
    assert out == ""


def test_show_refuses_a_picture_too_large_to_draw(capsys, tmp_path):
    folder = write_dataset(tmp_path / "mine")
    out_png = tmp_path / "grid.png"
    code, _, err = run(
        capsys, "data", "show", f"idx:{folder}", "--count", "1",
        "--scale", "400", "--out", out_png,
    )  # fmt: skip
    assert_clean_error(
        code, err, "1 image at scale 400 would be 11208x11222", "smaller scale"
    )
    assert not out_png.exists()
