"""Shared fixtures: where the real data live, and a small model trained once."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", help="also run long training runs"
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="long training run; use --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder holding ``mnist/`` and ``fashion-mnist/`` with the real IDX files."""
    path = Path(os.environ.get("NUMERAL_DATA_DIR", SHARED / "data"))
    if not (path / "mnist").is_dir():
        pytest.skip(f"real MNIST not found under {path}; set NUMERAL_DATA_DIR")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return SHARED / "fixtures"


@pytest.fixture(scope="session")
def mnist(data_dir):
    """The real MNIST data set, loaded once per test session."""
    from numeral.datasets import load_dataset

    return load_dataset("mnist", data_dir)


@pytest.fixture(scope="session")
def small_model_path(mnist, tmp_path_factory) -> Path:
    """A 784-64-10 model trained for two epochs on 20,000 MNIST images (~95%)."""
    from dataclasses import replace

    from numeral.cli.train import save_result
    from numeral.training import TrainConfig, train

    subset = replace(
        mnist,
        train_images=mnist.train_images[:20_000],
        train_labels=mnist.train_labels[:20_000],
    )
    config = TrainConfig(hidden_sizes=(64,), epochs=2, val_size=2000, seed=1)
    result = train(config, subset)
    path = tmp_path_factory.mktemp("model") / "small.npz"
    save_result(path, result, subset)
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _offline_with_private_cache(monkeypatch, tmp_path_factory):
    """No test downloads from real hosts or touches the user's cache folder.

    Tests of downloading point ``NUMERAL_MIRRORS`` at a local server and lift
    ``NUMERAL_OFFLINE`` themselves.
    """
    monkeypatch.setenv("NUMERAL_OFFLINE", "1")
    monkeypatch.delenv("NUMERAL_MIRRORS", raising=False)
    monkeypatch.setenv("NUMERAL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
