"""Pieces shared by several sub-commands: data options and output helpers."""

from __future__ import annotations

import argparse
import json
import sys


def add_data_options(parser: argparse.ArgumentParser, dataset_default="mnist"):
    """Add ``--dataset`` and ``--data-dir`` to ``parser``."""
    parser.add_argument(
        "--dataset",
        default=dataset_default,
        type=dataset_name,
        metavar="NAME",
        help="mnist, fashion-mnist, kmnist, or idx:DIR for a folder of your own "
        "IDX files (default: %s)" % (dataset_default or "the model's data set"),
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding one sub-folder per data set, searched first "
        "(then $NUMERAL_DATA_DIR, then the cache folder, where missing data "
        "sets are downloaded)",
    )


def print_json(obj) -> None:
    """Write ``obj`` as one line of JSON on stdout."""
    print(json.dumps(obj, sort_keys=True))


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def require_matplotlib(command: str) -> None:
    """Raise a NumeralError saying how to install matplotlib if it is missing."""
    from ..errors import NumeralError

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise NumeralError(
            f"numeral {command} draws with matplotlib, which is not installed: "
            'pip install "numeral[plot]"'
        ) from None


def dataset_name(text: str) -> str:
    """argparse type: a registered data set name or ``idx:DIR``."""
    from ..errors import DataError
    from ..registry import check_name

    try:
        return check_name(text)
    except DataError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def download_progress(stream=None):
    """A download progress callback: one tqdm bar per file on a terminal, else a line.

    Returns a function ``(label, bytes_done, bytes_total)`` for
    :func:`numeral.datasets.load_dataset` and :func:`numeral.download.download_dataset`.
    """
    stream = stream or sys.stderr
    bars = {}
    _show_warnings()

    def update(label: str, done: int, total: int | None) -> None:
        bar = bars.get(label)
        if bar is None or done < bar.n:  # new file, or a retry on another mirror
            if bar is not None:
                bar.close()
            if not is_terminal(stream):
                print(f"numeral: downloading {label}", file=stream, flush=True)
                bars[label] = bar = _Quiet()
            else:
                from tqdm import tqdm

                bars[label] = bar = tqdm(
                    total=total,
                    desc=label,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    file=stream,
                    leave=False,
                )
        bar.update(done - bar.n)
        if total is not None and done >= total:
            bar.close()

    return update


def _show_warnings() -> None:
    """Print numeral's logged warnings as ``numeral: warning: ...`` on stderr."""
    import logging

    class WarningLine(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            print(f"numeral: warning: {record.getMessage()}", file=sys.stderr)

    logger = logging.getLogger("numeral")
    if not any(type(h).__name__ == "WarningLine" for h in logger.handlers):
        logger.addHandler(WarningLine(logging.WARNING))


class _Quiet:
    """Stands in for a progress bar where there is no terminal to draw it on."""

    n = 0

    def update(self, k: int) -> None:
        self.n += k

    def close(self) -> None:
        pass


def load_data(name: str, data_dir=None):
    """Load data set ``name`` for a command, downloading it with a progress bar.

    A ``--data-dir`` that is not a folder is refused rather than passed over for
    the next place to look, so that a mistyped path does not go unnoticed.
    """
    from pathlib import Path

    from ..datasets import load_dataset
    from ..errors import DataError

    if data_dir is not None and not Path(data_dir).is_dir():
        what = "is a file" if Path(data_dir).exists() else "does not exist"
        raise DataError(f"--data-dir {data_dir}: {what}; give a folder of data sets")
    return load_dataset(name, data_dir, on_progress=download_progress())


def load_model_dataset(model, model_path, name=None, data_dir=None):
    """The data set ``name`` (default: the model's own), checked against ``model``.

    Raises :class:`~numeral.errors.DataError` when the images or classes do not
    fit the network.
    """
    from ..errors import DataError

    name = name or model.dataset or "mnist"
    dataset = load_data(name, data_dir)
    if dataset.n_features != model.network.sizes[0]:
        raise DataError(
            f"{model_path} takes {model.network.sizes[0]} inputs but data set "
            f"{name!r} has images of {dataset.n_features} pixels"
        )
    if dataset.n_classes != model.network.sizes[-1]:
        raise DataError(
            f"{model_path} has {model.network.sizes[-1]} outputs but data set "
            f"{name!r} has {dataset.n_classes} classes"
        )
    return dataset
