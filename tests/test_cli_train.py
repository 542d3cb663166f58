"""The ``numeral train`` and ``numeral evaluate`` commands, run as a user would."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from numeral.cli import main

# a quick run: 10,000 training images (the other 50,000 held out), 32 hidden units
QUICK = ["--hidden", "32", "--epochs", "1", "--val-size", "50000"]


def numeral(*args, env=None, **kwargs):
    """Run ``python -m numeral ARGS`` and return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "numeral", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kwargs,
    )


def test_train_then_evaluate(tmp_path, data_dir):
    out = tmp_path / "m.npz"
    proc = numeral("train", *QUICK, "--data-dir", data_dir, "--out", out, "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["epochs"] == 1
    assert result["seconds"] > 0
    assert 0.85 < result["test_accuracy"] <= 1
    assert "epoch   1  loss" in proc.stderr  # epoch lines go to stderr with --json

    proc = numeral("evaluate", out, "--data-dir", data_dir, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["accuracy"] == pytest.approx(result["test_accuracy"])
    assert sum(map(sum, report["confusion"])) == 10_000

    proc = numeral("evaluate", out, "--data-dir", data_dir)
    assert "confusion matrix" in proc.stdout
    assert "precision" in proc.stdout


def test_epoch_lines_have_a_fixed_format(tmp_path, data_dir):
    proc = numeral(
        "train",
        *QUICK,
        "--epochs",
        "2",
        "--data-dir",
        data_dir,
        "--out",
        tmp_path / "m.npz",
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2
    import re

    pattern = (
        r"epoch +\d+  loss \d\.\d{4}  val +\d+\.\d\d%  test +\d+\.\d\d% +\d+\.\d\d s"
    )
    assert all(re.fullmatch(pattern, line) for line in lines), lines


def test_same_seed_gives_the_same_file_byte_for_byte(tmp_path, data_dir):
    files = []
    for name in ("a.npz", "b.npz"):
        files.append(tmp_path / name)
        proc = numeral(
            "train",
            *QUICK,
            "--seed",
            "7",
            "--no-timings",
            "--data-dir",
            data_dir,
            "--out",
            files[-1],
        )
        assert proc.returncode == 0, proc.stderr
    assert files[0].read_bytes() == files[1].read_bytes()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["train", "--lr", "-1"], 1, "learning rate must be a positive number"),
        (["train", "--momentum", "1"], 1, "momentum must be in"),
        (["train", "--activation", "swish"], 2, "invalid choice: 'swish'"),
        (["train", "--hidden", "64,x"], 2, "comma-separated layer widths"),
        (["train", "--epochs", "0"], 2, "must be at least 1"),
        (["train", "--target-accuracy", "150"], 2, "expected an accuracy"),
        (["evaluate", "missing.npz"], 1, "no such model file"),
    ],
)
def test_bad_input_is_refused_before_any_work(tmp_path, args, code, message):
    started = time.perf_counter()
    proc = numeral(*args, "--data-dir", tmp_path, cwd=tmp_path)
    assert proc.returncode == code
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.perf_counter() - started < 20
    assert not (tmp_path / "model.npz").exists()


def test_missing_data_says_where_it_looked(tmp_path):
    env = {
        "NUMERAL_DATA_DIR": str(tmp_path / "env"),
        "NUMERAL_CACHE_DIR": str(tmp_path / "cache"),
    }
    (tmp_path / "arg").mkdir()
    proc = numeral("train", "--data-dir", tmp_path / "arg", env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("numeral: error: ")
    for folder in ("arg", "env", "cache"):
        assert str(tmp_path / folder) in proc.stderr
    assert "--data-dir" in proc.stderr and "NUMERAL_DATA_DIR" in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    proc = numeral("--debug", "evaluate", tmp_path / "missing.npz")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


def test_main_returns_exit_codes(capsys):
    assert main(["--version"]) == 0
    assert "numeral" in capsys.readouterr().out
    assert main([]) == 2
    assert main(["train", "--help"]) == 0
    help_text = capsys.readouterr().out
    for option in (
        "--hidden",
        "--activation",
        "--alpha",
        "--output",
        "--loss",
        "--init",
        "--optimizer",
        "--lr",
        "--momentum",
        "--batch-size",
        "--epochs",
        "--target-accuracy",
        "--stop-on",
        "--val-size",
        "--shuffle",
        "--no-shuffle",
        "--seed",
        "--data-dir",
        "--out",
        "--json",
    ):
        assert option in help_text


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_ctrl_c_saves_the_model_and_exits_130(tmp_path, data_dir):
    out = tmp_path / "m.npz"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "numeral",
            "train",
            "--hidden",
            "32",
            "--epochs",
            "1000",
            "--val-size",
            "50000",
            "--data-dir",
            str(data_dir),
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline()  # wait until an epoch has finished
    assert first.startswith("epoch"), first + proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted during epoch" in stdout
    from numeral.modelfile import load_model

    model = load_model(out)
    assert model.metadata["metrics"]["stop_reason"] == "interrupted"
    assert model.metadata["metrics"]["test_accuracy"] > 0.5


def test_unwritable_out_is_refused_before_training(tmp_path, data_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    started = time.perf_counter()
    proc = numeral("train", *QUICK, "--data-dir", data_dir,
                   "--out", blocker / "m.npz")  # fmt: skip
    assert proc.returncode == 1
    assert "is a file, not a folder" in proc.stderr
    assert "epoch" not in proc.stdout  # refused before any training
    assert time.perf_counter() - started < 20


def test_a_mistyped_data_dir_is_refused(tmp_path):
    proc = numeral("train", "--data-dir", tmp_path / "no-such-folder", cwd=tmp_path)
    assert proc.returncode == 1
    assert "no-such-folder: does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_checkpoint_and_model_must_be_different_files(tmp_path, data_dir):
    out = tmp_path / "m.npz"
    proc = numeral("train", *QUICK, "--data-dir", data_dir, "--out", out,
                   "--checkpoint", out)  # fmt: skip
    assert proc.returncode == 1
    assert "--checkpoint and --out both name" in proc.stderr
    assert not out.exists()


def test_more_threads_than_cores_are_capped_with_a_warning(tmp_path, data_dir):
    cores = os.cpu_count() or 1
    proc = numeral("train", *QUICK, "--data-dir", data_dir, "--threads",
                   cores + 14, "--out", tmp_path / "m.npz")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"more than this machine's {cores} cores; using {cores}" in proc.stderr


def test_reaching_the_target_is_said(tmp_path, data_dir):
    proc = numeral("train", *QUICK, "--epochs", "5", "--target-accuracy", "0.5",
                   "--data-dir", data_dir, "--out", tmp_path / "m.npz")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "reached the target accuracy in 1 epoch in" in proc.stdout
