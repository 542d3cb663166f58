"""Summaries of repeated measurements: median, minimum and maximum."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["paired_ratios", "summarize"]


def summarize(runs: Sequence[float]) -> dict:
    """``{"median", "min", "max", "runs"}`` of the measured values ``runs``."""
    values = [float(v) for v in runs]
    if not values:
        raise ValueError("no measurements to summarize")
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": values,
    }


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]):
    """``numerators[r] / denominators[r]`` for each repetition ``r``.

    Both were measured in the same repetition, one right after the other, so
    whatever slowed the machine then slowed both; the ratio cancels it.
    """
    if len(numerators) != len(denominators):
        raise ValueError(
            f"{len(numerators)} numerators but {len(denominators)} denominators"
        )
    return [n / d for n, d in zip(numerators, denominators)]
