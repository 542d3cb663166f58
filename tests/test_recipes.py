"""Recipes and the options of ``numeral train`` that choose and override them."""

from __future__ import annotations

import pytest

from numeral.checkpoint import load_checkpoint
from numeral.cli import build_parser, main
from numeral.cli.train import config_from_args
from numeral.errors import ConfigError
from numeral.recipes import DEFAULT_RECIPE, RECIPES, recipe_config
from numeral.training import TrainConfig, train


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipe_builds_a_valid_config(name):
    config = recipe_config(name)
    assert isinstance(config, TrainConfig)
    for field, value in RECIPES[name].items():
        assert getattr(config, field) == value
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_the_recipes_say_what_they_promise():
    original = recipe_config("original")
    assert (original.hidden_sizes, original.optimizer) == ((256,), "sgd")
    assert (original.learning_rate, original.batch_size) == (0.1, 512)
    best = recipe_config("best")
    assert best.make_augmentation().active and best.elastic_alpha > 0
    assert any(best.dropout_rates())
    # nothing but the original protocol looks at the test set
    assert recipe_config("fast").stop_on == best.stop_on == "validation"


def test_overrides_replace_recipe_values():
    config = recipe_config("best", epochs=3, hidden_sizes=(10,))
    assert (config.epochs, config.hidden_sizes) == (3, (10,))
    assert config.elastic_alpha == RECIPES["best"]["elastic_alpha"]


def test_unknown_recipe_is_refused():
    with pytest.raises(ConfigError, match="unknown recipe 'huge'"):
        recipe_config("huge")


def parse(*argv):
    return config_from_args(build_parser().parse_args(["train", *argv]))


def test_plain_train_uses_the_default_recipe():
    assert DEFAULT_RECIPE == "fast"
    assert parse() == recipe_config("fast")


def test_command_line_options_override_the_recipe():
    config = parse(
        "--recipe",
        "best",
        "--lr",
        "0.01",
        "--dropout",
        "0.1,0.2",
        "--elastic",
        "0",
        "--no-shuffle",
    )
    expected = recipe_config(
        "best",
        learning_rate=0.01,
        dropout=(0.1, 0.2),
        elastic_alpha=0.0,
        shuffle=False,
    )
    assert config == expected


def test_every_setting_has_an_option():
    """Each TrainConfig field can be set from the command line."""
    options = {
        "--hidden": "8",
        "--activation": "tanh",
        "--alpha": "0.1",
        "--output": "sigmoid",
        "--loss": "quadratic",
        "--init": "xavier",
        "--optimizer": "adamw",
        "--lr": "0.01",
        "--momentum": "0.5",
        "--beta1": "0.8",
        "--beta2": "0.99",
        "--batch-size": "7",
        "--epochs": "9",
        "--schedule": "step",
        "--warmup": "2",
        "--step-every": "3",
        "--step-gamma": "0.5",
        "--min-lr": "0.001",
        "--target-accuracy": "97",
        "--stop-on": "test",
        "--patience": "4",
        "--val-size": "100",
        "--seed": "3",
        "--weight-decay": "0.01",
        "--dropout": "0.3",
        "--input-dropout": "0.2",
        "--max-norm": "3",
        "--shift": "2",
        "--rotate": "5",
        "--scale": "0.1",
        "--shear": "4",
        "--elastic": "30",
        "--elastic-sigma": "4",
        "--checkpoint": "c.npz",
        "--dataset": "fashion-mnist",
    }
    argv = [item for pair in options.items() for item in pair] + ["--no-shuffle"]
    config = parse(*argv).to_dict()
    defaults = recipe_config(DEFAULT_RECIPE).to_dict()
    assert [field for field in config if config[field] == defaults[field]] == []


def test_bad_values_are_refused_before_any_work(capsys):
    assert main(["train", "--dropout", "1.5"]) == 2
    assert "dropout rates must be in [0, 1)" in capsys.readouterr().err
    assert main(["train", "--optimizer", "adam", "--beta1", "1"]) == 1
    assert "beta1" in capsys.readouterr().err


def test_resume_refuses_training_options(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path / "c.npz"), "--lr", "0.1"]) == 1
    assert "leave out the training options (learning_rate)" in capsys.readouterr().err


def test_cli_resumes_a_checkpoint(mnist, data_dir, tmp_path, capsys):
    class Stop(Exception):
        pass

    def stop_after_first(record):
        if record.epoch > 1:
            raise Stop

    path = tmp_path / "run.npz"
    config = TrainConfig(
        hidden_sizes=(16,), epochs=2, batch_size=256, checkpoint=str(path)
    )
    with pytest.raises(Stop):
        train(config, mnist, on_epoch=stop_after_first)

    out = tmp_path / "model.npz"
    code = main(
        ["train", "--data-dir", str(data_dir), "--resume", str(path), "--out", str(out)]
    )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("epoch")] == ["2"]
    assert load_checkpoint(path).epoch == 2  # later checkpoints go to the same file
    assert out.is_file()


@pytest.mark.slow
def test_the_fast_recipe_reaches_98_percent(mnist):
    result = train(recipe_config("fast"), mnist)
    assert result.final.test_accuracy >= 0.98
