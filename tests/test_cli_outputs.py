"""Every command that writes a file: a path it cannot write is one clean error.

Each command is pointed at an output under a plain file (the one case that fails
even for root), at an existing folder, and at a folder with an ordinary file in
it; it must exit 1 with a single ``numeral: error:`` line, print no traceback and
leave no file, temporary or partial, behind.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from idx_samples import write_dataset
from PIL import Image

from numeral.cli import main
from numeral.modelfile import Model, save_model
from numeral.network import Network


@pytest.fixture
def inputs(tmp_path, rng):
    """A 784-8-10 model of a tiny idx data set, a digit image, and a plain file."""
    folder = write_dataset(tmp_path / "digits")
    network = Network.create([784, 8, 10], "relu", "softmax", rng=rng)
    metadata = {"dataset": f"idx:{folder}", "image_shape": [28, 28]}
    model = save_model(tmp_path / "model.npz", Model(network, metadata))
    image = np.zeros((28, 28), np.uint8)
    image[6:22, 12:16] = 255
    Image.fromarray(image).save(tmp_path / "one.png")
    (tmp_path / "file").write_text("a file, not a folder")
    return {"model": model, "data": folder, "image": tmp_path / "one.png"}


def commands(inputs, out: Path) -> dict[str, tuple[list, Path]]:
    """Each command writing near ``out``: its arguments and the path it writes."""
    model, data, image = inputs["model"], inputs["data"], inputs["image"]
    npz, txt, png, html = (
        out.with_suffix(s) for s in (".npz", ".txt", ".png", ".html")
    )
    return {
        "convert npz": (["convert", model, npz], npz),
        "convert txt": (["convert", model, txt], txt),
        "plot": (["plot", model, "--kind", "weights", "--out", png], png),
        "report": (["report", model, "--out", html], html),
        "data show": (["data", "show", f"idx:{data}", "--out", png], png),
        "predict": (["predict", model, image, "--save-preprocessed", out], out),
    }


COMMANDS = ["convert npz", "convert txt", "plot", "report", "data show", "predict"]


def run(capsys, argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_under_a_file_is_one_error_line(command, inputs, tmp_path, capsys):
    blocker = tmp_path / "file"
    argv, _ = commands(inputs, blocker / "sub" / "out")[command]
    before = files_under(tmp_path)
    code, _, err = run(capsys, argv)
    assert code == 1
    assert len(err.splitlines()) == 1
    assert err.startswith("numeral: error: ")
    assert f"{blocker} is a file, not a folder" in err
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "predict"])
def test_an_output_that_is_a_folder_is_one_error_line(
    command, inputs, tmp_path, capsys
):
    argv, taken = commands(inputs, tmp_path / "taken")[command]
    taken.mkdir()
    before = files_under(tmp_path)
    code, _, err = run(capsys, argv)
    assert code == 1
    assert err == f"numeral: error: cannot write {taken}: it is a folder\n"
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_outputs_get_the_permissions_of_a_new_file(command, inputs, tmp_path, capsys):
    argv, written = commands(inputs, tmp_path / "out")[command]
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, argv)
    finally:
        os.umask(old)
    assert code == 0, err
    files = list(written.iterdir()) if written.is_dir() else [written]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
