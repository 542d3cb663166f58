"""Early stopping: patience on the validation set, and the best weights restored."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from numeral.training import TrainConfig, train


def test_early_stopping_restores_the_best_epochs_weights(mnist):
    # a big network on few images overfits, so validation accuracy stalls
    subset = replace(
        mnist,
        train_images=mnist.train_images[:1500],
        train_labels=mnist.train_labels[:1500],
        test_images=mnist.test_images[:200],
        test_labels=mnist.test_labels[:200],
    )
    config = TrainConfig(
        hidden_sizes=(64,), epochs=40, val_size=500, patience=3, seed=3
    )
    result = train(config, subset)
    assert result.stop_reason == "early_stopping"
    best = result.best_epoch
    assert len(result.history) == best + 3

    # the best epoch has the highest validation accuracy (ties: lowest loss)
    scores = [(r.val_accuracy, -r.val_loss) for r in result.history]
    assert best == 1 + max(range(len(scores)), key=lambda i: (scores[i], -i))
    assert result.final is result.history[best - 1]

    # with a constant schedule, a run of exactly `best` epochs ends there too
    short = train(replace(config, epochs=best, patience=0), subset)
    for a, b in zip(
        result.network.W + result.network.b, short.network.W + short.network.b
    ):
        np.testing.assert_array_equal(a, b)
