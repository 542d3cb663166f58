"""A one-file HTML report of a trained model.

The report holds the model's architecture, its training configuration and
history, and its confusion matrix, per-class scores, most confident errors and
first-layer weights measured on the test set. Figures are embedded as base64
PNG images and the style sheet is inline, so the file needs nothing else: it
can be mailed, archived or opened offline in any browser.

Importing this module imports matplotlib (through :mod:`numeral.plots`).
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from . import __version__, metrics
from .atomicfile import atomic_write
from .datasets import Dataset
from .figures import describe_model, model_figure
from .modelfile import Model
from .plots import class_scores

__all__ = ["build_report", "write_report"]

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1080px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #e4e4e4; }
th { text-align: left; background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
footer { margin-top: 3em; color: #777; font-size: 0.85em; }
"""


def _text(value) -> str:
    """``value`` as escaped HTML text; ``None`` becomes a dash."""
    return "–" if value is None else html.escape(str(value))


def _setting(value) -> str:
    """A configuration value as a person would type it: ``64, 32``, ``yes``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "–" if value is None else str(value)


def _percent(x) -> str:
    return "–" if x is None else f"{100 * x:.2f}%"


def _number(x, digits: int = 4) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _table(header: Sequence[str], rows: Iterable[Sequence], numeric=()) -> str:
    """An HTML table; the columns whose indices are in ``numeric`` align right."""
    head = "".join(f"<th>{_text(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_text(v)}</td>'
            if i in numeric
            else f"<td>{_text(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _image(fig: Figure, alt: str, caption: str) -> str:
    """``fig`` as a ``<figure>`` holding a base64 PNG of its exact pixel size."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi="figure")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    width, height = (round(x) for x in fig.get_size_inches() * fig.dpi)
    return (
        f'<figure><img src="data:image/png;base64,{data}" width="{width}" '
        f'height="{height}" alt="{_text(alt)}">'
        f"<figcaption>{_text(caption)}</figcaption></figure>"
    )


def _architecture(model: Model) -> str:
    """The layers: units, activation and parameter count of each."""
    network = model.network
    shape = model.image_shape
    pixels = f" ({shape[0]}×{shape[1]} image)" if shape else ""
    rows = [("input", f"{network.sizes[0]}{pixels}", "", "")]
    for layer, (W, b) in enumerate(zip(network.W, network.b), start=1):
        name = "output" if layer == len(network.W) else f"hidden {layer}"
        activation = network.activation(layer - 1).to_dict()
        text = activation.pop("name")
        if activation:
            text += " (" + ", ".join(f"{k} {v}" for k, v in activation.items()) + ")"
        rows.append((name, W.shape[0], text, f"{W.size + b.size:,}"))
    rows.append(("total", "", "", f"{network.n_parameters:,}"))
    return (
        _table(["layer", "units", "activation", "parameters"], rows, numeric={3})
        + f"<p>Loss: {_text(model.loss)}; weights stored as "
        f"{_text(network.dtype.name)}.</p>"
    )


def _configuration(model: Model) -> str:
    """The training configuration and how the run ended."""
    config = model.metadata.get("config")
    if not config:
        return "<p>This model file does not record how it was trained.</p>"
    rows = [(key, _setting(value)) for key, value in sorted(config.items())]
    metrics = model.metadata.get("metrics") or {}
    for key in ("epochs", "stop_reason", "seconds"):
        if key in metrics:
            rows.append((f"result: {key.replace('_', ' ')}", metrics[key]))
    return _table(["setting", "value"], rows)


def _history(model: Model) -> str:
    """The history figure and the figures of each epoch."""
    history = model.metadata.get("history")
    if not history:
        return "<p>This model file holds no training history.</p>"
    figure = _image(
        model_figure("history", model),
        "loss and accuracy per epoch",
        "Loss and accuracy after each epoch. The training loss is averaged over "
        "the epoch's mini-batches while the weights were still changing.",
    )
    rows = [
        (
            r.get("epoch"),
            _number(r.get("train_loss")),
            _number(r.get("val_loss")),
            _percent(r.get("val_accuracy")),
            _number(r.get("test_loss")),
            _percent(r.get("test_accuracy")),
            r.get("learning_rate"),
            _number(r.get("seconds"), 2),
        )
        for r in history
    ]
    header = [
        "epoch",
        "train loss",
        "val loss",
        "val accuracy",
        "test loss",
        "test accuracy",
        "learning rate",
        "seconds",
    ]
    return figure + _table(header, rows, numeric=set(range(len(header))))


def _test_set(model: Model, dataset: Dataset) -> tuple[str, float]:
    """Confusion matrix and per-class scores on the test set, and the accuracy."""
    predicted = model.network.predict(dataset.test_images)  # (n,)
    labels = dataset.test_labels
    accuracy = metrics.accuracy(predicted, labels)
    confusion = metrics.confusion_matrix(predicted, labels, model.network.sizes[-1])
    class_accuracy, precision, recall = class_scores(confusion)

    parts = [
        f"<p>{len(labels):,} test images of {_text(dataset.name)}: "
        f"accuracy {_percent(accuracy)}.</p>",
        _image(
            model_figure("confusion", model, dataset),
            "confusion matrix",
            "Rows are the true classes, columns the classes the network chose; "
            "the diagonal holds the correct answers.",
        ),
        _table(
            ["class", "images", "accuracy (one vs rest)", "precision", "recall"],
            [
                (name, f"{confusion[k].sum():,}", *map(_percent, scores))
                for k, (name, *scores) in enumerate(
                    zip(model.class_names, class_accuracy, precision, recall)
                )
            ],
            numeric={1, 2, 3, 4},
        ),
        _image(
            model_figure("classes", model, dataset),
            "per-class accuracy, precision and recall",
            "Precision: of the images read as this class, the share that are. "
            "Recall: of the images of this class, the share read as it.",
        ),
    ]
    return "".join(parts), accuracy


def build_report(model: Model, dataset: Dataset, title: str = "numeral model") -> str:
    """The HTML text of a report on ``model``, measured on ``dataset``'s test set.

    Parameters
    ----------
    model
        A model whose inputs and outputs fit ``dataset``.
    dataset
        Its test set is used for the confusion matrix, scores and errors.
    title
        The page's title, usually the model file's name.
    """
    test_set, accuracy = _test_set(model, dataset)
    sections = [
        ("architecture", "Architecture", _architecture(model)),
        ("configuration", "Training configuration", _configuration(model)),
        ("history", "Training history", _history(model)),
        ("test-set", "Test set", test_set),
        (
            "errors",
            "Errors",
            _image(
                model_figure("errors", model, dataset),
                "most confidently misclassified test images",
                "The test images the network got wrong while most sure of its "
                "answer, with the true class, the class it read and the "
                "probability it gave that class.",
            ),
        ),
        (
            "weights",
            "First-layer weights",
            _image(
                model_figure("weights", model, dataset),
                "incoming weights of the first layer's units",
                "Each square shows the weights from every pixel into one unit, "
                "scaled by the unit's largest weight: red pixels raise the unit's "
                "input when inked, blue ones lower it.",
            ),
        ),
    ]
    body = "".join(
        f'<section id="{key}"><h2>{heading}</h2>{content}</section>'
        for key, heading, content in sections
    )
    contents = "".join(
        f'<li><a href="#{key}">{heading}</a></li>' for key, heading, _ in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_text(title)}</h1>"
        f"<p>{_text(describe_model(model))}, "
        f"{model.network.n_parameters:,} parameters; "
        f"test accuracy {_percent(accuracy)}.</p>"
        f"<nav><ul>{contents}</ul></nav></header>"
        f"<main>{body}</main>"
        f"<footer>Made by numeral {_text(__version__)}.</footer>"
        "</body></html>\n"
    )


def write_report(path: str | os.PathLike, text: str) -> Path:
    """Write the report ``text`` to ``path`` as UTF-8; return the path."""
    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
