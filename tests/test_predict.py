"""``numeral predict``: output, options, per-file errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from digit_images import (
    black_on_white,
    header_only_png,
    jpeg,
    pick_digits,
    white_on_black,
)
from PIL import Image

from numeral.activations import LeakyReLU, Softmax
from numeral.cli import main
from numeral.cli.predict import DEFAULT_MAX_PIXELS
from numeral.modelfile import Model, load_model, save_model
from numeral.network import Network
from numeral.preprocess import MAX_PIXELS, preprocess_file
from numeral.textmodel import from_network, write_text_model


@pytest.fixture(scope="module")
def model(small_model_path):
    return load_model(small_model_path)


@pytest.fixture(scope="module")
def digits(model, mnist):
    return pick_digits(model, mnist)


@pytest.fixture
def folder(digits, tmp_path):
    """Three digits as different kinds of file in one folder, and their labels."""
    images = tmp_path / "images"
    images.mkdir()
    made = {}
    for (digit, label), make in zip(
        digits[2:5], [white_on_black, black_on_white, jpeg]
    ):
        made[make(digit, images).name] = label
    (images / "notes.txt").write_text("not an image")
    return images, made


def predict(capsys, *argv):
    code = main(["predict", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_one_image_prints_digit_probability_and_runner_up(
    small_model_path, digits, tmp_path, capsys
):
    digit, label = digits[7]
    path = black_on_white(digit, tmp_path)
    code, lines, err = predict(capsys, small_model_path, path)
    assert code == 0 and err == ""
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}: {label} (")
    assert ", runner-up " in lines[0]


def test_top_k(small_model_path, digits, tmp_path, capsys):
    path = white_on_black(digits[1][0], tmp_path)
    _, lines, _ = predict(capsys, small_model_path, path, "--top", "4")
    assert lines[0].count("%") == 4 and ", then " in lines[0]
    _, lines, _ = predict(capsys, small_model_path, path, "--top", "1")
    assert lines[0].count("%") == 1
    assert predict(capsys, small_model_path, path, "--top", "0")[0] == 2


def test_json_gives_one_object_per_image(small_model_path, folder, capsys):
    images, made = folder
    code, lines, _ = predict(capsys, small_model_path, images, "--json", "--top", "3")
    assert code == 0
    records = [json.loads(line) for line in lines]
    assert [r["file"] for r in records] == [str(images / name) for name in sorted(made)]
    for record in records:
        probabilities = record["probabilities"]
        assert sorted(probabilities) == [str(d) for d in range(10)]
        assert sum(probabilities.values()) == pytest.approx(1, abs=1e-4)
        assert record["prediction"] == max(probabilities, key=probabilities.get)
        assert record["prediction"] == str(made[record["file"].split("/")[-1]])
        assert record["probability"] == probabilities[record["prediction"]]
        top = [t["probability"] for t in record["top"]]
        assert len(top) == 3 and top == sorted(top, reverse=True)
        assert isinstance(record["inverted"], bool)


def test_folder_means_every_image_in_it(small_model_path, folder, capsys):
    images, made = folder
    code, lines, _ = predict(capsys, small_model_path, images)
    assert code == 0
    assert len(lines) == len(made)  # notes.txt is not an image
    for line, name in zip(lines, sorted(made)):
        assert line.startswith(f"{images / name}: {made[name]} (")


def test_failures_are_per_file_and_set_the_exit_code(
    small_model_path, digits, tmp_path, capsys
):
    good = white_on_black(digits[6][0], tmp_path)
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")
    huge = header_only_png(tmp_path / "huge.png", 9000, 9000)
    missing = tmp_path / "missing.png"
    empty = tmp_path / "empty"
    empty.mkdir()

    files = [blank, broken, good, huge, missing, empty]
    code, lines, err = predict(capsys, small_model_path, *files)
    assert code == 1
    assert lines == [line for line in lines if line.startswith(f"{good}: 6 (")]
    assert len(lines) == 1
    errors = err.splitlines()
    assert f"numeral: error: {blank}: no ink found" in errors[0]
    assert f"numeral: error: {broken}: cannot read it as an image" in errors[1]
    assert f"{huge}: image of 9000 x 9000 = 81,000,000 pixels" in errors[2]
    assert f"numeral: error: {missing}: no such file" in errors[3]
    assert f"numeral: error: {empty}: folder holds no image files" in errors[4]
    assert errors[-1] == "numeral: 5 of 6 images could not be classified"

    # in JSON, failures are objects too, in order
    code, lines, _ = predict(capsys, small_model_path, blank, good, "--json")
    records = [json.loads(line) for line in lines]
    assert code == 1
    assert records[0]["file"] == str(blank) and "no ink" in records[0]["error"]
    assert records[1]["prediction"] == "6"


def test_max_pixels_option(small_model_path, digits, tmp_path, capsys):
    path = white_on_black(digits[0][0], tmp_path)  # 112 x 112
    code, _, err = predict(capsys, small_model_path, path, "--max-pixels", "10000")
    assert code == 1 and "larger than the limit of 10,000" in err
    assert DEFAULT_MAX_PIXELS == MAX_PIXELS


def test_invert_options_override_detection(small_model_path, digits, tmp_path, capsys):
    digit, label = digits[3]
    dark_ink = black_on_white(digit, tmp_path)
    code, lines, _ = predict(capsys, small_model_path, dark_ink, "--invert", "--json")
    assert code == 0 and json.loads(lines[0])["inverted"] is True
    assert json.loads(lines[0])["prediction"] == str(label)

    # told the ink is light, the paper is all there is to see
    code, lines, err = predict(capsys, small_model_path, dark_ink, "--no-invert")
    assert code == 1 and lines == []
    assert "no ink found" in err and "polarity" in err


def test_save_preprocessed_writes_what_the_network_saw(
    small_model_path, digits, tmp_path, capsys
):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = white_on_black(digits[8][0], a)
    second = white_on_black(digits[9][0], b)  # the same file name
    out = tmp_path / "seen"
    code, lines, _ = predict(
        capsys, small_model_path, first, second, "--save-preprocessed", out, "--json"
    )
    assert code == 0
    saved = [json.loads(line)["preprocessed"] for line in lines]
    assert saved == [str(out / "white_on_black.png"), str(out / "white_on_black-2.png")]
    for path, source in zip(saved, (first, second)):
        image = Image.open(path)
        assert image.mode == "L" and image.size == (28, 28)
        expected = preprocess_file(source).pixels
        np.testing.assert_allclose(
            np.asarray(image, np.float32) / 255, expected, atol=0.5 / 255 + 1e-6
        )


def test_text_model_file_works_directly(digits, tmp_path, capsys):
    # a network that answers by the ink in the top half: W picks those pixels
    W = np.zeros((10, 784), np.float32)
    W[1, : 14 * 28] = 1.0
    network = Network([W], [np.zeros(10, np.float32)], LeakyReLU(0.01), Softmax())
    path = write_text_model(tmp_path / "model.txt", from_network(network))
    image = white_on_black(digits[0][0], tmp_path)
    code, lines, _ = predict(capsys, path, image)
    assert code == 0 and lines[0].startswith(f"{image}: 1 (")


def test_model_of_the_wrong_size_is_refused(tmp_path, digits, capsys):
    network = Network.create([100, 10])
    path = save_model(tmp_path / "small.npz", Model(network))
    image = white_on_black(digits[0][0], tmp_path)
    code, lines, err = predict(capsys, path, image)
    assert code == 1 and lines == []
    assert "takes 100 inputs" in err and "784" in err


def test_predict_imports_nothing_heavy(small_model_path, digits, tmp_path):
    image = white_on_black(digits[0][0], tmp_path)
    code = (
        "import sys\n"
        "from numeral.cli import main\n"
        f"assert main(['predict', {str(small_model_path)!r}, {str(image)!r}]) == 0\n"
        "heavy = {'matplotlib', 'scipy', 'sklearn', 'pandas', 'tqdm'}\n"
        "loaded = heavy & {name.split('.')[0] for name in sys.modules}\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
