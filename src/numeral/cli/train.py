"""``numeral train``: train a network on a data set and save it as a model file."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .common import add_data_options, is_terminal, positive_int, print_json

DEFAULT_OUT = "model.npz"


def hidden_sizes(text: str) -> tuple[int, ...]:
    """argparse type: ``"512,256"`` -> ``(512, 256)``; ``""`` or ``"none"`` -> ()."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths such as 512,256, got {text!r}"
        ) from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return sizes


def fraction(text: str) -> float:
    """argparse type: an accuracy as a fraction (0.98) or a percentage (98)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value > 1:
        value /= 100
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"expected an accuracy in (0, 1] or (0, 100], got {text!r}"
        )
    return value


def register(subparsers) -> None:
    from ..activations import ACTIVATIONS
    from ..initializers import INITIALIZERS
    from ..losses import LOSSES
    from ..optimizers import OPTIMIZERS
    from ..training import TrainConfig

    d = TrainConfig()
    p = subparsers.add_parser(
        "train",
        help="train a network and save it",
        description="Train a multi-layer perceptron and save it as a model file. "
        "One line per epoch reports the training loss, the validation and test "
        "accuracy and the time taken.",
    )
    add_data_options(p)
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="threads for the matrix products (default: the BLAS library's "
        "choice, one per core)",
    )
    arch = p.add_argument_group("network")
    arch.add_argument(
        "--hidden",
        type=hidden_sizes,
        default=d.hidden_sizes,
        metavar="N[,N...]",
        help="hidden layer widths, comma-separated (default: %s)"
        % ",".join(map(str, d.hidden_sizes)),
    )
    arch.add_argument(
        "--activation",
        default=d.activation,
        choices=sorted(set(ACTIVATIONS) - {"softmax"}),
        help="hidden-layer activation (default: %(default)s)",
    )
    arch.add_argument(
        "--alpha",
        type=float,
        default=d.alpha,
        help="slope of leaky ReLU for z < 0 (default: %(default)s)",
    )
    arch.add_argument(
        "--output",
        default=d.output,
        choices=["softmax", "sigmoid"],
        help="output-layer activation (default: %(default)s)",
    )
    arch.add_argument(
        "--loss",
        default=d.loss,
        choices=sorted(set(LOSSES) | {"cross-entropy"}),
        help="cost function (default: %(default)s)",
    )
    arch.add_argument(
        "--init",
        default=d.init,
        choices=sorted(INITIALIZERS),
        help="weight initialisation (default: %(default)s)",
    )

    opt = p.add_argument_group("optimisation")
    opt.add_argument(
        "--optimizer",
        default=d.optimizer,
        choices=sorted(OPTIMIZERS),
        help="update rule (default: %(default)s)",
    )
    opt.add_argument(
        "--lr",
        type=float,
        default=d.learning_rate,
        help="learning rate η (default: %(default)s)",
    )
    opt.add_argument(
        "--momentum",
        type=float,
        default=d.momentum,
        help="momentum μ for --optimizer momentum (default: %(default)s)",
    )
    opt.add_argument(
        "--batch-size",
        type=positive_int,
        default=d.batch_size,
        help="samples per mini-batch (default: %(default)s)",
    )
    opt.add_argument(
        "--epochs",
        type=positive_int,
        default=d.epochs,
        help="maximum number of passes over the data (default: %(default)s)",
    )
    opt.add_argument(
        "--target-accuracy",
        type=fraction,
        default=None,
        metavar="ACC",
        help="stop once this accuracy is reached, e.g. 0.98 or 98 "
        "(default: train all epochs)",
    )
    opt.add_argument(
        "--stop-on",
        default=d.stop_on,
        choices=["validation", "test"],
        help="the set --target-accuracy is checked on (default: %(default)s)",
    )
    opt.add_argument(
        "--val-size",
        type=int,
        default=d.val_size,
        help="training images held out for validation, taken from "
        "the end (default: %(default)s)",
    )
    opt.add_argument(
        "--shuffle",
        action=argparse.BooleanOptionalAction,
        default=d.shuffle,
        help="reshuffle the training data each epoch (default: on)",
    )
    opt.add_argument(
        "--seed",
        type=int,
        default=d.seed,
        help="seed of every random choice (default: %(default)s)",
    )

    out = p.add_argument_group("output")
    out.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="FILE",
        help="where to save the model (default: %(default)s)",
    )
    out.add_argument(
        "--json",
        action="store_true",
        help="end with one JSON object of the results on stdout "
        "(epoch lines go to stderr)",
    )
    out.add_argument(
        "--no-timings",
        action="store_true",
        help="leave wall-clock times out of the model file, so that "
        "the same seed gives the same file byte for byte",
    )
    p.set_defaults(run=run)


def config_from_args(args):
    """The :class:`TrainConfig` the options describe; raises on a bad value."""
    from ..training import TrainConfig

    return TrainConfig(
        hidden_sizes=args.hidden,
        activation=args.activation,
        alpha=args.alpha,
        output=args.output,
        loss=args.loss.replace("-", "_"),
        init=args.init,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        momentum=args.momentum,
        batch_size=args.batch_size,
        epochs=args.epochs,
        target_accuracy=args.target_accuracy,
        stop_on=args.stop_on,
        val_size=args.val_size,
        shuffle=args.shuffle,
        seed=args.seed,
        dataset=args.dataset,
    )


def format_epoch(record) -> str:
    """The fixed-format line printed after each epoch."""

    def pct(x):
        return "   -  " if x is None else f"{100 * x:6.2f}%"

    return (
        f"epoch {record.epoch:3d}  loss {record.train_loss:.4f}  "
        f"val {pct(record.val_accuracy)}  test {pct(record.test_accuracy)}  "
        f"{record.seconds:6.2f} s"
    )


class _Interrupt:
    """SIGINT handler: the first Ctrl-C asks training to stop after the batch."""

    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        if self.requested:  # a second Ctrl-C aborts at once
            raise KeyboardInterrupt
        self.requested = True

    def __bool__(self):
        return self.requested


def run(args) -> int:
    from ..datasets import load_dataset
    from ..threads import limit_threads
    from ..training import train
    from . import EXIT_INTERRUPTED

    # refuse bad options before any work
    config = config_from_args(args)
    started = time.perf_counter()
    dataset = load_dataset(config.dataset, args.data_dir)
    log = sys.stderr if args.json else sys.stdout

    bar = None
    if is_terminal(sys.stderr):
        from tqdm import tqdm

        def on_batch(done, total):
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, leave=False, unit="batch", file=sys.stderr)
            bar.update(1)
    else:
        on_batch = None

    def on_epoch(record):
        nonlocal bar
        if bar is not None:
            bar.close()
            bar = None
        print(format_epoch(record), file=log, flush=True)

    interrupt = _Interrupt()
    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        with limit_threads(args.threads):
            result = train(config, dataset, on_epoch, on_batch, lambda: bool(interrupt))
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()

    # save, then report
    seconds = time.perf_counter() - started
    save_result(args.out, result, dataset, timings=not args.no_timings)
    metrics = result_metrics(result)
    verb = "interrupted after" if result.stop_reason == "interrupted" else "trained"
    print(
        f"{verb} {result.epochs} epochs in {seconds:.1f} s: test accuracy "
        f"{100 * metrics['test_accuracy']:.2f}%; model saved to {args.out}",
        file=log,
    )
    if args.json:
        print_json({**metrics, "seconds": round(seconds, 3), "model": str(args.out)})
    return EXIT_INTERRUPTED if result.stop_reason == "interrupted" else 0


def result_metrics(result) -> dict:
    """The final figures of a training run, as stored in the model file."""
    final = result.final
    return {
        "test_accuracy": final.test_accuracy,
        "test_loss": final.test_loss,
        "val_accuracy": final.val_accuracy,
        "val_loss": final.val_loss,
        "train_loss": final.train_loss,
        "epochs": result.epochs,
        "stop_reason": result.stop_reason,
    }


def save_result(path, result, dataset, timings: bool = True):
    """Save a :class:`~numeral.training.TrainResult` as a self-describing model file.

    With ``timings=False`` the wall-clock seconds are left out, so that the same
    configuration and seed always give the same file, byte for byte.
    """
    from .. import __version__
    from ..modelfile import Model, save_model

    metrics = result_metrics(result)
    history = [vars(record).copy() for record in result.history]
    if timings:
        metrics["seconds"] = round(result.seconds, 3)
    else:
        for record in history:
            record.pop("seconds")
    metadata = {
        "dataset": dataset.name,
        "class_names": list(dataset.class_names),
        "image_shape": list(dataset.image_shape),
        "loss": result.config.loss,
        "config": result.config.to_dict(),
        "history": history,
        "metrics": metrics,
        "numeral_version": __version__,
    }
    return save_model(path, Model(result.network, metadata))
