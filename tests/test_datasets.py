"""Finding, loading and verifying data sets, registered ones and ``idx:DIR``."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from idx_samples import make_arrays, tiny_spec, write_dataset

from numeral import registry
from numeral.datasets import (
    cache_dir,
    load_dataset,
    locate,
    locate_idx,
    search_dirs,
    verify_dataset,
)
from numeral.errors import DataError
from numeral.idx import idx_bytes, write_idx
from numeral.registry import FILE_NAMES, REGISTRY, check_name, get_spec
from numeral.training import TrainConfig, train
from numeral.verify import check_file

# ---- the registry -----------------------------------------------------------


def test_registry_entries_are_complete():
    assert set(REGISTRY) == {"mnist", "fashion-mnist", "kmnist"}
    for spec in REGISTRY.values():
        assert len(spec.class_names) == 10
        assert [f.role for f in spec.files] == list(FILE_NAMES)
        assert spec.file("train_images").shape == (60_000, 28, 28)
        assert spec.file("test_labels").shape == (10_000,)
        assert spec.mirrors
        assert all(m.endswith("/") for m in spec.mirrors)
    assert len(REGISTRY["mnist"].mirrors) >= 2
    assert REGISTRY["fashion-mnist"].class_names[0] == "T-shirt/top"
    assert REGISTRY["kmnist"].class_names[3] == "tsu"


def test_kmnist_records_no_invented_checksums():
    spec = REGISTRY["kmnist"]
    assert not spec.has_checksums
    assert all(f.md5 is None for f in spec.files)
    assert "structure" in spec.checksum_note


def test_names_are_checked():
    assert check_name("fashion-mnist") == "fashion-mnist"
    assert check_name("idx:some/dir") == "idx:some/dir"
    with pytest.raises(DataError, match=r"unknown data set 'emnist'; expected mnist"):
        get_spec("emnist")
    with pytest.raises(DataError, match="names no folder"):
        check_name("idx:")


# ---- where data are looked for ----------------------------------------------


def test_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMERAL_DATA_DIR", str(tmp_path / "env"))
    dirs = search_dirs(tmp_path / "arg")
    assert dirs == [tmp_path / "arg", tmp_path / "env", cache_dir()]


def test_first_folder_holding_the_data_wins(tmp_path, monkeypatch):
    write_dataset(tmp_path / "env" / "mnist", seed=1)
    write_dataset(tmp_path / "arg" / "mnist", seed=2)
    monkeypatch.setenv("NUMERAL_DATA_DIR", str(tmp_path / "env"))

    assert locate("mnist", tmp_path / "arg")["train_images"].parent == (
        tmp_path / "arg" / "mnist"
    )
    assert locate("mnist")["train_images"].parent == tmp_path / "env" / "mnist"


def test_cache_folder_is_searched_last(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMERAL_DATA_DIR", raising=False)
    write_dataset(cache_dir() / "mnist")
    assert locate("mnist", tmp_path / "empty")["test_labels"].parent == (
        cache_dir() / "mnist"
    )


def test_cache_folder_follows_platform_convention(monkeypatch):
    from platformdirs import user_cache_dir

    monkeypatch.delenv("NUMERAL_CACHE_DIR")
    assert cache_dir() == type(cache_dir())(user_cache_dir("numeral"))


def test_not_found_names_every_folder_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMERAL_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DataError) as info:
        load_dataset("kmnist", tmp_path / "arg")
    message = str(info.value)
    for folder in (tmp_path / "arg", tmp_path / "env", cache_dir()):
        assert str(folder / "kmnist") in message
    assert "numeral data download kmnist" in message
    assert "NUMERAL_OFFLINE" in message


def test_folder_with_some_of_the_four_files(tmp_path):
    folder = write_dataset(tmp_path / "mnist")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    (folder / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError) as info:
        load_dataset("mnist", tmp_path)
    message = str(info.value)
    assert str(folder) in message
    assert "found train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz" in message
    assert "missing train images (train-images-idx3-ubyte[.gz])" in message
    assert "test labels (t10k-labels-idx1-ubyte[.gz])" in message


# ---- loading a registered data set --------------------------------------------


def test_load_scales_and_flattens(tmp_path):
    arrays = make_arrays(n_train=12, n_test=5)
    write_dataset(tmp_path / "fashion-mnist", arrays)

    data = load_dataset("fashion-mnist", tmp_path)

    assert data.name == "fashion-mnist"
    assert data.train_images.shape == (12, 784)
    assert data.train_images.dtype == np.float32
    np.testing.assert_allclose(
        data.test_images, arrays["test_images"].reshape(5, -1) / 255.0, rtol=1e-6
    )
    np.testing.assert_array_equal(data.train_labels, arrays["train_labels"])
    assert data.class_names == REGISTRY["fashion-mnist"].class_names
    assert data.image_shape == (28, 28)
    assert data.n_classes == 10


def test_raw_and_gzip_files_mix(tmp_path):
    arrays = make_arrays()
    folder = write_dataset(tmp_path / "mnist", arrays, compress=False)
    # gzip behind the raw name, raw behind a .gz name
    raw = folder / "train-images-idx3-ubyte"
    raw.write_bytes(gzip.compress(raw.read_bytes()))
    labels = folder / "t10k-labels-idx1-ubyte"
    labels.rename(folder / "t10k-labels-idx1-ubyte.gz")

    data = load_dataset("mnist", tmp_path)

    np.testing.assert_array_equal(
        data.train_images, arrays["train_images"].reshape(30, -1) / np.float32(255)
    )
    np.testing.assert_array_equal(data.test_labels, arrays["test_labels"])


def test_counts_that_disagree(tmp_path):
    arrays = make_arrays(n_train=30)
    arrays["train_labels"] = arrays["train_labels"][:29]
    folder = write_dataset(tmp_path / "mnist", arrays)
    with pytest.raises(DataError) as info:
        load_dataset("mnist", tmp_path)
    message = str(info.value)
    assert str(folder / "train-labels-idx1-ubyte.gz") in message
    assert "29 labels but train-images-idx3-ubyte.gz holds 30 images" in message


def test_labels_outside_the_class_range(tmp_path):
    arrays = make_arrays()
    arrays["test_labels"][3] = 12
    folder = write_dataset(tmp_path / "mnist", arrays)
    with pytest.raises(DataError) as info:
        load_dataset("mnist", tmp_path)
    message = str(info.value)
    assert str(folder / "t10k-labels-idx1-ubyte.gz") in message
    assert "labels must be in 0..9, found 12 (label #3" in message


def test_registered_set_of_the_wrong_image_size(tmp_path):
    write_dataset(tmp_path / "mnist", shape=(20, 20))
    with pytest.raises(
        DataError, match="expected mnist images of 28x28 pixels, found "
    ):
        load_dataset("mnist", tmp_path)


def test_images_of_the_wrong_type(tmp_path):
    arrays = make_arrays()
    arrays["train_images"] = arrays["train_images"].astype(np.float32)
    write_dataset(tmp_path / "mnist", arrays)
    with pytest.raises(DataError, match="expected pixels as unsigned bytes .* float32"):
        load_dataset("mnist", tmp_path)


def test_images_with_a_missing_dimension(tmp_path):
    arrays = make_arrays()
    arrays["test_images"] = arrays["test_images"].reshape(10, -1)
    write_dataset(tmp_path / "mnist", arrays)
    with pytest.raises(DataError, match=r"expected images of 3 dimensions .* found 2"):
        load_dataset("mnist", tmp_path)


def test_a_bad_header_names_the_file(tmp_path):
    folder = write_dataset(tmp_path / "mnist")
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"")
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: the file is empty"):
        load_dataset("mnist", tmp_path)


@pytest.mark.parametrize(
    ("role", "shape"), [("train_images", (0, 28, 28)), ("test_images", (10, 0, 28))]
)
def test_images_of_nothing(tmp_path, role, shape):
    arrays = make_arrays()
    arrays[role] = np.zeros(shape, np.uint8)
    arrays[role.replace("images", "labels")] = np.zeros(shape[0], np.uint8)
    write_dataset(tmp_path / "mine", arrays)
    with pytest.raises(DataError, match=f"holds {shape[0]} images of .*at least one"):
        load_dataset(f"idx:{tmp_path / 'mine'}")


# ---- idx:DIR ------------------------------------------------------------------


def test_idx_folder_of_any_size_and_class_count(tmp_path):
    write_dataset(tmp_path / "mine", make_arrays(40, 9, shape=(5, 7), n_classes=3))

    data = load_dataset(f"idx:{tmp_path / 'mine'}")

    assert data.name == f"idx:{(tmp_path / 'mine').resolve()}"
    assert data.image_shape == (5, 7)
    assert data.n_features == 35
    assert data.class_names == ("0", "1", "2")


def test_idx_folder_names_its_classes(tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(n_classes=3))
    (folder / "classes.txt").write_text("cat\ndog\nbird\n", encoding="utf-8")
    assert load_dataset(f"idx:{folder}").class_names == ("cat", "dog", "bird")


def test_idx_class_names_that_are_not_text(tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(n_classes=3))
    (folder / "classes.txt").write_bytes(b"cat\n\xff\xfe\x00dog\n")
    with pytest.raises(DataError, match="classes.txt: cannot read it as UTF-8 text"):
        load_dataset(f"idx:{folder}")


def test_idx_labels_outside_the_named_classes(tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(n_classes=4))
    (folder / "classes.txt").write_text("cat\ndog\nbird\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(f"idx:{folder}")
    assert str(folder / "train-labels-idx1-ubyte.gz") in str(info.value)
    assert "labels must be in 0..2, found 3" in str(info.value)


def test_idx_negative_labels(tmp_path):
    arrays = make_arrays()
    arrays["train_labels"] = arrays["train_labels"].astype(np.int8)
    arrays["train_labels"][0] = -1
    folder = write_dataset(tmp_path / "mine", arrays)
    with pytest.raises(DataError, match=r"labels must be in 0\.\.9, found -1"):
        load_dataset(f"idx:{folder}")


def test_idx_float_labels(tmp_path):
    arrays = make_arrays()
    arrays["test_labels"] = arrays["test_labels"].astype(np.float32)
    folder = write_dataset(tmp_path / "mine", arrays)
    with pytest.raises(DataError, match="expected integer labels, found float32"):
        load_dataset(f"idx:{folder}")


def test_idx_train_and_test_sizes_must_agree(tmp_path):
    arrays = make_arrays()
    arrays["test_images"] = np.zeros((10, 14, 14), np.uint8)
    folder = write_dataset(tmp_path / "mine", arrays)
    with pytest.raises(DataError, match="images are 14x14 pixels but the training"):
        load_dataset(f"idx:{folder}")


def test_idx_other_naming_styles(tmp_path):
    names = {
        "train_images": "train-images.idx3-ubyte",
        "train_labels": "train-labels.idx1-ubyte",
        "test_images": "emnist-digits-test-images-idx3-ubyte",
        "test_labels": "emnist-digits-test-labels-idx1-ubyte",
    }
    folder = write_dataset(tmp_path / "mine", names=names)
    (folder / "README.txt").write_text("notes")
    found = locate_idx(folder)
    assert {role: p.name for role, p in found.items()} == {
        r: n + ".gz" for r, n in names.items()
    }


def test_idx_prefers_the_raw_copy_of_a_file(tmp_path):
    folder = write_dataset(tmp_path / "mine")
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((30, 28, 28), np.uint8))
    assert locate_idx(folder)["train_images"].name == "train-images-idx3-ubyte"


def test_idx_two_candidates_for_one_file(tmp_path):
    folder = write_dataset(tmp_path / "mine")
    write_idx(folder / "train-images-v2-idx3-ubyte", np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(DataError, match="two files could be the train images"):
        locate_idx(folder)


def test_idx_folder_with_some_of_the_four_files(tmp_path):
    folder = write_dataset(tmp_path / "mine")
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError) as info:
        load_dataset(f"idx:{folder}")
    assert str(folder) in str(info.value)
    assert "missing test images" in str(info.value)


def test_idx_folder_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        load_dataset(f"idx:{tmp_path / 'nowhere'}")


def test_network_sizes_follow_an_idx_data_set(tmp_path):
    folder = write_dataset(tmp_path / "mine", make_arrays(60, 12, (6, 5), 4))
    data = load_dataset(f"idx:{folder}")
    config = TrainConfig(hidden_sizes=(8,), epochs=1, val_size=10, dataset=data.name)

    result = train(config, data)

    assert result.network.sizes == [30, 8, 4]


# ---- verification -------------------------------------------------------------


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A registered data set 'tiny' in ``tmp_path/tiny`` with true checksums."""
    arrays = make_arrays()
    monkeypatch.setitem(registry.REGISTRY, "tiny", tiny_spec(arrays))
    write_dataset(tmp_path / "tiny", arrays)
    return arrays


def test_verify_good_files(tiny, tmp_path):
    checks = verify_dataset("tiny", tmp_path)
    assert [c.ok for c in checks] == [True] * 4
    assert [c.md5 for c in checks] == [c.expected_md5 for c in checks]


def test_checksum_mismatch_gives_both_checksums(tiny, tmp_path):
    damaged = tiny["train_images"].copy()
    damaged[0, 0, 0] ^= 1
    path = tmp_path / "tiny" / "train-images-idx3-ubyte.gz"
    write_idx(path, damaged, compress=True)
    expected = REGISTRY["tiny"].file("train_images").md5

    check = verify_dataset("tiny", tmp_path)[0]

    import hashlib

    found = hashlib.md5(idx_bytes(damaged)).hexdigest()
    assert not check.ok
    assert (check.md5, check.expected_md5) == (found, expected)
    assert str(path) in check.message
    assert f"expected {expected}, found {found}" in check.message


def test_verify_shape_against_the_registry(tiny, tmp_path):
    write_idx(tmp_path / "tiny" / "t10k-labels-idx1-ubyte.gz", np.zeros(9, np.uint8))
    check = verify_dataset("tiny", tmp_path)[3]
    assert not check.ok
    assert "expected shape [10] for tiny test labels, found [9]" in check.message


def test_structure_only_without_checksums(monkeypatch, tmp_path):
    arrays = make_arrays()
    monkeypatch.setitem(
        registry.REGISTRY, "nosum", tiny_spec(arrays, "nosum", checksums=False)
    )
    write_dataset(tmp_path / "nosum", arrays)
    checks = verify_dataset("nosum", tmp_path)
    assert all(c.ok and not c.checksummed for c in checks)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_real_files_match_the_published_checksums(data_dir, name):
    checks = verify_dataset(name, data_dir)
    assert [c.message for c in checks] == ["ok"] * 4
    spec = REGISTRY[name]
    assert [c.md5 for c in checks] == [f.md5 for f in spec.files]


def test_real_mnist_checksums_match_the_files_beside_it(data_dir):
    sums = (data_dir / "mnist" / "MD5SUMS-uncompressed").read_text().split("\n")
    published = dict(line.split()[::-1] for line in sums if line.strip())
    assert {f.name: f.md5 for f in REGISTRY["mnist"].files} == published


def test_real_mnist_loads(mnist):
    assert mnist.train_images.shape == (60_000, 784)
    assert mnist.test_images.shape == (10_000, 784)
    assert mnist.train_images.min() == 0.0
    assert mnist.train_images.max() == 1.0
    assert np.bincount(mnist.test_labels).tolist()[:3] == [980, 1135, 1032]


def test_check_file_of_a_missing_file(tmp_path):
    spec = REGISTRY["mnist"]
    check = check_file(tmp_path / "gone.gz", spec.files[0], spec)
    assert not check.ok
    assert "cannot read" in check.message
