"""Learning-rate schedules: values at known points."""

from __future__ import annotations

import math

import pytest

from numeral.errors import ConfigError
from numeral.schedules import Schedule


def test_constant_never_changes():
    schedule = Schedule("constant", 0.3, epochs=5, batches_per_epoch=10)
    assert {schedule(k) for k in range(50)} == {0.3}


def test_step_drops_by_gamma_at_each_boundary():
    schedule = Schedule(
        "step", 1.0, epochs=9, step_every=3, step_gamma=0.5, batches_per_epoch=4
    )
    # 12 batches per drop
    assert schedule(0) == schedule(11) == 1.0
    assert schedule(12) == schedule(23) == 0.5
    assert schedule(24) == 0.25


def test_cosine_starts_high_halves_midway_and_ends_at_the_minimum():
    n = 100
    schedule = Schedule(
        "cosine", 0.4, epochs=10, min_learning_rate=0.1, batches_per_epoch=n
    )
    assert schedule(0) == pytest.approx(0.4)
    assert schedule(5 * n) == pytest.approx(0.25)  # (η0 + η_min) / 2
    assert schedule(10 * n) == pytest.approx(0.1)
    t = 2.5
    expected = 0.1 + 0.3 * 0.5 * (1 + math.cos(math.pi * t / 10))
    assert schedule(int(t * n)) == pytest.approx(expected)
    values = [schedule(k) for k in range(10 * n)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_warmup_rises_linearly_then_hands_over_to_the_schedule():
    n = 10
    schedule = Schedule("cosine", 1.0, epochs=6, warmup=2, batches_per_epoch=n)
    # 20 warm-up batches: η0 (k + 1) / 20
    assert [schedule(k) for k in (0, 9, 19)] == pytest.approx([0.05, 0.5, 1.0])
    # the cosine then runs over the remaining 4 epochs
    assert schedule(20) == pytest.approx(1.0)
    assert schedule(20 + 2 * n) == pytest.approx(0.5)


def test_warmup_works_with_the_step_schedule():
    schedule = Schedule(
        "step",
        1.0,
        epochs=5,
        warmup=1,
        step_every=2,
        step_gamma=0.1,
        batches_per_epoch=4,
    )
    assert [schedule(k) for k in range(4)] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert schedule(4) == 1.0
    assert schedule(4 + 8) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "linear"}, "unknown schedule"),
        ({"learning_rate": 0.0}, "learning rate"),
        ({"warmup": 5}, "warm-up"),
        ({"step_gamma": 1.5}, "gamma"),
        ({"min_learning_rate": 1.0}, "final learning rate"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    settings = {"name": "cosine", "learning_rate": 0.1, "epochs": 5, **kwargs}
    with pytest.raises(ConfigError, match=message):
        Schedule(**settings)
