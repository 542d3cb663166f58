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


def figure(protocol: str, metric: str, unit: str, runs, **keys) -> dict:
    return {"protocol": protocol, "metric": metric, "unit": unit, **keys} | (
        summarize(runs)
    )


def ratio(protocol: str, metric: str, numerator, denominator, num, den, **keys):
    header = {"protocol": protocol, "metric": metric, "numerator": numerator}
    return {**header, "denominator": denominator, **keys} | summarize(
        paired_ratios(num, den)
    )


def _training(name: str, measured: dict, threads: int) -> tuple[list, list]:
    """Protocols 1 and 2: process seconds, epochs, seconds per epoch."""
    figures, ratios, per_epoch, process = [], [], {}, {}
    for key, runs in measured.items():
        if key[0] != name:
            continue
        framework = key[1]
        # seconds per epoch: the training loop's time (each epoch's pass and
        # test evaluation) over the epochs it took
        per_epoch[framework] = [r["train_seconds"] / r["epochs"] for r in runs]
        process[framework] = [r["process_seconds"] for r in runs]
        keys = {"framework": framework, "threads": threads}
        figures += [
            figure(name, "process_seconds", "s", process[framework], **keys),
            figure(name, "epochs", "", [r["epochs"] for r in runs], **keys),
            figure(name, "seconds_per_epoch", "s", per_epoch[framework], **keys),
            figure(
                name,
                "test_accuracy",
                "",
                [r["test_accuracy"][-1] for r in runs],
                **keys,
            ),
        ]
    for peer in per_epoch.keys() - {"numeral"}:
        for metric, times in (
            ("seconds_per_epoch", per_epoch),
            ("process_seconds", process),
        ):
            ratios.append(
                ratio(
                    name,
                    metric,
                    "numeral",
                    peer,
                    times["numeral"],
                    times[peer],
                    threads=threads,
                )
            )
    return figures, ratios


def _throughput(measured: dict, settings: BenchSettings) -> tuple[list, list]:
    """Protocol 3: samples/s, GFLOP/s and their share of the matmul rate."""
    figures, ratios = [], []
    rates = {}  # (framework, threads, hidden, batch) -> samples/s per repetition
    for threads in settings.thread_counts:
        matmul = [
            r["flops"] / r["seconds"] / 1e9 for r in measured[("matmul", threads)]
        ]
        figures.append(
            figure("throughput", "matmul_gflops", "GFLOP/s", matmul, threads=threads)
        )
        for key, runs in measured.items():
            if key[0] != "throughput" or key[2] != threads:
                continue
            framework = key[1]
            samples, images = runs[0]["samples"], runs[0]["images"]
            for i, config in enumerate(runs[0]["configs"]):
                h, b = config["hidden"], config["batch"]
                rate = [samples / r["configs"][i]["epoch_seconds"] for r in runs]
                gflops = [s * training_flops([N_IN, h, N_OUT]) / 1e9 for s in rate]
                keys = {
                    "framework": framework,
                    "threads": threads,
                    "hidden": h,
                    "batch": b,
                }
                figures.append(
                    figure("throughput", "samples_per_second", "1/s", rate, **keys)
                )
                figures.append(
                    figure("throughput", "gflops", "GFLOP/s", gflops, **keys)
                )
                rates[(framework, threads, h, b)] = rate
                if framework == "numeral":
                    ratios.append(
                        ratio(
                            "throughput",
                            "gflops",
                            "numeral",
                            "matmul",
                            gflops,
                            matmul,
                            threads=threads,
                            hidden=h,
                            batch=b,
                        )
                    )
            for h in settings.sizes["widths"]:
                # prediction does not depend on the batch size trained with
                per_run = [
                    np.median(
                        [c["predict_seconds"] for c in r["configs"] if c["hidden"] == h]
                    )
                    for r in runs
                ]
                keys = {"framework": framework, "threads": threads, "hidden": h}
                figures.append(
                    figure(
                        "inference",
                        "images_per_second",
                        "1/s",
                        [images / s for s in per_run],
                        **keys,
                    )
                )

    for (framework, threads, h, b), rate in rates.items():
        keys = {"threads": threads, "hidden": h, "batch": b}
        ours = rates.get(("numeral", threads, h, b))
        if framework != "numeral" and ours:
            # numeral's time ÷ the peer's = the peer's rate ÷ numeral's
            ratios.append(
                ratio("throughput", "seconds", "numeral", framework, rate, ours, **keys)
            )
        single = rates.get((framework, 1, h, b))
        if threads > 1 and single:
            ratios.append(
                ratio(
                    "throughput",
                    "thread_speedup",
                    framework,
                    "1 thread",
                    rate,
                    single,
                    **keys,
                )
            )
    return figures, ratios


def _cold_start(measured: dict, threads: int) -> list:
    """Protocol 4: command start-up and data loading, in seconds."""
    figures = []
    for what in ("help", "predict", "load"):
        runs = measured.get(("cold_start", what))
        if runs:
            figures.append(
                figure(
                    "cold_start",
                    what,
                    "s",
                    [r["seconds"] for r in runs],
                    threads=threads,
                )
            )
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


def check_targets(figures: list, ratios: list, settings: BenchSettings) -> list[dict]:
    """Each speed target with its measured median and whether it was met.

    A target whose figure was not measured (a peer not installed, a protocol
    not run, or quick mode's sizes) has ``value`` None and ``met`` None.
    """
    t = settings.threads
    checks = []
    for name in ("original", "recipe"):
        for peer, limit in (("scikit-learn", 0.9), ("pytorch", 0.6)):
            row = find(
                ratios, protocol=name, metric="seconds_per_epoch", denominator=peer
            )
            checks.append((f"{name}: s/epoch ÷ {peer}", "<=", limit, row))
    row = find(
        ratios,
        protocol="throughput",
        metric="gflops",
        threads=t,
        hidden=1024,
        batch=128,
    )
    checks.append(
        ("training GFLOP/s ÷ matmul GFLOP/s, width 1024, batch 128", ">=", 0.75, row)
    )
    for what, limit in (("predict", 0.5), ("help", 0.3), ("load", 0.5)):
        row = find(figures, protocol="cold_start", metric=what)
        checks.append((f"cold start: {what} seconds", "<", limit, row))

    targets = []
    for label, relation, limit, row in checks:
        value = None if row is None else row["median"]
        met = None
        if value is not None:
            met = (
                value <= limit
                if relation == "<="
                else value >= limit
                if relation == ">="
                else value < limit
            )
        targets.append(
            {
                "target": label,
                "relation": relation,
                "limit": limit,
                "value": value,
                "met": met,
            }
        )
    return targets
