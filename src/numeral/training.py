"""Mini-batch training of a :class:`~numeral.network.Network`.

One call to :func:`train` runs the whole loop::

    for each epoch:
        draw one permutation of the training rows from the seeded generator
        for each mini-batch of that permutation:
            distort the images (if augmentation is on), draw dropout masks
            set the scheduled learning rate
            forward, backpropagate, check the loss is finite, update
            clip the incoming weight norms (if max-norm is on)
        measure loss and accuracy on the validation and test sets
        remember the best epoch on the validation set (if early stopping is on)
        write a checkpoint (if a checkpoint file is named)
        stop if the target accuracy is reached or patience has run out

Every random draw (initial weights, permutations, distortions, dropout masks)
comes from the one generator built from ``config.seed``. The test set is only
measured and reported; nothing is chosen by it unless ``stop_on="test"`` asks
for the original program's protocol.

The library never prints: progress is reported through the ``on_batch`` and
``on_epoch`` callbacks, and :func:`train` returns the full history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .checkpoint import Checkpoint, save_checkpoint
from .config import TrainConfig
from .datasets import Dataset
from .errors import ConfigError, TrainingDiverged
from .losses import make_loss
from .network import Network
from .optimizers import Optimizer
from .regularization import clip_incoming_norms, dropout_masks
from .workspace import Workspace

__all__ = ["EpochRecord", "TrainConfig", "TrainResult", "one_hot", "train"]


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
    """What :func:`train` returns.

    ``stop_reason`` is ``"epochs"``, ``"target"``, ``"early_stopping"`` or
    ``"interrupted"``. With early stopping on, ``network`` holds the weights of
    ``best_epoch``, the epoch with the best validation accuracy, not those of
    the last epoch.
    """

    network: Network
    config: TrainConfig
    history: list[EpochRecord] = field(default_factory=list)
    stop_reason: str = "epochs"
    seconds: float = 0.0
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        return len(self.history)

    @property
    def final(self) -> EpochRecord | None:
        """The record of the epoch whose weights ``network`` holds."""
        if self.best_epoch is not None:
            return self.history[self.best_epoch - 1]
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
    config: TrainConfig,
    n_in: int,
    n_out: int,
    rng: np.random.Generator,
    dtype=np.float32,
) -> Network:
    """A freshly initialised network for ``config`` and the data's sizes."""
    sizes = [n_in, *config.hidden_sizes, n_out]
    return Network.create(
        sizes, config.activation, config.output, config.alpha, config.init, rng, dtype
    )


def build_optimizer(config: TrainConfig) -> Optimizer:
    """A fresh optimiser, with empty state, for ``config``."""
    return config.make_optimizer()


class _BestEpoch:
    """Early stopping's memory: the best epoch on the validation set so far.

    An epoch is better when its validation accuracy is higher, or equal with a
    lower validation loss. Its weights are copied, so they can be restored.
    """

    def __init__(self):
        self.epoch: int | None = None
        self.network: Network | None = None
        self.score: tuple[float, float] | None = None

    def update(self, record: EpochRecord, network: Network) -> None:
        score = (record.val_accuracy, -record.val_loss)
        if self.score is None or score > self.score:
            self.epoch, self.score, self.network = record.epoch, score, network.copy()

    def epochs_since(self, epoch: int) -> int:
        return epoch - self.epoch if self.epoch is not None else 0


# a diverging run overflows; the finiteness check in the loop reports that with
# its likely cause, so NumPy's overflow warnings would only repeat the news
@np.errstate(over="ignore", invalid="ignore")
def train(
    config: TrainConfig,
    dataset: Dataset,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: Checkpoint | None = None,
    *,
    network: Network | None = None,
    optimizer: Optimizer | None = None,
    rng: np.random.Generator | None = None,
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
    network, optimizer
        Go on training this network (updated in place) with this optimiser and
        its state, instead of new ones built from ``config``.
    rng
        The generator to shuffle with (and to draw a new network's weights
        from); by default one seeded with ``config.seed``.

    A data set whose test set has no rows gives epoch records whose test loss and
    accuracy are ``None``.
    resume
        A checkpoint of an earlier run of the same ``config`` (see
        :func:`numeral.checkpoint.load_checkpoint`): training continues after its
        last epoch as if it had never stopped. Its history is part of the result.

    Raises
    ------
    TrainingDiverged
        If a mini-batch's loss is not finite. The network is left as it was
        before that batch's update was applied, but nothing is saved.
    ConfigError
        If ``resume`` belongs to a different configuration or a finished run.
    """
    started = time.perf_counter()
    rng = rng if rng is not None else np.random.default_rng(config.seed)
    X, y, X_val, y_val = split_validation(dataset, config.val_size)
    n_classes = dataset.n_classes
    if network is None:
        network = build_network(config, X.shape[1], n_classes, rng)
    loss = make_loss(config.loss)
    if optimizer is None:
        optimizer = build_optimizer(config)
    result = TrainResult(network, config)
    n = len(X)
    n_batches = -(-n // config.batch_size)
    schedule = config.make_schedule(n_batches)
    augmentation = config.make_augmentation()
    rates = config.dropout_rates()
    best = _BestEpoch() if config.patience else None
    first_epoch = 1
    if resume is not None:
        first_epoch = _restore(resume, config, result, optimizer, rng, best) + 1
    X = X.astype(network.dtype, copy=False)  # so no batch is silently upcast
    workspace = Workspace(network, min(config.batch_size, n))

    for epoch in range(first_epoch, config.epochs + 1):
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

            # fresh distortions and dropout masks for this batch
            if augmentation.active:
                X_batch = augmentation(X_batch, dataset.image_shape, rng)
            masks = None
            if any(rates):
                sizes = network.sizes[:-1]
                masks = dropout_masks(rates, sizes, len(rows), rng, X_batch.dtype)

            # forward and backward, into the workspace's arrays
            grads = network.gradients(
                X_batch, Y_batch, loss, masks, workspace=workspace
            )
            if not np.isfinite(grads.loss):
                raise TrainingDiverged(
                    f"the loss became {grads.loss} in epoch {epoch}, batch {k + 1}: "
                    f"the learning rate ({config.learning_rate}) is probably too "
                    "high; try a smaller --lr"
                )

            # update at the scheduled rate, then keep weights inside max-norm
            optimizer.learning_rate = schedule((epoch - 1) * n_batches + k)
            optimizer.step(network.W + network.b, grads.dW + grads.db)
            if config.max_norm:
                clip_incoming_norms(network.W, config.max_norm)
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
        has_test = len(dataset.test_images) > 0
        record = EpochRecord(
            epoch=epoch,
            train_loss=loss_sum / max(seen, 1),
            val_loss=val_loss if len(X_val) else None,
            val_accuracy=val_acc if len(X_val) else None,
            test_loss=test_loss if has_test else None,
            test_accuracy=test_acc if has_test else None,
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
        if best is not None:
            best.update(record, network)
        stop = None
        if config.target_accuracy is not None:
            # (TrainConfig makes sure a validation set exists when it is watched)
            watched = test_acc if config.stop_on == "test" else record.val_accuracy
            if watched >= config.target_accuracy:
                stop = "target"
        if best is not None and best.epochs_since(epoch) >= config.patience:
            stop = stop or "early_stopping"

        # checkpoint the finished epoch, then stop if asked
        if config.checkpoint is not None:
            elapsed = result.seconds + time.perf_counter() - started
            _checkpoint(config, dataset, result, optimizer, rng, best, elapsed, stop)
        if stop is not None:
            result.stop_reason = stop
            break

    # hand back the best epoch's weights when early stopping kept them
    if best is not None and best.network is not None:
        network.W, network.b = best.network.W, best.network.b
        result.best_epoch = best.epoch
    result.seconds += time.perf_counter() - started
    return result


def _checkpoint(config, dataset, result, optimizer, rng, best, seconds, stop):
    """Write the state at the end of the latest epoch to ``config.checkpoint``."""
    save_checkpoint(
        config.checkpoint,
        Checkpoint(
            config=config.to_dict(),
            epoch=result.history[-1].epoch,
            network=result.network,
            optimizer_state=optimizer.state_arrays(),
            rng_state=rng.bit_generator.state,
            history=[asdict(record) for record in result.history],
            best_epoch=best.epoch if best is not None else None,
            best_network=best.network if best is not None else None,
            seconds=seconds,
            stop_reason=stop,
            model_metadata={
                "dataset": dataset.name,
                "class_names": list(dataset.class_names),
                "image_shape": list(dataset.image_shape),
            },
        ),
    )


def _restore(
    checkpoint: Checkpoint,
    config: TrainConfig,
    result: TrainResult,
    optimizer: Optimizer,
    rng: np.random.Generator,
    best: _BestEpoch | None,
) -> int:
    """Put the state saved in ``checkpoint`` back in place; return its epoch."""
    saved = TrainConfig.from_dict(checkpoint.config)
    differs = [
        f.name
        for f in fields(TrainConfig)
        if f.name != "checkpoint" and getattr(saved, f.name) != getattr(config, f.name)
    ]
    if differs:
        raise ConfigError(
            "the checkpoint was written by a run with a different configuration "
            f"({', '.join(differs)}); resume it with its own"
        )
    if checkpoint.stop_reason is not None or checkpoint.epoch >= config.epochs:
        reason = checkpoint.stop_reason or "epochs"
        raise ConfigError(
            f"the checkpoint's run already finished after epoch {checkpoint.epoch} "
            f"(stop reason: {reason}); there is nothing to resume"
        )
    if result.network.sizes != checkpoint.network.sizes:
        raise ConfigError(
            f"the checkpoint's network has layer sizes {checkpoint.network.sizes}, "
            f"but this data set needs {result.network.sizes}"
        )

    # weights, optimiser, generator, history, early-stopping memory
    network = result.network
    network.W = [W.astype(network.dtype, copy=True) for W in checkpoint.network.W]
    network.b = [b.astype(network.dtype, copy=True) for b in checkpoint.network.b]
    optimizer.load_state_arrays(checkpoint.optimizer_state)
    rng.bit_generator.state = checkpoint.rng_state
    result.history = [EpochRecord(**record) for record in checkpoint.history]
    result.seconds = checkpoint.seconds
    if best is not None and checkpoint.best_epoch is not None:
        best.epoch = checkpoint.best_epoch
        best.network = checkpoint.best_network
        record = result.history[best.epoch - 1]
        best.score = (record.val_accuracy, -record.val_loss)
    return checkpoint.epoch
