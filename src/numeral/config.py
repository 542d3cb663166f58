"""The training configuration: every choice that decides what a run does.

:class:`TrainConfig` is a frozen dataclass, checked when it is made, so a bad
value is refused before any work starts. It travels with the model file (as
``metadata["config"]``) and with checkpoints, so a trained model says how it was
trained and a checkpoint can only be resumed with its own configuration.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

import numpy as np

from .augment import Augmentation
from .errors import ConfigError
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .schedules import Schedule

__all__ = ["TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what a training run does; stored in the model file.

    The fields after ``dataset`` add regularisation, schedules, augmentation,
    early stopping and checkpoints; each one's default turns its feature off, so
    a configuration that leaves them out trains as plain mini-batch descent.

    ``beta1``, ``beta2``: Adam's moment decay rates. ``weight_decay``: L2 decay of
    the weight matrices (decoupled for ``adamw``). ``input_dropout``: dropout rate
    of the image pixels; ``dropout``: rates for the hidden layers' outputs, one
    per hidden layer or a single rate for all. ``max_norm``: limit on the L2 norm
    of each unit's incoming weights (0: none). ``schedule``: ``constant``,
    ``step`` or ``cosine``, with ``warmup_epochs`` of linear warm-up first,
    ``step_every``/``step_gamma`` for ``step`` and ``min_learning_rate`` for
    ``cosine``. ``patience``: stop after this many epochs without a better
    validation accuracy and restore the best epoch's weights (0: off).
    ``augment_*`` and ``elastic_*``: random distortions of the training images
    (see :class:`numeral.augment.Augmentation`). ``checkpoint``: a file to write
    the full training state to after every epoch (``None``: no checkpoints).
    """

    hidden_sizes: tuple[int, ...] = (256,)
    activation: str = "relu"
    alpha: float = 0.01
    output: str = "softmax"
    loss: str = "cross_entropy"
    init: str = "he"
    optimizer: str = "momentum"
    learning_rate: float = 0.05
    momentum: float = 0.9
    batch_size: int = 64
    epochs: int = 10
    target_accuracy: float | None = None
    stop_on: str = "validation"
    val_size: int = 10_000
    shuffle: bool = True
    seed: int = 0
    dataset: str = "mnist"
    beta1: float = 0.9
    beta2: float = 0.999
    weight_decay: float = 0.0
    input_dropout: float = 0.0
    dropout: tuple[float, ...] = ()
    max_norm: float = 0.0
    schedule: str = "constant"
    warmup_epochs: float = 0.0
    step_every: int = 10
    step_gamma: float = 0.1
    min_learning_rate: float = 0.0
    patience: int = 0
    augment_shift: float = 0.0
    augment_rotation: float = 0.0
    augment_scale: float = 0.0
    augment_shear: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 5.0
    checkpoint: str | None = None

    def __post_init__(self):
        object.__setattr__(
            self, "hidden_sizes", tuple(int(n) for n in self.hidden_sizes)
        )
        object.__setattr__(self, "dropout", tuple(float(p) for p in self.dropout))
        if self.checkpoint is not None:
            object.__setattr__(self, "checkpoint", os.fspath(self.checkpoint))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first unusable value."""
        from .activations import make_activation
        from .initializers import initialize
        from .losses import make_loss

        if any(n < 1 for n in self.hidden_sizes):
            raise ConfigError(
                f"hidden layer sizes must be positive, got {list(self.hidden_sizes)}"
            )
        make_activation("leaky_relu", self.alpha)  # checks the slope's range
        make_activation(self.activation, self.alpha)
        make_activation(self.output, self.alpha)
        make_loss(self.loss)
        initialize(self.init, 1, 1, np.random.default_rng(0))
        if self.optimizer.lower() not in OPTIMIZERS:
            known = ", ".join(sorted(OPTIMIZERS))
            raise ConfigError(
                f"unknown optimiser {self.optimizer!r}; choose one of: {known}"
            )
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError(
                f"learning rate must be a positive number, got {self.learning_rate}"
            )
        if not 0.0 <= self.momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        if self.epochs < 1:
            raise ConfigError(f"epochs must be at least 1, got {self.epochs}")
        if self.target_accuracy is not None and not 0 < self.target_accuracy <= 1:
            raise ConfigError(
                "target accuracy is a fraction in (0, 1] (0.98 for 98%), "
                f"got {self.target_accuracy}"
            )
        if self.stop_on not in ("validation", "test"):
            raise ConfigError(
                f"stop-on must be 'validation' or 'test', got {self.stop_on!r}"
            )
        if self.val_size < 0:
            raise ConfigError(f"validation size must be 0 or more, got {self.val_size}")
        watches_validation = self.stop_on == "validation"
        if (
            self.target_accuracy is not None
            and watches_validation
            and not self.val_size
        ):
            raise ConfigError(
                "--target-accuracy on the validation set needs --val-size > 0 "
                "(or use --stop-on test)"
            )

        # the optimiser, schedule and augmentation check their own values
        self.make_optimizer()
        self.make_schedule(1)
        self.make_augmentation()

        # regularisation and early stopping
        for p in (self.input_dropout, *self.dropout):
            if not 0 <= p < 1:
                raise ConfigError(f"dropout rates must be in [0, 1), got {p}")
        if len(self.dropout) > 1 and len(self.dropout) != len(self.hidden_sizes):
            raise ConfigError(
                f"give one dropout rate for all hidden layers or one for each of "
                f"the {len(self.hidden_sizes)}, got {len(self.dropout)}: "
                f"{list(self.dropout)}"
            )
        if not (np.isfinite(self.max_norm) and self.max_norm >= 0):
            raise ConfigError(f"max-norm must be 0 (off) or more, got {self.max_norm}")
        if self.patience < 0:
            raise ConfigError(f"patience must be 0 (off) or more, got {self.patience}")
        if self.patience and self.val_size == 0:
            raise ConfigError(
                "early stopping (patience) watches the validation set; it needs "
                "--val-size > 0"
            )

    def dropout_rates(self) -> list[float]:
        """The dropout rate of each weight layer's input: image, then hidden."""
        hidden = list(self.dropout) or [0.0]
        if len(hidden) == 1:
            hidden = hidden * len(self.hidden_sizes)
        return [self.input_dropout, *hidden]

    def make_optimizer(self) -> Optimizer:
        """A fresh optimiser, with empty state, for this run."""
        return make_optimizer(
            self.optimizer,
            self.learning_rate,
            momentum=self.momentum,
            beta1=self.beta1,
            beta2=self.beta2,
            weight_decay=self.weight_decay,
        )

    def make_schedule(self, batches_per_epoch: int) -> Schedule:
        """The learning-rate :class:`~numeral.schedules.Schedule` of this run."""
        return Schedule(
            self.schedule,
            self.learning_rate,
            self.epochs,
            warmup=self.warmup_epochs,
            step_every=self.step_every,
            step_gamma=self.step_gamma,
            min_learning_rate=self.min_learning_rate,
            batches_per_epoch=batches_per_epoch,
        )

    def make_augmentation(self) -> Augmentation:
        """The distortions of the training images (possibly none)."""
        return Augmentation(
            shift=self.augment_shift,
            rotation=self.augment_rotation,
            scale=self.augment_scale,
            shear=self.augment_shear,
            elastic_alpha=self.elastic_alpha,
            elastic_sigma=self.elastic_sigma,
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        d["dropout"] = list(self.dropout)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Build from a dict, ignoring keys this version does not know.

        Raises :class:`ConfigError` for values of the wrong kind, as a damaged
        model file may hold.
        """
        if not isinstance(d, dict):
            raise ConfigError(f"a training configuration is a mapping, got {d!r}")
        names = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in d.items() if k in names})
        except (TypeError, ValueError) as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError(f"bad training configuration: {e}") from e
