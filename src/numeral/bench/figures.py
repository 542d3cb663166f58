"""From the repetitions' raw measurements to figures, ratios and targets.

A *figure* is one measured quantity summarized over the repetitions::

    {"protocol", "metric", "unit", "framework", "threads", "hidden", "batch",
     "median", "min", "max", "runs"}

(only the keys that apply). A *ratio* compares two quantities measured in the
same repetition, repetition by repetition::

    {"protocol", "metric", "numerator", "denominator", ..., "median", "min", ...}

Time ratios are ``numeral ÷ peer``: below 1 means numeral is faster.
"""

from __future__ import annotations

import numpy as np

from .frameworks import training_flops
from .settings import BenchSettings
from .stats import paired_ratios, summarize

__all__ = ["assemble", "check_targets"]

N_IN, N_OUT = 784, 10


def figure(runs, **keys) -> dict:
    """``keys`` (protocol, metric, unit, ...) and the summary of ``runs``."""
    return {**keys, **summarize(runs)}


def ratio(numerators, denominators, **keys) -> dict:
    """``keys`` and the summary of the per-repetition ratios."""
    return {**keys, **summarize(paired_ratios(numerators, denominators))}


def _training(name: str, measured: dict, threads: int) -> tuple[list, list]:
    """Protocols 1 and 2: process seconds, epochs, seconds per epoch."""
    figures, ratios, per_epoch, process = [], [], {}, {}
    for key, runs in measured.items():
        if key[0] != name:
            continue
        framework = key[1]
        at = {"protocol": name, "framework": framework, "threads": threads}

        # seconds per epoch: the training loop's time (each epoch's pass and
        # test evaluation) over the epochs it took
        per_epoch[framework] = [r["train_seconds"] / r["epochs"] for r in runs]
        process[framework] = [r["process_seconds"] for r in runs]
        epochs = [r["epochs"] for r in runs]
        accuracy = [r["test_accuracy"][-1] for r in runs]
        figures += [
            figure(process[framework], metric="process_seconds", unit="s", **at),
            figure(epochs, metric="epochs", unit="", **at),
            figure(per_epoch[framework], metric="seconds_per_epoch", unit="s", **at),
            figure(accuracy, metric="test_accuracy", unit="", **at),
        ]

    for peer in sorted(per_epoch.keys() - {"numeral"}):
        at = {"protocol": name, "numerator": "numeral", "denominator": peer}
        for metric, times in (
            ("seconds_per_epoch", per_epoch),
            ("process_seconds", process),
        ):
            ratios.append(
                ratio(
                    times["numeral"], times[peer], metric=metric, threads=threads, **at
                )
            )
    return figures, ratios


def _throughput(measured: dict, settings: BenchSettings) -> tuple[list, list]:
    """Protocol 3: samples/s, GFLOP/s and their share of the matmul rate."""
    figures, ratios = [], []
    rates = {}  # (framework, threads, hidden, batch) -> samples/s per repetition
    for threads in settings.thread_counts:
        products = measured[("matmul", threads)]
        matmul = [r["flops"] / r["seconds"] / 1e9 for r in products]
        figures.append(
            figure(
                matmul,
                protocol="throughput",
                metric="matmul_gflops",
                unit="GFLOP/s",
                threads=threads,
            )
        )
        for key, runs in measured.items():
            if key[0] != "throughput" or key[2] != threads:
                continue
            framework = key[1]
            samples, images = runs[0]["samples"], runs[0]["images"]

            # training: samples per second and the GFLOP/s of their products
            for i, config in enumerate(runs[0]["configs"]):
                h, b = config["hidden"], config["batch"]
                rate = [samples / r["configs"][i]["epoch_seconds"] for r in runs]
                gflops = [s * training_flops([N_IN, h, N_OUT]) / 1e9 for s in rate]
                rates[(framework, threads, h, b)] = rate
                at = {
                    "protocol": "throughput",
                    "threads": threads,
                    "hidden": h,
                    "batch": b,
                }
                figures += [
                    figure(
                        rate,
                        metric="samples_per_second",
                        unit="1/s",
                        framework=framework,
                        **at,
                    ),
                    figure(
                        gflops,
                        metric="gflops",
                        unit="GFLOP/s",
                        framework=framework,
                        **at,
                    ),
                ]
                if framework == "numeral":
                    ratios.append(
                        ratio(
                            gflops,
                            matmul,
                            metric="gflops",
                            numerator="numeral",
                            denominator="matmul",
                            **at,
                        )
                    )

            # inference, which does not depend on the batch size trained with:
            # the median over the batch sizes of each repetition
            for h in settings.sizes["widths"]:
                seconds = [
                    np.median(
                        [c["predict_seconds"] for c in r["configs"] if c["hidden"] == h]
                    )
                    for r in runs
                ]
                figures.append(
                    figure(
                        [images / s for s in seconds],
                        protocol="inference",
                        metric="images_per_second",
                        unit="1/s",
                        framework=framework,
                        threads=threads,
                        hidden=h,
                    )
                )

    # numeral's time ÷ each peer's (the peer's rate ÷ numeral's), and each
    # framework's speed-up from one thread
    for (framework, threads, h, b), rate in rates.items():
        at = {"protocol": "throughput", "threads": threads, "hidden": h, "batch": b}
        ours = rates.get(("numeral", threads, h, b))
        if framework != "numeral" and ours:
            ratios.append(
                ratio(
                    rate,
                    ours,
                    metric="seconds",
                    numerator="numeral",
                    denominator=framework,
                    **at,
                )
            )
        single = rates.get((framework, 1, h, b))
        if threads > 1 and single:
            ratios.append(
                ratio(
                    rate,
                    single,
                    metric="thread_speedup",
                    numerator=framework,
                    denominator="1 thread",
                    **at,
                )
            )
    return figures, ratios


def _cold_start(measured: dict, threads: int) -> list:
    """Protocol 4: command start-up and data loading, in seconds."""
    figures = []
    for what in ("help", "predict", "load"):
        runs = measured.get(("cold_start", what))
        if runs:
            seconds = [r["seconds"] for r in runs]
            at = {"protocol": "cold_start", "threads": threads}
            figures.append(figure(seconds, metric=what, unit="s", **at))
    return figures


def assemble(measured: dict, settings: BenchSettings) -> tuple[list, list]:
    """Figures and ratios from ``measured``: job key -> list of job results."""
    figures, ratios = [], []
    for name, number in (("original", 1), ("recipe", 2)):
        if number in settings.protocols:
            f, r = _training(name, measured, settings.threads)
            figures += f
            ratios += r
    if 3 in settings.protocols:
        f, r = _throughput(measured, settings)
        figures += f
        ratios += r
    if 4 in settings.protocols:
        figures += _cold_start(measured, settings.threads)
    return figures, ratios


def find(rows: list[dict], **keys) -> dict | None:
    """The first row whose entries match ``keys``, or None."""
    for row in rows:
        if all(row.get(k) == v for k, v in keys.items()):
            return row
    return None


RELATIONS = {
    "<=": lambda value, limit: value <= limit,
    ">=": lambda value, limit: value >= limit,
    "<": lambda value, limit: value < limit,
}


def check_targets(figures: list, ratios: list, settings: BenchSettings) -> list[dict]:
    """Each speed target with its measured median and whether it was met.

    A target whose figure was not measured (a peer not installed, a protocol
    not run, or quick mode's sizes) has ``value`` None and ``met`` None.
    """
    checks = []
    for name in ("original", "recipe"):
        for peer, limit in (("scikit-learn", 0.9), ("pytorch", 0.6)):
            at = {"protocol": name, "denominator": peer}
            row = find(ratios, metric="seconds_per_epoch", **at)
            checks.append((f"{name}: s/epoch ÷ {peer}", "<=", limit, row))
    at = {"protocol": "throughput", "threads": settings.threads}
    row = find(ratios, metric="gflops", hidden=1024, batch=128, **at)
    label = "training GFLOP/s ÷ matmul GFLOP/s, width 1024, batch 128"
    checks.append((label, ">=", 0.75, row))
    for what, limit in (("predict", 0.5), ("help", 0.3), ("load", 0.5)):
        row = find(figures, protocol="cold_start", metric=what)
        checks.append((f"cold start: {what} seconds", "<", limit, row))

    targets = []
    for label, relation, limit, row in checks:
        value = None if row is None else row["median"]
        met = None if value is None else RELATIONS[relation](value, limit)
        targets.append(
            {"target": label, "relation": relation, "limit": limit}
            | {"value": value, "met": met}
        )
    return targets
