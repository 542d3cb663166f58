"""``numeral plot``: draw one figure of a trained model as PNG, SVG or PDF."""

from __future__ import annotations

import argparse

from .common import (
    add_data_options,
    load_model_dataset,
    positive_int,
    require_matplotlib,
)

# each kind of figure and what it shows; numeral.figures.FIGURES draws them
KINDS = {
    "history": "loss and accuracy per epoch, training / validation / test",
    "confusion": "confusion matrix of the test set as a heat map with counts",
    "errors": "the test images misclassified with the highest confidence",
    "weights": "incoming weights of the first hidden layer's units, as images",
    "classes": "per-class accuracy, precision and recall as bars",
    "samples": "a grid of training images, one row per class",
}
DEFAULT_DPI = 100


def pixel_size(text: str) -> tuple[int, int]:
    """argparse type: ``"800x600"`` -> ``(800, 600)``."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT in pixels such as 800x600, got {text!r}"
        ) from None
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"width and height must be positive: {text!r}")
    return width, height


def register(subparsers) -> None:
    kinds = "; ".join(f"{kind}: {text}" for kind, text in KINDS.items())
    p = subparsers.add_parser(
        "plot",
        help="draw a figure of a trained model",
        description=f"Draw one figure of a model file. Kinds: {kinds}. The kinds "
        "that look at images load the data set recorded in the model file.",
    )
    p.add_argument("model", help="model file to draw")
    p.add_argument(
        "--kind",
        choices=list(KINDS),
        default="history",
        help="which figure to draw (default: %(default)s)",
    )
    p.add_argument(
        "--normalize",
        action="store_true",
        help="confusion: show the percentage of each true class instead of counts",
    )
    p.add_argument(
        "--count",
        type=positive_int,
        metavar="N",
        help="errors: images to show (default 24, at most 1000); weights: units "
        "to show (default all, at most 256); samples: images per class (default "
        "10, at most 1000)",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="image file to write; its extension (.png, .svg, .pdf) sets the "
        "format (default: KIND.png)",
    )
    p.add_argument(
        "--size",
        type=pixel_size,
        metavar="WxH",
        help="image size in pixels, e.g. 1200x800 (default: suited to the kind)",
    )
    p.add_argument(
        "--dpi",
        type=positive_int,
        default=DEFAULT_DPI,
        help="pixels per inch: larger values draw text and lines bigger relative "
        "to the image (default: %(default)s)",
    )
    add_data_options(p, dataset_default=None)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..errors import ConfigError
    from ..modelfile import load_model

    # refuse options that do not apply before any work
    if args.normalize and args.kind != "confusion":
        raise ConfigError("--normalize applies only to --kind confusion")
    if args.count is not None and args.kind not in ("errors", "weights", "samples"):
        raise ConfigError("--count applies only to --kind errors, weights or samples")
    require_matplotlib("plot")
    from ..figures import FIGURES, model_figure
    from ..plots import check_format, save_figure

    out = check_format(args.out or f"{args.kind}.png")

    model = load_model(args.model)
    dataset = None
    if FIGURES[args.kind]:
        dataset = load_model_dataset(model, args.model, args.dataset, args.data_dir)
    fig = model_figure(
        args.kind,
        model,
        dataset,
        normalize=args.normalize,
        count=args.count,
        size=args.size,
        dpi=args.dpi,
    )
    path = save_figure(fig, out)
    print(f"saved the {args.kind} figure to {path}")
    return 0
