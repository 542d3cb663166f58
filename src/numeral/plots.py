"""Drawing: how a network learned, what it looks for, where it fails.

Each ``*_figure`` function takes plain arrays and returns a
:class:`matplotlib.figure.Figure` built without pyplot, so drawing needs no display,
renders with Agg (or the SVG and PDF back ends) and leaves no global state behind.
:func:`save_figure` writes a figure as PNG, SVG or PDF according to the file's
extension. :mod:`numeral.figures` measures a model and calls these functions.

Sizes are in pixels, ``(width, height)``; a figure is ``width / dpi`` inches wide,
and a PNG saved from it is exactly ``width`` pixels wide.

Importing this module imports matplotlib. The command line imports it only in
the commands that draw.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .atomicfile import atomic_write
from .errors import ConfigError
from .metrics import precision_recall

__all__ = [
    "DPI",
    "FORMATS",
    "check_format",
    "class_scores",
    "classes_figure",
    "confusion_figure",
    "errors_figure",
    "history_figure",
    "samples_figure",
    "save_figure",
    "tile",
    "weights_figure",
]

FORMATS = (".png", ".svg", ".pdf")
DPI = 100
MIN_DPI = 10  # below this, text is under one pixel and the font engine refuses it
# larger figures would take gigabytes to render: refused before drawing starts
MAX_SIDE = 20_000
MAX_PIXELS = 40_000_000

# digits as ink on paper; weights red where ink excites the unit, blue where it inhibits
DIGIT_CMAP = "gray_r"
WEIGHT_CMAP = "RdBu_r"


def _figure(size: tuple[int, int] | None, default: tuple[float, float], dpi: int):
    """A new figure of ``size`` pixels, or ``default`` inches when ``size`` is None."""
    if dpi < MIN_DPI:
        raise ConfigError(f"dpi must be at least {MIN_DPI}, got {dpi}")
    if size is None:
        inches = default
        width, height = round(inches[0] * dpi), round(inches[1] * dpi)
    else:
        width, height = size
        if width < 1 or height < 1:
            raise ConfigError(f"figure size must be positive, got {width}x{height}")
        inches = (width / dpi, height / dpi)
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ConfigError(
            f"a figure of {width}x{height} pixels is too large to draw (at most "
            f"{MAX_SIDE:,} pixels a side and {MAX_PIXELS:,} in all); ask for a "
            "smaller size, dpi or count"
        )
    return Figure(figsize=inches, dpi=dpi, layout="constrained")


def _column(history: Sequence[Mapping], key: str) -> np.ndarray:
    """One figure per epoch as floats, NaN where it was not measured."""
    values = [record.get(key) for record in history]
    return np.array([np.nan if v is None else float(v) for v in values])


def tile(
    images: np.ndarray, columns: int, pad: int = 1, fill: float = np.nan
) -> np.ndarray:
    """Lay images side by side in a grid, row by row.

    Parameters
    ----------
    images
        Shape ``(n, height, width)``.
    columns
        Images per row of the grid.
    pad
        Pixels of ``fill`` between neighbouring images.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows * (height + pad) - pad, columns * (width + pad) - pad)`` with
        ``rows = ceil(n / columns)``; cells without an image hold ``fill``.
    """
    n, height, width = images.shape
    rows = max(1, math.ceil(n / columns))
    grid = np.full(
        (rows * (height + pad) - pad, columns * (width + pad) - pad), fill, float
    )
    for i, image in enumerate(images):
        top = (i // columns) * (height + pad)
        left = (i % columns) * (width + pad)
        grid[top : top + height, left : left + width] = image
    return grid


def history_figure(
    history: Sequence[Mapping],
    title: str | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """Loss and accuracy per epoch for the training, validation and test sets.

    Parameters
    ----------
    history
        One mapping per epoch with ``epoch``, ``train_loss``, ``val_loss``,
        ``val_accuracy``, ``test_loss``, ``test_accuracy`` and ``learning_rate``,
        as training stores them in a model file; missing figures are skipped.

    Notes
    -----
    The training loss is the mean over the epoch's mini-batches while the weights
    were still changing, so it trails the validation and test losses, which are
    measured once at the end of the epoch. Training accuracy is not recorded.
    """
    if not history:
        raise ConfigError("no training history to plot")
    fig = _figure(size, (10, 4), dpi)
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = _column(history, "epoch")

    # loss of each set
    for key, label in (
        ("train_loss", "training"),
        ("val_loss", "validation"),
        ("test_loss", "test"),
    ):
        values = _column(history, key)
        if np.isfinite(values).any():
            loss_ax.plot(epochs, values, marker="o", markersize=3, label=label)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")

    # learning rate, when it changed during training
    rates = _column(history, "learning_rate")
    if np.isfinite(rates).any() and np.nanmax(rates) != np.nanmin(rates):
        rate_ax = loss_ax.twinx()
        rate_ax.step(epochs, rates, where="post", color="0.6", linestyle="--")
        rate_ax.set_ylabel("learning rate", color="0.4")
    elif np.isfinite(rates).any():
        loss_ax.set_title(f"loss (learning rate {np.nanmax(rates):g})")

    # accuracy of each set
    for key, label, color in (
        ("val_accuracy", "validation", "C1"),
        ("test_accuracy", "test", "C2"),
    ):
        values = _column(history, key)
        if np.isfinite(values).any():
            acc_ax.plot(epochs, values, marker="o", markersize=3, label=label, c=color)
    acc_ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy")

    for ax in (loss_ax, acc_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def confusion_figure(
    confusion: np.ndarray,
    class_names: Sequence[str],
    normalize: bool = False,
    title: str | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """The confusion matrix as a heat map with the count in each cell.

    Parameters
    ----------
    confusion
        Counts of shape ``(n_classes, n_classes)``: rows true class, columns
        predicted class.
    normalize
        Show each row as fractions of its true class (so the diagonal is the
        recall) instead of counts.
    """
    confusion = np.asarray(confusion)
    n = len(class_names)
    if confusion.shape != (n, n):
        raise ConfigError(
            f"confusion matrix has shape {confusion.shape}, expected ({n}, {n}) "
            "for the class names given"
        )
    side = max(4.0, 0.55 * n + 1.5)
    fig = _figure(size, (side + 0.8, side), dpi)
    ax = fig.subplots()

    # values and colours
    if normalize:
        totals = confusion.sum(axis=1, keepdims=True)
        values = np.divide(
            confusion, totals, out=np.zeros(confusion.shape), where=totals > 0
        )
        labels = [[f"{100 * v:.1f}" for v in row] for row in values]
        vmax = 1.0
    else:
        values = confusion
        labels = [[str(int(v)) for v in row] for row in values]
        vmax = max(1, int(values.max()))
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=vmax)
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    if normalize:
        colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))

    # one label per cell, dark on light cells and light on dark ones
    fontsize = max(5, min(9, 90 // n))
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                labels[i][j],
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if values[i, j] > 0.5 * vmax else "black",
            )

    ax.set_xticks(range(n), class_names)
    ax.set_yticks(range(n), class_names)
    ax.set(xlabel="predicted class", ylabel="true class")
    default = "confusion matrix, % of each true class" if normalize else None
    ax.set_title(title or default or "confusion matrix")
    return fig


def errors_figure(
    images: np.ndarray,
    image_shape: tuple[int, int],
    true: np.ndarray,
    predicted: np.ndarray,
    confidence: np.ndarray,
    class_names: Sequence[str],
    columns: int = 8,
    title: str | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """A grid of misclassified images, each titled with its true and predicted class.

    Parameters
    ----------
    images
        Rows of pixels, shape ``(n, height * width)``.
    true, predicted, confidence
        Shape ``(n,)`` each: the true class, the class the model chose, and the
        probability it gave that class.
    """
    n = len(images)
    columns = max(1, min(columns, n))
    rows = max(1, math.ceil(n / columns))
    fig = _figure(size, (1.25 * columns + 0.2, 1.5 * rows + 0.5), dpi)
    fig.suptitle(title or "most confidently misclassified test images")
    if n == 0:
        fig.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return fig

    axes = fig.subplots(rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(
            images[i].reshape(image_shape), cmap=DIGIT_CMAP, vmin=0, vmax=1
        )  # (height, width)
        ax.set_title(
            f"true {class_names[true[i]]}\n"
            f"read {class_names[predicted[i]]} ({100 * confidence[i]:.1f}%)",
            fontsize=9,
        )
    return fig


def weights_figure(
    W: np.ndarray,
    image_shape: tuple[int, int],
    title: str | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """The incoming weights of each unit of a layer, drawn as images.

    Parameters
    ----------
    W
        Shape ``(n_units, height * width)``: row ``j`` holds the weights from every
        pixel into unit ``j``.

    Notes
    -----
    Each unit is scaled by its own largest absolute weight, so its pattern shows
    whatever its overall size; red pixels raise the unit's input when inked, blue
    ones lower it, white ones do not matter.
    """
    n_units, n_in = W.shape
    if n_in != image_shape[0] * image_shape[1]:
        raise ConfigError(
            f"cannot draw weights from {n_in} inputs as images of "
            f"{image_shape[0]}x{image_shape[1]} pixels"
        )
    columns = max(1, math.ceil(math.sqrt(n_units)))
    rows = max(1, math.ceil(n_units / columns))

    # scale each unit into [-1, 1] and lay the units out in a grid
    scale = np.abs(W).max(axis=1, keepdims=True)  # (n_units, 1)
    scaled = np.divide(W, scale, out=np.zeros(W.shape), where=scale > 0)
    grid = tile(scaled.reshape(n_units, *image_shape), columns)

    width = min(10.0, max(4.0, 0.6 * columns))
    fig = _figure(size, (width, width * rows / columns + 0.5), dpi)
    ax = fig.subplots()
    cmap = matplotlib.colormaps[WEIGHT_CMAP].with_extremes(bad="white")
    ax.imshow(grid, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title or f"incoming weights of {n_units} units")
    return fig


def class_scores(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class accuracy, precision and recall from a confusion matrix.

    Returns three arrays of shape ``(n_classes,)``. A class's accuracy is that of
    the one-against-the-rest decision "is it this class or not?": the fraction of
    all samples that are correctly put inside or outside it.
    """
    confusion = np.asarray(confusion)
    total = confusion.sum()
    hits = np.diag(confusion)
    false_positives = confusion.sum(axis=0) - hits
    false_negatives = confusion.sum(axis=1) - hits
    wrong = false_positives + false_negatives
    accuracy = 1 - wrong / total if total else np.zeros(len(hits))
    precision, recall = precision_recall(confusion)
    return accuracy, precision, recall


def classes_figure(
    confusion: np.ndarray,
    class_names: Sequence[str],
    title: str | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """Bars of per-class accuracy, precision and recall (see :func:`class_scores`)."""
    scores = class_scores(confusion)
    n = len(class_names)
    fig = _figure(size, (max(6.0, 0.8 * n + 1.5), 4), dpi)
    ax = fig.subplots()
    x = np.arange(n)
    width = 0.27
    for k, (values, label) in enumerate(
        zip(scores, ("accuracy (one vs rest)", "precision", "recall"))
    ):
        ax.bar(x + (k - 1) * width, values, width, label=label)

    # the scores crowd near 100%: start the axis just below the weakest, and say so
    low = float(min(s.min() for s in scores))
    bottom = max(0.0, math.floor(20 * low) / 20 - 0.05)
    ax.set_ylim(bottom, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ylabel = f"score (axis starts at {100 * bottom:.0f}%)" if bottom > 0 else "score"
    ax.set_xticks(x, class_names)
    ax.set(xlabel="class", ylabel=ylabel, title=title or "per-class scores")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


def samples_figure(
    images: np.ndarray,
    labels: np.ndarray,
    image_shape: tuple[int, int],
    class_names: Sequence[str],
    per_class: int = 10,
    title: str | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """One row per class holding its first ``per_class`` images.

    Parameters
    ----------
    images
        Rows of pixels, shape ``(n, height * width)``, values in [0, 1].
    labels
        Shape ``(n,)``.
    """
    n_classes = len(class_names)
    height, width = image_shape
    rows = np.full((n_classes, per_class, height, width), np.nan)
    for k in range(n_classes):
        chosen = np.flatnonzero(labels == k)[:per_class]
        rows[k, : len(chosen)] = images[chosen].reshape(-1, height, width)
    grid = tile(rows.reshape(-1, height, width), per_class, pad=2)

    fig = _figure(size, (0.55 * per_class + 1.0, 0.55 * n_classes + 0.6), dpi)
    ax = fig.subplots()
    cmap = matplotlib.colormaps[DIGIT_CMAP].with_extremes(bad="white")
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks((height + 2) * np.arange(n_classes) + height / 2, class_names)
    ax.set_xticks([])
    ax.tick_params(left=False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title or "training images by class")
    return fig


def check_format(path: str | os.PathLike) -> Path:
    """Return ``path`` if its extension names a format :func:`save_figure` writes."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(
            f"{path}: cannot tell the image format from {suffix or 'no extension'!r}; "
            "end the file name with .png, .svg or .pdf"
        )
    return path


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` in the format its extension names; return the path.

    PNG, SVG and PDF are supported. The file's pixel size is the figure's
    (no cropping), and SVG and PDF files carry no date and no random ids, so
    drawing the same data again gives the same file, byte for byte.
    """
    path = check_format(path)
    suffix = path.suffix.lower()
    metadata = {".png": {}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}
    with (
        matplotlib.rc_context({"svg.hashsalt": "numeral"}),
        atomic_write(path) as f,
    ):
        fig.savefig(f, format=suffix[1:], dpi="figure", metadata=metadata[suffix])
    return path
