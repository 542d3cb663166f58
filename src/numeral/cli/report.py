"""``numeral report``: one self-contained HTML page describing a trained model."""

from __future__ import annotations

from .common import add_data_options, load_model_dataset, require_matplotlib

DEFAULT_OUT = "report.html"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="write an HTML report of a trained model",
        description="Write one self-contained HTML file (figures embedded) with a "
        "model's architecture, training configuration and history, and its "
        "confusion matrix, per-class scores, errors and first-layer weights on "
        "the test set of the data set recorded in the model file.",
    )
    p.add_argument("model", help="model file to describe")
    p.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="FILE",
        help="HTML file to write (default: %(default)s)",
    )
    add_data_options(p, dataset_default=None)
    p.set_defaults(run=run)


def run(args) -> int:
    require_matplotlib("report")
    from pathlib import Path

    from ..modelfile import load_model
    from ..report import build_report, write_report

    model = load_model(args.model)
    dataset = load_model_dataset(model, args.model, args.dataset, args.data_dir)
    text = build_report(model, dataset, title=Path(args.model).name)
    path = write_report(args.out, text)
    print(f"saved the report ({len(text.encode()) / 1024:.0f} KiB) to {path}")
    return 0
