"""Classification metrics from predicted and true labels (both shape ``(n,)``)."""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "confusion_matrix", "precision_recall"]


def accuracy(predicted: np.ndarray, true: np.ndarray) -> float:
    """Fraction of labels predicted correctly, in [0, 1]; 0 for no samples."""
    if len(true) == 0:
        return 0.0
    return float(np.mean(np.asarray(predicted) == np.asarray(true)))


def confusion_matrix(
    predicted: np.ndarray, true: np.ndarray, n_classes: int
) -> np.ndarray:
    """Counts of shape ``(n_classes, n_classes)``: rows true, columns predicted."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(true), np.asarray(predicted)), 1)
    return counts


def precision_recall(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class precision and recall from a confusion matrix; 0 where undefined."""
    hits = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros_like(hits), where=actual > 0)
    return precision, recall
