"""The benchmark in quick mode, its statistics and peers, and thread limits.

Nothing here times anything: the quick mode only proves that every protocol
runs and reports the figures it should.
"""

import json
import math
from dataclasses import replace

import pytest

from numeral.bench import BenchSettings, format_report, run_benchmark
from numeral.bench.figures import check_targets
from numeral.bench.frameworks import (
    THROUGHPUT,
    TRAIN_TO_TARGET,
    inference_flops,
    peer_recipe,
    training_flops,
    unavailable,
)
from numeral.bench.settings import ORIGINAL, THROUGHPUT_RECIPE, default_recipe
from numeral.bench.stats import paired_ratios, summarize
from numeral.cli import main
from numeral.errors import ConfigError

HAVE_SKLEARN = unavailable("scikit-learn") is None


@pytest.fixture(scope="module")
def quick(data_dir):
    """One quick run of every protocol, with scikit-learn when it is installed."""
    frameworks = ("numeral", "scikit-learn") if HAVE_SKLEARN else ("numeral",)
    settings = BenchSettings(
        quick=True, threads=2, frameworks=frameworks, data_dir=str(data_dir)
    )
    done = []
    results = run_benchmark(settings, lambda r, key, s: done.append(key))
    return settings, results, done


def test_quick_mode_runs_every_protocol_once(quick):
    settings, results, done = quick
    assert settings.repeats == 1
    assert set(results) == {
        "machine",
        "settings",
        "skipped",
        "notes",
        "figures",
        "ratios",
        "targets",
    }
    protocols = {f["protocol"] for f in results["figures"]}
    assert protocols == {
        "original",
        "recipe",
        "throughput",
        "inference",
        "cold_start",
    }
    assert ("original", "numeral") in done and ("cold_start", "help") in done
    json.loads(json.dumps(results))  # the raw figures are plain JSON


def test_every_figure_is_a_positive_median_of_one_run(quick):
    _, results, _ = quick
    for row in results["figures"] + results["ratios"]:
        assert len(row["runs"]) == 1
        assert row["min"] == row["median"] == row["max"] == row["runs"][0]
        assert math.isfinite(row["median"]) and row["median"] > 0, row


def test_numeral_figures_of_each_protocol(quick):
    settings, results, _ = quick
    figures = results["figures"]

    def metrics(**keys):
        return {
            f["metric"] for f in figures if all(f.get(k) == v for k, v in keys.items())
        }

    for name in ("original", "recipe"):
        assert metrics(protocol=name, framework="numeral") == {
            "process_seconds",
            "epochs",
            "seconds_per_epoch",
            "test_accuracy",
        }
    sizes = settings.sizes
    for threads in (1, 2):
        assert metrics(protocol="throughput", threads=threads) >= {"matmul_gflops"}
        for h in sizes["widths"]:
            for b in sizes["batches"]:
                assert metrics(
                    protocol="throughput", framework="numeral", hidden=h, batch=b
                ) == {"samples_per_second", "gflops"}
            assert metrics(protocol="inference", hidden=h, threads=threads) == {
                "images_per_second"
            }
    assert metrics(protocol="cold_start") >= {"help", "load"}


def test_ratios_compare_numeral_with_the_matmul_rate_and_one_thread(quick):
    _, results, _ = quick
    kinds = {(r["metric"], r["denominator"]) for r in results["ratios"]}
    assert ("gflops", "matmul") in kinds
    assert ("thread_speedup", "1 thread") in kinds
    if HAVE_SKLEARN:
        assert ("seconds_per_epoch", "scikit-learn") in kinds
        assert ("seconds", "scikit-learn") in kinds


def test_quick_results_read_as_a_table(quick):
    _, results, _ = quick
    table = format_report(results)
    for heading in (
        "1. The original program's comparison",
        "2. numeral's plain configuration",
        "3. Throughput",
        "4. Cold start",
        "Targets",
    ):
        assert heading in table
    assert "thread pools of numeral" in table
    for framework, reason in results["skipped"].items():
        assert f"skipped {framework}: {reason}" in table


def test_targets_are_checked_against_the_medians(quick):
    settings, results, _ = quick
    targets = results["targets"]
    assert len(targets) == 8
    help_ = next(t for t in targets if "help" in t["target"])
    assert help_["met"] == (help_["value"] < 0.3)
    # quick mode never measures width 1024, so that target is not judged
    width = next(t for t in targets if "width 1024" in t["target"])
    assert width["value"] is None and width["met"] is None
    # a ratio above its limit is a miss
    ratios = [
        {**summarize([1.5]), "protocol": "original", "metric": "seconds_per_epoch"}
        | {"denominator": "scikit-learn", "numerator": "numeral"}
    ]
    first = check_targets([], ratios, settings)[0]
    assert first["value"] == 1.5 and first["met"] is False


def test_cli_quick_json_to_stdout_and_table_to_stderr(data_dir, capsys):
    code = main(
        ["bench", "--quick", "--no-peers", "--protocols", "4"]
        + ["--data-dir", str(data_dir), "--json"]
    )
    out, err = capsys.readouterr()
    assert code == 0
    results = json.loads(out)
    assert results["settings"]["frameworks"] == ["numeral"]
    assert {f["protocol"] for f in results["figures"]} == {"cold_start"}
    assert "4. Cold start" in err and "1. The original" not in err


@pytest.mark.parametrize("bad", ["5", "1,x", ""])
def test_cli_refuses_unknown_protocols(bad, capsys):
    assert main(["bench", "--protocols", bad]) == 2
    assert "protocol" in capsys.readouterr().err


def test_settings_refuse_bad_values():
    with pytest.raises(ConfigError, match="repeats"):
        BenchSettings(repeats=0)
    with pytest.raises(ConfigError, match="always runs numeral"):
        BenchSettings(frameworks=("scikit-learn",))
    assert BenchSettings().repeats == 3
    assert BenchSettings(threads=4).thread_counts == [1, 4]


# --- pieces --------------------------------------------------------------------


def test_summaries_and_paired_ratios():
    s = summarize([3.0, 1.0, 2.0, 10.0])
    assert (s["median"], s["min"], s["max"]) == (2.5, 1.0, 10.0)
    assert paired_ratios([2.0, 9.0], [4.0, 3.0]) == [0.5, 3.0]
    with pytest.raises(ValueError, match="denominators"):
        paired_ratios([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="no measurements"):
        summarize([])


def test_flop_counts_by_hand():
    # 784-256-10: forward 2(784·256 + 256·10), weight gradients as much again,
    # and delta passed back through the second layer only: 2·256·10
    forward = 2 * (784 * 256 + 256 * 10)
    assert inference_flops([784, 256, 10]) == forward
    assert training_flops([784, 256, 10]) == 2 * forward + 2 * 256 * 10


def test_peer_recipes():
    settings, problems = peer_recipe(ORIGINAL)
    assert problems == []
    assert settings["optimizer"] == "sgd" and settings["batch_size"] == 512
    _, problems = peer_recipe({**ORIGINAL, "loss": "quadratic", "output": "sigmoid"})
    assert problems == ["output sigmoid with loss quadratic"]
    _, problems = peer_recipe({**ORIGINAL, "activation": "leaky_relu"})
    assert problems == ["activation leaky_relu"]
    assert "epochs" not in default_recipe()
    assert unavailable("numeral") is None
    assert "unknown framework" in unavailable("jax")


def tiny(mnist, n_train=600, n_test=200):
    return replace(
        mnist,
        train_images=mnist.train_images[:n_train],
        train_labels=mnist.train_labels[:n_train],
        test_images=mnist.test_images[:n_test],
        test_labels=mnist.test_labels[:n_test],
    )


PEER_FRAMEWORKS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            unavailable(name) is not None, reason=f"{name} not installed"
        ),
    )
    for name in ("numeral", "scikit-learn", "pytorch")
]


@pytest.mark.parametrize("framework", PEER_FRAMEWORKS)
def test_each_framework_learns_the_recipe(mnist, framework):
    recipe = {**ORIGINAL, "hidden_sizes": [32], "batch_size": 32, "shuffle": True}
    run = TRAIN_TO_TARGET[framework](recipe, tiny(mnist), 0.5, max_epochs=5)
    accuracy = run["test_accuracy"]
    assert run["epochs"] == len(accuracy) == len(run["epoch_seconds"])
    assert accuracy[-1] > 0.5  # far above chance: the recipe is really trained
    assert all(a <= 0.5 for a in accuracy[:-1])  # and it stopped on time
    if framework == "scikit-learn":
        assert run["init"] == "he"


@pytest.mark.parametrize("framework", PEER_FRAMEWORKS)
def test_each_framework_reports_its_throughput(mnist, framework):
    recipe = {**THROUGHPUT_RECIPE, "hidden_sizes": [16], "batch_size": 64}
    result = THROUGHPUT[framework](recipe, tiny(mnist, 256, 100), timed=2)
    assert result["epoch_seconds"] > 0 and result["predict_seconds"] > 0


# --- thread limits -------------------------------------------------------------


def test_limit_threads_sets_and_restores_the_blas_pool():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from numeral.threads import blas_info, limit_threads

    def blas_threads():
        return {p["num_threads"] for p in threadpoolctl.threadpool_info()}

    before = blas_threads()
    with limit_threads(1):
        assert blas_threads() == {1}
        assert {p["num_threads"] for p in blas_info()} == {1}
    assert blas_threads() == before
    with pytest.raises(ConfigError, match="at least 1"):
        limit_threads(0)


def test_train_accepts_threads(data_dir, tmp_path, capsys):
    out = tmp_path / "model.npz"
    code = main(
        ["train", "--threads", "1", "--hidden", "8", "--epochs", "1"]
        + ["--batch-size", "1000", "--val-size", "0", "--data-dir", str(data_dir)]
        + ["--out", str(out)]
    )
    assert code == 0 and out.is_file()
    assert main(["train", "--threads", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_predict_inputs_are_a_model_and_a_digit(tmp_path):
    from PIL import Image

    from numeral.bench.jobs import predict_inputs
    from numeral.modelfile import load_model

    model_path, image_path = predict_inputs(tmp_path)
    model = load_model(model_path)
    assert model.network.sizes == [784, 256, 10]
    with Image.open(image_path) as image:
        assert image.size == (28, 28)
        assert image.getextrema() == (0, 255)
