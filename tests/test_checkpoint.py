"""Checkpoints: an interrupted and resumed run equals an uninterrupted one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from numeral.checkpoint import load_checkpoint
from numeral.errors import ConfigError, ModelFileError
from numeral.modelfile import load_model
from numeral.training import TrainConfig, train


class Stop(Exception):
    """Raised from on_epoch to cut a run short, as a crash would."""


@pytest.fixture(scope="module")
def subset(mnist):
    return replace(
        mnist,
        train_images=mnist.train_images[:2000],
        train_labels=mnist.train_labels[:2000],
        test_images=mnist.test_images[:500],
        test_labels=mnist.test_labels[:500],
    )


def stop_after(epoch):
    def on_epoch(record):
        if record.epoch > epoch:
            raise Stop

    return on_epoch


def without_seconds(history):
    return [{**vars(r), "seconds": None} for r in history]


@pytest.mark.parametrize("optimizer", ["nesterov", "adamw"])
def test_resumed_run_equals_an_uninterrupted_one(subset, tmp_path, optimizer):
    config = TrainConfig(
        hidden_sizes=(32,),
        optimizer=optimizer,
        learning_rate=0.05 if optimizer == "nesterov" else 0.003,
        weight_decay=1e-3,
        batch_size=100,
        epochs=4,
        val_size=500,
        schedule="cosine",
        warmup_epochs=0.5,
        dropout=(0.3,),
        input_dropout=0.1,
        max_norm=3.0,
        patience=3,
        augment_shift=1.5,
        augment_rotation=8,
        elastic_alpha=20,
        seed=5,
    )
    whole = train(config, subset)

    # the interrupted run leaves the checkpoint of epoch 2 behind
    path = tmp_path / "run.ckpt.npz"
    interrupted = replace(config, checkpoint=str(path))
    with pytest.raises(Stop):
        train(interrupted, subset, on_epoch=stop_after(2))
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 2
    assert checkpoint.optimizer_state

    resumed = train(interrupted, subset, resume=checkpoint)
    for a, b in zip(
        whole.network.W + whole.network.b, resumed.network.W + resumed.network.b
    ):
        np.testing.assert_array_equal(a, b)
    assert without_seconds(resumed.history) == without_seconds(whole.history)
    assert resumed.best_epoch == whole.best_epoch
    assert resumed.stop_reason == whole.stop_reason


def test_a_checkpoint_is_also_a_model_file(subset, tmp_path):
    path = tmp_path / "c.npz"
    config = TrainConfig(hidden_sizes=(16,), epochs=2, val_size=500, checkpoint=path)
    result = train(config, subset)
    model = load_model(path)
    np.testing.assert_array_equal(model.network.W[0], result.network.W[0])
    assert model.dataset == "mnist"
    assert model.metadata["checkpoint"]["epoch"] == 2

    # written like any output: the usual permissions, no temporary file left
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


def test_a_finished_run_cannot_be_resumed(subset, tmp_path):
    path = tmp_path / "done.npz"
    config = TrainConfig(hidden_sizes=(8,), epochs=1, val_size=500, checkpoint=path)
    train(config, subset)
    with pytest.raises(ConfigError, match="already finished"):
        train(config, subset, resume=load_checkpoint(path))


def test_a_checkpoint_resumes_only_its_own_configuration(subset, tmp_path):
    path = tmp_path / "c.npz"
    config = TrainConfig(hidden_sizes=(8,), epochs=3, val_size=500, checkpoint=path)
    with pytest.raises(Stop):
        train(config, subset, on_epoch=stop_after(1))
    other = replace(config, learning_rate=0.5, checkpoint=tmp_path / "elsewhere.npz")
    with pytest.raises(ConfigError, match="learning_rate"):
        train(other, subset, resume=load_checkpoint(path))


def test_a_plain_model_file_is_not_a_checkpoint(small_model_path):
    with pytest.raises(ModelFileError, match="not a checkpoint"):
        load_checkpoint(small_model_path)
