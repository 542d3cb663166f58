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
        help="data set to use (default: %(default)s)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding one sub-folder per data set "
        "(default: $NUMERAL_DATA_DIR, then the cache folder)",
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
