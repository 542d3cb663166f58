"""What the benchmark runs: its settings, sizes and training recipes.

The protocols:

1. ``original``, the original program's comparison: 784-256-10, ReLU, He
   initialisation, zero biases, plain SGD with η = 0.1, batch 512, softmax with
   cross-entropy, no shuffling; test accuracy after each epoch, stopping once it
   exceeds 96%.
2. ``recipe``: numeral's plain training configuration (the defaults of
   :class:`~numeral.training.TrainConfig`: 784-256-10, ReLU, He initialisation,
   momentum 0.9 at η = 0.05, batch 64, shuffled), and the same configuration in
   the peers, until test accuracy exceeds 98%. The ``fast`` recipe of ``numeral
   train`` adds a cosine schedule and shifted images, which MLPClassifier has no
   counterpart for, so it is not the one compared.
3. ``throughput``: training samples per second (and the GFLOP/s they imply) for
   several hidden widths and batch sizes, beside the machine's own float32
   matrix-product rate, at one thread and at ``threads``; inference images per
   second.
4. ``cold_start``: wall time of ``numeral --help`` and of ``numeral predict`` on
   one image, and the time to load the data set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..training import TrainConfig

__all__ = [
    "ORIGINAL",
    "PEERS",
    "THROUGHPUT_RECIPE",
    "BenchSettings",
    "default_recipe",
]

PEERS = ("scikit-learn", "pytorch")

ORIGINAL = {
    "hidden_sizes": [256],
    "activation": "relu",
    "init": "he",
    "output": "softmax",
    "loss": "cross_entropy",
    "optimizer": "sgd",
    "learning_rate": 0.1,
    "batch_size": 512,
    "shuffle": False,
    "seed": 0,
}

# protocol 3 trains the same network with shuffling on and a learning rate small
# enough for every width and batch size; only the time is of interest
THROUGHPUT_RECIPE = {**ORIGINAL, "shuffle": True, "learning_rate": 0.01}

# test accuracy each training protocol must exceed
TARGETS = {"original": 0.96, "recipe": 0.98}


def default_recipe() -> dict:
    """numeral's plain training configuration (TrainConfig's defaults) as fields."""
    config = TrainConfig().to_dict()
    for name in ("epochs", "target_accuracy", "stop_on", "val_size", "dataset"):
        config.pop(name)
    return config


@dataclass(frozen=True)
class BenchSettings:
    """What to run. ``quick`` swaps in tiny sizes and one repetition.

    ``threads`` (default: every core) is the thread limit of protocols 1, 2 and
    4; protocol 3 runs at one thread as well, to measure the speed-up.
    """

    quick: bool = False
    repeats: int | None = None
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    protocols: tuple[int, ...] = (1, 2, 3, 4)
    frameworks: tuple[str, ...] = ("numeral", *PEERS)
    data_dir: str | None = None

    def __post_init__(self):
        if self.repeats is None:
            object.__setattr__(self, "repeats", 1 if self.quick else 3)
        if self.repeats < 1:
            raise ConfigError(f"repeats must be at least 1, got {self.repeats}")
        if self.threads < 1:
            raise ConfigError(f"threads must be at least 1, got {self.threads}")
        unknown = sorted(set(self.protocols) - {1, 2, 3, 4})
        if unknown:
            raise ConfigError(f"the protocols are 1, 2, 3 and 4; got {unknown}")
        if "numeral" not in self.frameworks:
            raise ConfigError("the benchmark always runs numeral; add it back")

    @property
    def sizes(self) -> dict:
        """Data and problem sizes: the real ones, or tiny ones in quick mode."""
        if self.quick:
            return {
                "n_train": 1000,
                "n_test": 200,
                "max_epochs": {"original": 1, "recipe": 1},
                "widths": [16, 32],
                "batches": [32, 128],
                "samples": 256,
                "timed_epochs": 1,
                "matmul_size": 128,
                "matmul_repeats": 3,
            }
        return {
            "n_train": None,
            "n_test": None,
            "max_epochs": {"original": 50, "recipe": 30},
            "widths": [128, 256, 1024],
            "batches": [32, 128, 512],
            "samples": 8192,
            "timed_epochs": 3,
            "matmul_size": 2048,
            "matmul_repeats": 5,
        }

    @property
    def thread_counts(self) -> list[int]:
        """The thread limits protocol 3 runs at: 1 and ``threads``."""
        return sorted({1, self.threads})
