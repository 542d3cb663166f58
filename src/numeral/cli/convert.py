"""``numeral convert``: numeral model files to number_recognition text models and back.

The input's format is told by its content; the output's by ``--to``, else by its
extension (``.txt`` text, ``.npz`` numeral), else it is the other format.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = {"numeral": ".npz", "text": ".txt"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert between model formats",
        description="Convert a number_recognition text model (.txt) into a numeral "
        "model file (.npz), or back. Weights are 32-bit floats in both, so the "
        "round trip is exact.",
    )
    p.add_argument("input", help="model file to read; its format is detected")
    p.add_argument("output", help="model file to write")
    p.add_argument(
        "--to",
        choices=sorted(FORMATS),
        help="format to write (default: from OUTPUT's extension, .npz or .txt, "
        "else the other format than INPUT's)",
    )
    p.add_argument(
        "--output-activation",
        "--output",
        dest="output_activation",
        choices=["softmax", "sigmoid"],
        default="softmax",
        help="output-layer activation of a text model, which the file does not "
        "record: softmax for models trained with cross-entropy, sigmoid for the "
        "quadratic loss (default: %(default)s)",
    )
    p.set_defaults(run=run)


def output_format(path: Path, to: str | None, input_format: str) -> str:
    """The format to write: ``to``, else by extension, else not ``input_format``."""
    if to:
        return to
    for name, extension in FORMATS.items():
        if path.suffix.lower() == extension:
            return name
    return "numeral" if input_format == "text" else "text"


def run(args) -> int:
    from .. import __version__
    from ..modelfile import load_model, save_model
    from ..textmodel import (
        from_network,
        is_text_model,
        read_text_model,
        to_model,
        write_text_model,
    )

    # read, whichever format
    source, target = Path(args.input), Path(args.output)
    input_format = "text" if is_text_model(source) else "numeral"
    if input_format == "text":
        model = to_model(read_text_model(source), args.output_activation)
        model.metadata["source"] = {
            "format": "number_recognition text",
            "file": source.name,
        }
        model.metadata["numeral_version"] = __version__
    else:
        model = load_model(source)

    # write
    fmt = output_format(target, args.to, input_format)
    if fmt == "text":
        write_text_model(target, from_network(model.network))
    else:
        save_model(target, model)

    sizes = "-".join(str(n) for n in model.network.sizes)
    print(f"converted {source} ({input_format}, {sizes}) to {target} ({fmt})")
    output = model.network.output_activation.name
    if fmt == "text" and output != "softmax":
        print(
            f"note: the text format does not record the {output} output; read it "
            f"back with --output-activation {output}"
        )
    return 0
