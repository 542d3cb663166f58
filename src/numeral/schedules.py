"""Learning-rate schedules: the step size ``η`` as a function of training time.

The schedule is asked once before every mini-batch with the number of batches
done so far, ``k``; with ``n`` batches per epoch the time in epochs is
``t = k / n``. The rate therefore changes smoothly within an epoch, and a run
resumed from a checkpoint picks up exactly where it stopped.

``constant``  ``η(t) = η0``
``step``      ``η(t) = η0 γ^floor(t / every)``: multiplied by ``γ`` every ``every``
              epochs
``cosine``    ``η(t) = η_min + (η0 - η_min) (1 + cos(π t / T)) / 2``: from ``η0``
              down to ``η_min`` at the last epoch ``T``

An optional linear warm-up first raises the rate in equal steps from
``η0 / n_warm`` to ``η0`` over its ``n_warm = warmup n`` batches; the schedule
proper then runs over the remaining ``T - warmup`` epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ConfigError

__all__ = ["SCHEDULES", "Schedule"]

SCHEDULES = ("constant", "step", "cosine")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule; call it with the number of batches done.

    Parameters
    ----------
    name
        ``"constant"``, ``"step"`` or ``"cosine"``.
    learning_rate
        ``η0``, the rate the schedule starts from (after any warm-up).
    epochs
        ``T``, the length of the whole run, warm-up included.
    warmup
        Epochs of linear warm-up at the start, ``0 <= warmup < epochs``.
    step_every, step_gamma
        For ``"step"``: multiply the rate by ``step_gamma`` every ``step_every``
        epochs.
    min_learning_rate
        For ``"cosine"``: the rate it ends at, ``η_min``.
    batches_per_epoch
        ``n``, which turns batches into epochs.
    """

    name: str = "constant"
    learning_rate: float = 0.1
    epochs: int = 1
    warmup: float = 0.0
    step_every: int = 10
    step_gamma: float = 0.1
    min_learning_rate: float = 0.0
    batches_per_epoch: int = 1

    def __post_init__(self):
        if self.name not in SCHEDULES:
            raise ConfigError(
                f"unknown schedule {self.name!r}; choose one of: "
                + ", ".join(SCHEDULES)
            )
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError(
                f"learning rate must be a positive number, got {self.learning_rate}"
            )
        if self.epochs < 1:
            raise ConfigError(f"epochs must be at least 1, got {self.epochs}")
        if not 0 <= self.warmup < self.epochs:
            raise ConfigError(
                f"warm-up must be at least 0 and shorter than the run "
                f"({self.epochs} epochs), got {self.warmup}"
            )
        if self.step_every < 1:
            raise ConfigError(
                f"step schedule: epochs between drops must be at least 1, "
                f"got {self.step_every}"
            )
        if not 0 < self.step_gamma <= 1:
            raise ConfigError(
                f"step schedule: factor gamma must be in (0, 1], got {self.step_gamma}"
            )
        if not 0 <= self.min_learning_rate <= self.learning_rate:
            raise ConfigError(
                "cosine schedule: the final learning rate must be between 0 and "
                f"the learning rate {self.learning_rate}, got {self.min_learning_rate}"
            )
        if self.batches_per_epoch < 1:
            raise ConfigError(
                f"batches per epoch must be at least 1, got {self.batches_per_epoch}"
            )

    def __call__(self, step: int) -> float:
        """The learning rate for the batch after ``step`` batches (``step >= 0``)."""
        eta0 = self.learning_rate
        n = self.batches_per_epoch

        # linear warm-up: batch k of n_warm gets η0 (k + 1) / n_warm
        n_warm = round(self.warmup * n)
        if step < n_warm:
            return eta0 * (step + 1) / n_warm

        # the schedule proper, over the batches after the warm-up
        step -= n_warm
        if self.name == "step":
            return eta0 * self.step_gamma ** (step // (self.step_every * n))
        if self.name == "cosine":
            span = self.epochs * n - n_warm
            progress = min(1.0, step / span)
            eta_min = self.min_learning_rate
            return eta_min + (eta0 - eta_min) * 0.5 * (1 + math.cos(math.pi * progress))
        return eta0
