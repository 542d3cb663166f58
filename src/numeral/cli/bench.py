"""``numeral bench``: numeral, scikit-learn and PyTorch timed side by side."""

from __future__ import annotations

import argparse
import sys

from .common import positive_int


def protocol_list(text: str) -> tuple[int, ...]:
    """argparse type: ``"1,3"`` -> ``(1, 3)``, each in 1..4."""
    try:
        numbers = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected protocol numbers such as 1,3, got {text!r}"
        ) from None
    if not numbers or not set(numbers) <= {1, 2, 3, 4}:
        raise argparse.ArgumentTypeError(f"the protocols are 1 to 4, got {text!r}")
    return numbers


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bench",
        help="time numeral against scikit-learn and PyTorch",
        description="Run the benchmark protocols: (1) the original program's "
        "comparison, (2) numeral's plain configuration to 98%, (3) training and "
        "inference throughput beside the machine's matrix-product rate, (4) cold "
        "starts and data loading. scikit-learn and PyTorch run when installed and "
        "are skipped otherwise. Each figure is a median of repetitions, with its "
        "minimum and maximum.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and one repetition: proves the benchmark runs, "
        "measures nothing worth keeping",
    )
    p.add_argument(
        "--repeats",
        type=positive_int,
        default=None,
        metavar="N",
        help="repetitions of every measurement (default: 3, or 1 with --quick)",
    )
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="thread limit of the BLAS and OpenMP pools (default: one per "
        "core); throughput is also measured at 1 thread",
    )
    p.add_argument(
        "--protocols",
        type=protocol_list,
        default=(1, 2, 3, 4),
        metavar="N[,N...]",
        help="which protocols to run (default: 1,2,3,4)",
    )
    p.add_argument(
        "--no-peers",
        action="store_true",
        help="time numeral alone, even where scikit-learn or PyTorch is installed",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding mnist/ (default: $NUMERAL_DATA_DIR, then the cache)",
    )
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the raw figures as JSON to FILE, or to stdout without FILE "
        "(the table then goes to stderr)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from ..bench import BenchSettings, format_report, run_benchmark

    options = {
        "quick": args.quick,
        "repeats": args.repeats,
        "protocols": args.protocols,
        "data_dir": args.data_dir,
    }
    if args.threads is not None:
        options["threads"] = args.threads
    if args.no_peers:
        options["frameworks"] = ("numeral",)
    settings = BenchSettings(**options)
    to_stdout = args.json == "-"
    table_stream = sys.stderr if to_stdout else sys.stdout

    def progress(repetition, key, seconds):
        what = " ".join(str(k) for k in key)
        print(
            f"[{repetition + 1}/{settings.repeats}] {what}: {seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )

    results = run_benchmark(settings, progress)
    print(format_report(results), file=table_stream)
    if args.json:
        text = json.dumps(results, indent=1)
        if to_stdout:
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    return 0
