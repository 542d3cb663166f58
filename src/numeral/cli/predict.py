"""``numeral predict``: read the handwritten digit in each of some image files.

Each image is made into what the network was trained on (see
:mod:`numeral.preprocess`) and classified on its own, so one unreadable file does
not stop the others; the exit code is 1 when any image failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import positive_int, print_json

# the same limit as numeral.preprocess.MAX_PIXELS, which imports Pillow
DEFAULT_MAX_PIXELS = 40_000_000


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "predict",
        help="read the digits in image files",
        description="Classify the digit in each image file (PNG, JPEG, BMP, GIF, "
        "TIFF, WebP, ...). Each image is turned into what MNIST looks like: grey, "
        "light ink on black, cropped to the ink, scaled to 20 pixels and centred "
        "by its centre of mass in a 28 x 28 field.",
    )
    p.add_argument(
        "model", help="model file (numeral's, or number_recognition's text format)"
    )
    p.add_argument(
        "images",
        nargs="+",
        metavar="IMAGE",
        help="image files; a folder stands for every image in it",
    )
    p.add_argument(
        "--top",
        type=positive_int,
        default=2,
        metavar="K",
        help="show the K most likely classes (default: %(default)s, the "
        "prediction and the runner-up)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per image: file, prediction, probabilities",
    )
    p.add_argument(
        "--invert",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="--invert for dark ink on a light background, --no-invert for light "
        "ink on dark (default: detect it in each image)",
    )
    p.add_argument(
        "--save-preprocessed",
        metavar="DIR",
        help="write the 28 x 28 image the network saw for each file into DIR",
    )
    p.add_argument(
        "--max-pixels",
        type=positive_int,
        default=DEFAULT_MAX_PIXELS,
        metavar="N",
        help="refuse images with more pixels than this (default: %(default)s)",
    )
    p.set_defaults(run=run)


def image_files(arguments: list[str]) -> list[tuple[Path, str | None]]:
    """Expand folders to the image files in them, sorted by name.

    Returns ``(path, error)`` pairs; ``error`` is set for a folder without images.
    Files are returned as given, readable or not: reading them reports errors.
    """
    files: list[tuple[Path, str | None]] = []
    extensions = None
    for argument in arguments:
        path = Path(argument)
        if not path.is_dir():
            files.append((path, None))
            continue
        if extensions is None:
            from PIL import Image

            extensions = set(Image.registered_extensions())
        found = sorted(
            entry
            for entry in path.iterdir()
            if entry.is_file()
            and not entry.name.startswith(".")
            and entry.suffix.lower() in extensions
        )
        if not found:
            files.append((path, f"{path}: folder holds no image files"))
        files.extend((entry, None) for entry in found)
    return files


def format_prediction(name: str, top: list[tuple[str, float]]) -> str:
    """``name: 7 (98.12%), runner-up 1 (1.20%)``, with more classes after "then"."""
    best, rest = top[0], top[1:]
    line = f"{name}: {best[0]} ({100 * best[1]:.2f}%)"
    if rest:
        label = "runner-up" if len(rest) == 1 else "then"
        line += f", {label} " + ", ".join(f"{c} ({100 * p:.2f}%)" for c, p in rest)
    return line


def _round(p: float) -> float:
    """A probability to six significant digits, for JSON."""
    return float(f"{float(p):.6g}")


class _Names:
    """Unique output names for the preprocessed images, ``stem.png``, ``stem-2.png``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()

    def __call__(self, source: Path) -> Path:
        name, n = f"{source.stem}.png", 1
        while name in self.used:
            n += 1
            name = f"{source.stem}-{n}.png"
        self.used.add(name)
        return self.folder / name


def run(args) -> int:
    import numpy as np

    from ..atomicfile import make_folder
    from ..errors import ImageError, ModelFileError
    from ..preprocess import preprocess_file, save_digit
    from ..textmodel import read_any_model
    from . import EXIT_ERROR, EXIT_OK, error

    # the model must take 28 x 28 images
    model = read_any_model(args.model)
    n_in = model.network.sizes[0]
    if n_in != 784 or model.image_shape not in (None, (28, 28)):
        raise ModelFileError(
            f"{args.model} takes {n_in} inputs; predict needs a model of 28 x 28 "
            "= 784 inputs, such as one trained on MNIST"
        )
    names = model.class_names
    k = min(args.top, len(names))
    if args.save_preprocessed:
        out = make_folder(args.save_preprocessed)
        output_name = _Names(out)

    failed = 0
    files = image_files(args.images)
    for path, problem in files:
        # read and preprocess; a failure is this file's alone
        try:
            if problem:
                raise ImageError(problem)
            digit = preprocess_file(path, args.invert, args.max_pixels)
        except ImageError as e:
            failed += 1
            error(str(e))
            if args.json:
                print_json({"file": str(path), "error": str(e)})
            continue

        # classify
        proba = model.predict_proba(digit.pixels.reshape(1, -1))[0]  # (n_classes,)
        order = np.argsort(-proba, kind="stable")[:k]
        top = [(names[i], float(proba[i])) for i in order]
        saved = None
        if args.save_preprocessed:
            saved = save_digit(output_name(path), digit.pixels)

        # report
        if args.json:
            record = {
                "file": str(path),
                "prediction": top[0][0],
                "probability": _round(top[0][1]),
                "top": [{"class": c, "probability": _round(p)} for c, p in top],
                "probabilities": {name: _round(p) for name, p in zip(names, proba)},
                "inverted": digit.inverted,
            }
            if saved is not None:
                record["preprocessed"] = str(saved)
            print_json(record)
        else:
            print(format_prediction(str(path), top), flush=True)

    if failed:
        if len(files) > 1:
            print(
                f"numeral: {failed} of {len(files)} images could not be classified",
                file=sys.stderr,
            )
        return EXIT_ERROR
    return EXIT_OK
