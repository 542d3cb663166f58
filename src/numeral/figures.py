"""Figures of a trained model, measured on its data set and drawn by :mod:`.plots`.

:func:`model_figure` is the one entry point: given a kind of figure, a model and
(for most kinds) a data set, it computes what the figure needs (test-set
predictions, the confusion matrix, the most confident errors) and draws it.

Importing this module imports matplotlib.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from .datasets import Dataset
from .errors import ConfigError
from .metrics import confusion_matrix
from .modelfile import Model
from .plots import (
    DPI,
    classes_figure,
    confusion_figure,
    errors_figure,
    history_figure,
    samples_figure,
    weights_figure,
)

__all__ = [
    "FIGURES",
    "MAX_COUNT",
    "describe_model",
    "model_figure",
    "most_confident_errors",
]

# each kind of figure, and whether it needs a data set
FIGURES = {
    "history": False,
    "confusion": True,
    "errors": True,
    "weights": False,
    "classes": True,
    "samples": True,
}
# the most images --count may ask of the kinds that draw one axes per image or a
# grid of whole rows; beyond these, drawing takes minutes and gigabytes
MAX_COUNT = {"errors": 1000, "samples": 1000}


def most_confident_errors(
    probabilities: np.ndarray, labels: np.ndarray, count: int
) -> np.ndarray:
    """Indices of the misclassified samples the model was surest of.

    Parameters
    ----------
    probabilities
        Shape ``(n, n_classes)``.
    labels
        True classes, shape ``(n,)``.
    count
        At most this many indices are returned.

    Returns
    -------
    numpy.ndarray
        Shape ``(min(count, n_errors),)``, ordered by the probability of the
        predicted class, highest first; ties keep the data set's order.
    """
    predicted = np.argmax(probabilities, axis=1)  # (n,)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    order = np.argsort(-confidence, kind="stable")
    return wrong[order[:count]]


def describe_model(model: Model) -> str:
    """A one-line description such as ``784-64-10 relu/softmax on mnist``."""
    network = model.network
    text = "-".join(str(n) for n in network.sizes)
    text += f" {network.hidden_activation.name}/{network.output_activation.name}"
    if model.dataset:
        text += f" on {model.dataset}"
    return text


def _image_shape(model: Model, dataset: Dataset | None) -> tuple[int, int]:
    """The image shape of the model's inputs, from the model file or the data."""
    shape = model.image_shape or (dataset.image_shape if dataset else None)
    n_in = model.network.sizes[0]
    if shape is None:
        side = math.isqrt(n_in)
        if side * side != n_in:
            raise ConfigError(
                f"the model file does not record its image shape and {n_in} inputs "
                "are not a square image"
            )
        shape = (side, side)
    return tuple(shape)


def _test_predictions(model: Model, dataset: Dataset):
    """Probabilities ``(n, n_classes)``, predictions and confusion on the test set."""
    probabilities = model.predict_proba(dataset.test_images)
    predicted = np.argmax(probabilities, axis=1)  # (n,)
    confusion = confusion_matrix(
        predicted, dataset.test_labels, model.network.sizes[-1]
    )
    return probabilities, predicted, confusion


def model_figure(
    kind: str,
    model: Model,
    dataset: Dataset | None = None,
    normalize: bool = False,
    count: int | None = None,
    size: tuple[int, int] | None = None,
    dpi: int = DPI,
) -> Figure:
    """Draw one kind of figure of ``model``.

    Parameters
    ----------
    kind
        One of :data:`FIGURES`: ``history``, ``confusion``, ``errors``,
        ``weights``, ``classes`` or ``samples``.
    dataset
        The data set to measure the model on; needed by every kind except
        ``history`` and ``weights``.
    normalize
        For ``confusion``: fractions of each true class instead of counts.
    count
        For ``errors``, the number of images (default 24, at most 1,000); for
        ``weights``, the number of units drawn (default all, at most 256); for
        ``samples``, the images per class (default 10, at most 1,000).
    size
        ``(width, height)`` in pixels; each kind has a default that suits it.
    """
    if kind not in FIGURES:
        raise ConfigError(
            f"unknown figure {kind!r}; choose one of: {', '.join(FIGURES)}"
        )
    if FIGURES[kind] and dataset is None:
        raise ConfigError(f"the {kind} figure needs a data set")
    if count is not None and count < 1:
        raise ConfigError(f"count must be at least 1, got {count}")
    if count is not None and count > MAX_COUNT.get(kind, count):
        per = " per class" if kind == "samples" else ""
        raise ConfigError(
            f"the {kind} figure draws at most {MAX_COUNT[kind]:,} images{per}, "
            f"not {count:,}"
        )
    common = {"size": size, "dpi": dpi}
    names = model.class_names

    if kind == "history":
        history = model.metadata.get("history")
        if not history:
            raise ConfigError("the model file holds no training history")
        return history_figure(history, title=describe_model(model), **common)

    if kind == "weights":
        W = model.network.W[0]  # (n_units, n_in)
        units = min(len(W), count or 256)
        layer = "first hidden layer" if len(model.network.W) > 1 else "output layer"
        title = f"incoming weights of the {layer}"
        if units < len(W):
            title += f" ({units} of {len(W)} units)"
        shape = _image_shape(model, dataset)
        return weights_figure(W[:units], shape, title=title, **common)

    if kind == "samples":
        return samples_figure(
            dataset.train_images,
            dataset.train_labels,
            dataset.image_shape,
            list(dataset.class_names),
            per_class=count or 10,
            title=f"training images of {dataset.name}",
            **common,
        )

    probabilities, predicted, confusion = _test_predictions(model, dataset)
    if kind == "confusion":
        return confusion_figure(confusion, names, normalize=normalize, **common)
    if kind == "classes":
        return classes_figure(confusion, names, **common)

    # errors
    chosen = most_confident_errors(probabilities, dataset.test_labels, count or 24)
    n_errors = int(np.sum(predicted != dataset.test_labels))
    return errors_figure(
        dataset.test_images[chosen],
        dataset.image_shape,
        dataset.test_labels[chosen],
        predicted[chosen],
        probabilities[chosen, predicted[chosen]],
        names,
        title=f"the {len(chosen)} most confident of {n_errors:,} errors "
        f"on {len(predicted):,} test images",
        **common,
    )
