"""Mini-batch training of a :class:`~numeral.network.Network`.

One call to :func:`train` runs the whole loop::

    for each epoch:
        draw one permutation of the training rows from the seeded generator
        for each mini-batch of that permutation:
            forward, backpropagate, check the loss is finite, update
        measure loss and accuracy on the validation and test sets
        stop early if the target accuracy is reached

The library never prints: progress is reported through the ``on_batch`` and
``on_epoch`` callbacks, and :func:`train` returns the full history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .datasets import Dataset
from .errors import ConfigError, TrainingDiverged
from .losses import make_loss
from .network import Network
from .optimizers import OPTIMIZERS, make_optimizer
from .workspace import Workspace

__all__ = ["EpochRecord", "TrainConfig", "TrainResult", "one_hot", "train"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what a training run does; stored in the model file."""

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

    def __post_init__(self):
        object.__setattr__(
            self, "hidden_sizes", tuple(int(n) for n in self.hidden_sizes)
        )
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

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Build from a dict, ignoring keys this version does not know."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class EpochRecord:
    """Figures measured at the end of one epoch. Accuracies are fractions."""

    epoch: int
    train_loss: float
    val_loss: float | None
    val_accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None
    learning_rate: float
    seconds: float


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    network: Network
    config: TrainConfig
    history: list[EpochRecord] = field(default_factory=list)
    stop_reason: str = "epochs"  # "epochs", "target", or "interrupted"
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.history)

    @property
    def final(self) -> EpochRecord | None:
        return self.history[-1] if self.history else None


def one_hot(
    labels: np.ndarray,
    n_classes: int,
    dtype=np.float32,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Labels of shape ``(n,)`` to one-hot rows of shape ``(n, n_classes)``.

    With ``out`` (shape ``(n, n_classes)``) the rows are written there instead.
    """
    labels = np.asarray(labels)
    if out is None:
        out = np.empty((len(labels), n_classes), dtype=dtype)
    # Y[k, j] = 1 if labels[k] == j else 0, as one broadcast comparison
    return np.equal(labels[:, None], np.arange(n_classes), out=out)


def split_validation(
    dataset: Dataset, val_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out the *last* ``val_size`` training rows: ``(X, y, X_val, y_val)``."""
    n = len(dataset.train_images)
    if val_size >= n:
        raise ConfigError(
            f"validation size {val_size} leaves no training data "
            f"(the training set has {n} images)"
        )
    cut = n - val_size
    return (
        dataset.train_images[:cut],
        dataset.train_labels[:cut],
        dataset.train_images[cut:],
        dataset.train_labels[cut:],
    )


def evaluate(
    network: Network, X: np.ndarray, y: np.ndarray, loss_name: str
) -> tuple[float, float]:
    """Mean loss and accuracy of ``network`` on ``(X, y)``."""
    if len(X) == 0:
        return float("nan"), 0.0
    loss = make_loss(loss_name)
    losses, correct = 0.0, 0
    for i in range(0, len(X), 4096):
        a = network.forward(X[i : i + 4096])  # (batch, n_out)
        Y = one_hot(y[i : i + 4096], a.shape[1], a.dtype)
        losses += loss.value(a, Y) * len(a)
        correct += int(np.sum(np.argmax(a, axis=1) == y[i : i + 4096]))
    return losses / len(X), correct / len(X)


def build_network(
    config: TrainConfig, n_in: int, n_out: int, rng: np.random.Generator
) -> Network:
    """A freshly initialised network for ``config`` and the data's sizes."""
    sizes = [n_in, *config.hidden_sizes, n_out]
    return Network.create(
        sizes, config.activation, config.output, config.alpha, config.init, rng
    )


def train(
    config: TrainConfig,
    dataset: Dataset,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train a new network on ``dataset`` as ``config`` says.

    Parameters
    ----------
    on_epoch
        Called with each epoch's :class:`EpochRecord`.
    on_batch
        Called as ``on_batch(batches_done, n_batches)`` after every mini-batch.
    should_stop
        Polled after every mini-batch; when it returns true, training finishes the
        epoch's bookkeeping early and returns with ``stop_reason="interrupted"``.

    Raises
    ------
    TrainingDiverged
        If a mini-batch's loss is not finite. The network is left as it was
        before that batch's update was applied, but nothing is saved.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    X, y, X_val, y_val = split_validation(dataset, config.val_size)
    n_classes = dataset.n_classes
    network = build_network(config, X.shape[1], n_classes, rng)
    loss = make_loss(config.loss)
    optimizer = make_optimizer(
        config.optimizer, config.learning_rate, momentum=config.momentum
    )
    result = TrainResult(network, config)
    n = len(X)
    n_batches = -(-n // config.batch_size)
    X = X.astype(network.dtype, copy=False)  # so no batch is silently upcast
    workspace = Workspace(network, min(config.batch_size, n))

    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()
        order = rng.permutation(n) if config.shuffle else np.arange(n)
        loss_sum, seen, interrupted = 0.0, 0, False

        for k in range(n_batches):
            # one gather per batch from the epoch's permutation, into the
            # workspace's rows (mode="clip" lets np.take write there unbuffered;
            # every row index is valid, so nothing is clipped)
            rows = order[k * config.batch_size : (k + 1) * config.batch_size]
            X_batch = np.take(
                X, rows, axis=0, out=workspace.X[: len(rows)], mode="clip"
            )
            Y_batch = one_hot(y[rows], n_classes, out=workspace.Y[: len(rows)])

            # forward and backward, into the workspace's arrays
            grads = network.gradients(X_batch, Y_batch, loss, workspace)
            if not np.isfinite(grads.loss):
                raise TrainingDiverged(
                    f"the loss became {grads.loss} in epoch {epoch}, batch {k + 1}: "
                    f"the learning rate ({config.learning_rate}) is probably too "
                    "high; try a smaller --lr"
                )

            # update
            optimizer.step(network.W + network.b, grads.dW + grads.db)
            loss_sum += grads.loss * len(rows)
            seen += len(rows)

            if on_batch is not None:
                on_batch(k + 1, n_batches)
            if should_stop is not None and should_stop():
                interrupted = True
                break

        # measure
        val_loss, val_acc = evaluate(network, X_val, y_val, config.loss)
        test_loss, test_acc = evaluate(
            network, dataset.test_images, dataset.test_labels, config.loss
        )
        record = EpochRecord(
            epoch=epoch,
            train_loss=loss_sum / max(seen, 1),
            val_loss=val_loss if len(X_val) else None,
            val_accuracy=val_acc if len(X_val) else None,
            test_loss=test_loss,
            test_accuracy=test_acc,
            learning_rate=optimizer.learning_rate,
            seconds=time.perf_counter() - epoch_start,
        )
        result.history.append(record)
        if on_epoch is not None:
            on_epoch(record)

        # stop?
        if interrupted:
            result.stop_reason = "interrupted"
            break
        if config.target_accuracy is not None:
            watched = test_acc if config.stop_on == "test" else record.val_accuracy
            if watched is None:
                raise ConfigError(
                    "--target-accuracy on the validation set needs --val-size > 0 "
                    "(or use --stop-on test)"
                )
            if watched >= config.target_accuracy:
                result.stop_reason = "target"
                break

    result.seconds = time.perf_counter() - started
    return result
