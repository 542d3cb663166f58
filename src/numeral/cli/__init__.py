"""The ``numeral`` command: argument parsing, error reporting and exit codes.

Each sub-command lives in its own module of this package with two functions:
``register(subparsers)`` adds its parser, and ``run(args) -> int`` does the work.
Modules import heavy libraries (matplotlib, scikit-learn) inside ``run`` only, so
``numeral --help`` and ``numeral predict`` start quickly.

Exit codes: 0 success, 1 an error numeral reported, 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from .. import __version__
from ..errors import NumeralError

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# sub-command modules, in the order --help lists them
COMMANDS = [
    "train",
    "evaluate",
    "predict",
    "convert",
    "data",
    "plot",
    "report",
    "bench",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numeral",
        description="Train, evaluate and use a multi-layer perceptron that reads "
        "handwritten digits.",
    )
    parser.add_argument("--version", action="version", version=f"numeral {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def error(message: str) -> None:
    """Print ``numeral: error: message`` on stderr."""
    print(f"numeral: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on bad usage and 0 on --help
        return int(e.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or 0)
    except NumeralError as e:
        if args.debug:
            traceback.print_exc()
        error(str(e))
        return EXIT_ERROR
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        error("interrupted")
        return EXIT_INTERRUPTED


def entry_point() -> None:
    """The console script: ``sys.exit(main())``."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (``numeral ... | head``): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    sys.exit(code)
