"""``numeral train``: train a network on a data set and save it as a model file."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from .common import (
    add_data_options,
    is_terminal,
    load_data,
    positive_int,
    print_json,
)

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


def rates(text: str) -> tuple[float, ...]:
    """argparse type: ``"0.5"`` or ``"0.5,0.3"`` -> dropout rates in [0, 1)."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated rates such as 0.5 or 0.5,0.3, got {text!r}"
        ) from None
    if any(not 0 <= p < 1 for p in values):
        raise argparse.ArgumentTypeError(
            f"dropout rates must be in [0, 1), got {text!r}"
        )
    return values


def non_negative(kind):
    """argparse type: a number of ``kind`` (int or float) that is 0 or more."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number, got {text!r}"
            ) from None
        if not value >= 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
        return value

    return parse


def register(subparsers) -> None:
    from ..activations import ACTIVATIONS
    from ..initializers import INITIALIZERS
    from ..losses import LOSSES
    from ..optimizers import OPTIMIZERS
    from ..recipes import DEFAULT_RECIPE, RECIPES, recipe_config
    from ..schedules import SCHEDULES

    d = recipe_config(DEFAULT_RECIPE)
    p = subparsers.add_parser(
        "train",
        help="train a network and save it",
        description="Train a multi-layer perceptron and save it as a model file. "
        "One line per epoch reports the training loss, the validation and test "
        "accuracy and the time taken. Training starts from a recipe (--recipe, "
        f"default {DEFAULT_RECIPE}); every option given overrides the recipe's "
        f"value. Defaults shown are those of the {DEFAULT_RECIPE} recipe.",
    )
    add_data_options(p)

    def option(group, flag, field, help, **kwargs):
        """An option that overrides the recipe's value of ``field`` when given."""
        value = getattr(d, field)
        if isinstance(value, tuple):
            value = ",".join(map(str, value)) or "none"
        if kwargs.get("action") is None and "choices" not in kwargs:
            kwargs.setdefault("metavar", flag.lstrip("-").upper().replace("-", "_"))
        group.add_argument(
            flag,
            dest=field,
            default=argparse.SUPPRESS,
            help=f"{help} (default: {'none' if value is None else value})",
            **kwargs,
        )

    recipes = p.add_argument_group("recipes and checkpoints")
    recipes.add_argument(
        "--recipe",
        default=DEFAULT_RECIPE,
        choices=list(RECIPES),
        help="the set of options to start from (default: %(default)s)",
    )
    recipes.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="write the full training state to FILE after every epoch, so an "
        "interrupted run can be resumed (default: no checkpoints)",
    )
    recipes.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue the run saved in CHECKPOINT with its own configuration; "
        "later checkpoints go to the same file unless --checkpoint says otherwise",
    )

    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="threads for the matrix products (default: the BLAS library's "
        "choice, one per core)",
    )
    arch = p.add_argument_group("network")
    option(
        arch,
        "--hidden",
        "hidden_sizes",
        "hidden layer widths, comma-separated; 'none' for no hidden layer",
        type=hidden_sizes,
        metavar="N[,N...]",
    )
    option(
        arch,
        "--activation",
        "activation",
        "hidden-layer activation",
        choices=sorted(set(ACTIVATIONS) - {"softmax"}),
    )
    option(arch, "--alpha", "alpha", "slope of leaky ReLU for z < 0", type=float)
    option(
        arch,
        "--output",
        "output",
        "output-layer activation",
        choices=["softmax", "sigmoid"],
    )
    option(
        arch,
        "--loss",
        "loss",
        "cost function",
        choices=sorted(set(LOSSES) | {"cross-entropy"}),
    )
    option(
        arch, "--init", "init", "weight initialisation", choices=sorted(INITIALIZERS)
    )

    opt = p.add_argument_group("optimisation")
    option(opt, "--optimizer", "optimizer", "update rule", choices=sorted(OPTIMIZERS))
    option(opt, "--lr", "learning_rate", "learning rate η", type=float)
    option(
        opt,
        "--momentum",
        "momentum",
        "momentum μ for momentum and nesterov",
        type=float,
    )
    option(opt, "--beta1", "beta1", "Adam's first-moment decay β1", type=float)
    option(opt, "--beta2", "beta2", "Adam's second-moment decay β2", type=float)
    option(
        opt,
        "--batch-size",
        "batch_size",
        "samples per mini-batch",
        type=positive_int,
    )
    option(
        opt,
        "--epochs",
        "epochs",
        "maximum number of passes over the data",
        type=positive_int,
    )
    option(
        opt,
        "--schedule",
        "schedule",
        "learning-rate schedule",
        choices=list(SCHEDULES),
    )
    option(
        opt,
        "--warmup",
        "warmup_epochs",
        "epochs of linear learning-rate warm-up",
        type=non_negative(float),
        metavar="EPOCHS",
    )
    option(
        opt,
        "--step-every",
        "step_every",
        "epochs between learning-rate drops of --schedule step",
        type=positive_int,
        metavar="EPOCHS",
    )
    option(
        opt,
        "--step-gamma",
        "step_gamma",
        "factor of each drop of --schedule step",
        type=float,
    )
    option(
        opt,
        "--min-lr",
        "min_learning_rate",
        "final learning rate of --schedule cosine",
        type=non_negative(float),
    )
    option(
        opt,
        "--target-accuracy",
        "target_accuracy",
        "stop once this accuracy is reached, e.g. 0.98 or 98",
        type=fraction,
        metavar="ACC",
    )
    option(
        opt,
        "--stop-on",
        "stop_on",
        "the set --target-accuracy is checked on",
        choices=["validation", "test"],
    )
    option(
        opt,
        "--patience",
        "patience",
        "stop after this many epochs without a better validation accuracy and "
        "keep the best epoch's weights; 0 turns early stopping off",
        type=non_negative(int),
        metavar="EPOCHS",
    )
    option(
        opt,
        "--val-size",
        "val_size",
        "training images held out for validation, taken from the end",
        type=int,
    )
    option(
        opt,
        "--shuffle",
        "shuffle",
        "reshuffle the training data each epoch",
        action=argparse.BooleanOptionalAction,
    )
    option(opt, "--seed", "seed", "seed of every random choice", type=int)

    reg = p.add_argument_group("regularisation")
    option(
        reg,
        "--weight-decay",
        "weight_decay",
        "L2 weight decay λ of the weight matrices (decoupled for adamw)",
        type=non_negative(float),
    )
    option(
        reg,
        "--dropout",
        "dropout",
        "dropout rate of the hidden layers, one for all or one per layer",
        type=rates,
        metavar="P[,P...]",
    )
    option(
        reg,
        "--input-dropout",
        "input_dropout",
        "dropout rate of the input pixels",
        type=float,
        metavar="P",
    )
    option(
        reg,
        "--max-norm",
        "max_norm",
        "largest L2 norm of each unit's incoming weights; 0 for no limit",
        type=non_negative(float),
    )

    aug = p.add_argument_group("augmentation (random distortions of training images)")
    option(
        aug,
        "--shift",
        "augment_shift",
        "largest shift, in pixels",
        type=non_negative(float),
    )
    option(
        aug,
        "--rotate",
        "augment_rotation",
        "largest rotation, in degrees",
        type=non_negative(float),
    )
    option(
        aug,
        "--scale",
        "augment_scale",
        "largest relative change of size, e.g. 0.1 for ±10%%",
        type=non_negative(float),
    )
    option(
        aug,
        "--shear",
        "augment_shear",
        "largest shear angle, in degrees",
        type=non_negative(float),
    )
    option(
        aug,
        "--elastic",
        "elastic_alpha",
        "strength of elastic distortion in pixels; 0 for none",
        type=non_negative(float),
        metavar="ALPHA",
    )
    option(
        aug,
        "--elastic-sigma",
        "elastic_sigma",
        "smoothness of elastic distortion, in pixels",
        type=float,
        metavar="SIGMA",
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


def given_options(args) -> dict:
    """The configuration fields set by options on the command line."""
    from dataclasses import fields

    from ..training import TrainConfig

    # options left out are absent from args (their default is SUPPRESS);
    # --dataset and --checkpoint always have a value and are handled apart
    names = {f.name for f in fields(TrainConfig)} - {"dataset", "checkpoint"}
    given = {name: value for name, value in vars(args).items() if name in names}
    if "loss" in given:
        given["loss"] = given["loss"].replace("-", "_")
    return given


def config_from_args(args):
    """The :class:`TrainConfig` the options describe; raises on a bad value.

    The recipe's values, overridden by every option given on the command line.
    """
    from ..recipes import recipe_config

    return recipe_config(
        args.recipe,
        **given_options(args),
        dataset=args.dataset,
        checkpoint=args.checkpoint,
    )


def resume_from_args(args):
    """The checkpoint and configuration ``--resume`` continues with."""
    from dataclasses import replace

    from ..checkpoint import load_checkpoint
    from ..errors import ConfigError
    from ..training import TrainConfig

    given = given_options(args)
    if given:
        flags = ", ".join(sorted(given))
        raise ConfigError(
            f"--resume continues with the checkpoint's own configuration; "
            f"leave out the training options ({flags})"
        )
    checkpoint = load_checkpoint(args.resume)
    config = TrainConfig.from_dict(checkpoint.config)
    return checkpoint, replace(config, checkpoint=args.checkpoint or args.resume)


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
    from ..atomicfile import check_writable
    from ..errors import ConfigError
    from ..threads import limit_threads
    from ..training import train
    from . import EXIT_INTERRUPTED

    # refuse bad options before any work
    checkpoint = None
    if args.resume:
        checkpoint, config = resume_from_args(args)
    else:
        config = config_from_args(args)
    check_writable(args.out)
    if config.checkpoint:
        if os.path.abspath(config.checkpoint) == os.path.abspath(args.out):
            raise ConfigError(
                f"--checkpoint and --out both name {args.out}; the model would "
                "overwrite the checkpoint: give them different files"
            )
        check_writable(config.checkpoint)
    threads = args.threads
    cores = os.cpu_count() or 1
    if threads is not None and threads > cores:
        # more BLAS threads than cores only makes them wait on each other
        print(
            f"numeral: warning: --threads {threads} is more than this machine's "
            f"{cores} cores; using {cores}",
            file=sys.stderr,
        )
        threads = cores
    started = time.perf_counter()
    dataset = load_data(config.dataset, args.data_dir)
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
        with limit_threads(threads):
            result = train(
                config,
                dataset,
                on_epoch,
                on_batch,
                lambda: bool(interrupt),
                resume=checkpoint,
            )
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()

    # save, then report
    seconds = time.perf_counter() - started
    save_result(args.out, result, dataset, timings=not args.no_timings)
    metrics = result_metrics(result)
    n = result.epochs
    epochs = f"{n} epoch{'s' if n != 1 else ''}"
    summary = {
        "interrupted": f"interrupted during epoch {n}",
        "target": f"reached the target accuracy in {epochs}",
    }.get(result.stop_reason, f"trained {epochs}")
    if result.best_epoch is not None:
        print(
            f"kept the weights of epoch {result.best_epoch}, the best on the "
            "validation set",
            file=log,
        )
    print(
        f"{summary} in {seconds:.1f} s: test accuracy "
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
