"""Model files: round trip, self-description, refusals and atomic writes."""

import json
import os
import stat
import zipfile

import numpy as np
import pytest

from numeral.errors import ModelFileError
from numeral.modelfile import Model, load_model, save_model
from numeral.network import Network


@pytest.fixture
def model(rng):
    network = Network.create([6, 4, 3], "leaky_relu", "softmax", alpha=0.2, rng=rng)
    return Model(network, {"dataset": "mnist", "class_names": ["a", "b", "c"]})


def test_round_trip_is_exact(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)
    loaded = load_model(path)
    for W, W2 in zip(
        model.network.W + model.network.b, loaded.network.W + loaded.network.b
    ):
        assert W.dtype == W2.dtype == np.float32
        np.testing.assert_array_equal(W, W2)
    assert loaded.network.hidden_activation.alpha == 0.2
    assert loaded.network.output_activation.name == "softmax"
    assert loaded.class_names == ["a", "b", "c"]
    assert loaded.metadata["sizes"] == [6, 4, 3]
    assert loaded.metadata["format_version"] == 1


def test_same_contents_give_the_same_bytes(tmp_path, model):
    save_model(tmp_path / "a.npz", model)
    save_model(tmp_path / "b.npz", model)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_refuses_nan_weights_and_keeps_the_old_file(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)
    before = path.read_bytes()
    model.network.W[0][0, 0] = np.nan
    with pytest.raises(ModelFileError, match="NaN"):
        save_model(path, model)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def rewrite(path, change):
    """Rewrite a model file's arrays through ``change(arrays)``."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    np.savez(path, **arrays)


def test_shape_mismatch_is_named(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)
    rewrite(path, lambda a: a.update(W2=np.zeros((3, 5), np.float32)))
    with pytest.raises(ModelFileError, match=r"W2 has shape \(3, 5\).*\(3, 4\)"):
        load_model(path)


def test_missing_array_is_named(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)
    rewrite(path, lambda a: a.pop("b1"))
    with pytest.raises(ModelFileError, match="b1 is missing"):
        load_model(path)


def test_newer_format_is_refused(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)

    def bump(arrays):
        meta = json.loads(str(arrays["metadata"]))
        meta["format_version"] = 99
        arrays["metadata"] = np.array(json.dumps(meta))

    rewrite(path, bump)
    with pytest.raises(ModelFileError, match="version 99"):
        load_model(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04bad"])
def test_garbage_is_refused(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not a numeral model file") as caught:
        load_model(path)
    assert "pickle" not in str(caught.value)  # never numpy's advice to unpickle


def test_pickled_arrays_are_never_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, metadata=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ModelFileError):
        load_model(path)


def test_plain_npz_without_metadata(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, W1=np.zeros((2, 2)))
    with pytest.raises(ModelFileError, match="no metadata"):
        load_model(path)


def test_file_is_a_zip_of_npy_arrays(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)
    names = zipfile.ZipFile(path).namelist()
    assert sorted(names) == ["W1.npy", "W2.npy", "b1.npy", "b2.npy", "metadata.npy"]


def change_metadata(path, **entries):
    """Rewrite a model file with ``entries`` replaced in its metadata."""

    def change(arrays):
        meta = json.loads(str(arrays["metadata"]))
        meta.update(entries)
        arrays["metadata"] = np.array(json.dumps(meta))

    rewrite(path, change)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"format_version": 0}, "format version 0 is not valid"),
        ({"sizes": [6, "4", 3]}, "no valid 'sizes' list"),
        ({"sizes": [6, True, 3]}, "no valid 'sizes' list"),
        ({"class_names": ["a", "b"]}, "'class_names' should be a list of 3 strings"),
        ({"class_names": 3}, "'class_names' should be a list of 3 strings"),
        ({"class_names": [1, 2, 3]}, "'class_names' should be a list of 3 strings"),
        ({"image_shape": [2, 2]}, r"'image_shape' should be \[height, width\]"),
        ({"image_shape": "2x3"}, r"'image_shape' should be \[height, width\]"),
        ({"dataset": 5}, "'dataset' should be a string, found 5"),
        ({"loss": ["x"]}, "'loss' should be a string"),
        ({"config": 5}, "'config' should be an object"),
        ({"metrics": "x"}, "'metrics' should be an object"),
        ({"history": "x"}, "'history' should be a list of epochs"),
        ({"history": [{"epoch": 1, "train_loss": "low"}]}, "'history' should be"),
    ],
)
def test_malformed_metadata_is_named(tmp_path, model, entries, message):
    path = save_model(tmp_path / "m.npz", model)
    change_metadata(path, **entries)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_metadata_that_is_not_an_object(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, metadata=np.array("[1, 2]"))
    with pytest.raises(ModelFileError, match="not a numeral model file"):
        load_model(path)


def test_optional_metadata_may_be_absent_or_null(tmp_path, model):
    path = save_model(tmp_path / "m.npz", model)
    change_metadata(path, dataset=None, history=None, config=None, class_names=None)
    assert load_model(path).class_names == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.full((4, 6), np.nan, np.float32), "W1 holds NaN or infinity"),
        (np.full((4, 6), np.inf, np.float32), "W1 holds NaN or infinity"),
        (np.zeros((4, 6), np.int64), "W1 holds int64, expected floating-point"),
        (np.zeros((4, 6), np.complex64), "W1 holds complex64"),
        (np.full((4, 6), "a"), "W1 holds <U1"),
    ],
)
def test_weights_must_be_finite_floats(tmp_path, model, array, message):
    path = save_model(tmp_path / "m.npz", model)
    rewrite(path, lambda a: a.update(W1=array))
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_a_plain_npy_file_is_not_a_model(tmp_path):
    path = tmp_path / "m.npz"
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(ModelFileError, match=r"not a numeral model file \(not a .npz"):
        load_model(path)


def test_a_folder_is_not_a_model(tmp_path):
    with pytest.raises(ModelFileError, match="is a folder, not a model file"):
        load_model(tmp_path)


def test_a_text_model_is_named_with_the_command_that_converts_it(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text("[layers]\n[2, 1]\n")
    with pytest.raises(ModelFileError, match="numeral convert") as caught:
        load_model(path)
    assert str(caught.value) == (
        f"{path}: a number_recognition text model, not a numeral model file; "
        f"convert it first: numeral convert {path} net.npz"
    )


def test_saved_file_has_the_permissions_of_a_new_file(tmp_path, model):
    old = os.umask(0o022)
    try:
        path = save_model(tmp_path / "m.npz", model)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
