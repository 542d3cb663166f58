"""The benchmark's results as a plain-text table."""

from __future__ import annotations

from .figures import find
from .settings import PEERS, TARGETS

__all__ = ["format_report"]


def _value(x: float, digits: int) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def spread(row: dict | None, digits: int = 2, percent: bool = False) -> str:
    """``median [min, max]``, or the single value of one repetition."""
    if row is None:
        return "-"
    scale, suffix = (100, "%") if percent else (1, "")
    median, low, high = (scale * row[k] for k in ("median", "min", "max"))
    if len(row["runs"]) == 1:
        return _value(median, digits) + suffix
    return (
        f"{_value(median, digits)}{suffix} "
        f"[{_value(low, digits)}, {_value(high, digits)}]"
    )


def _table(header: list[str], rows: list[list[str]], left=(0,)) -> list[str]:
    """Columns padded to their widest cell; those in ``left`` flush left."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _describe(recipe: dict) -> str:
    sizes = "-".join(str(n) for n in [784, *recipe["hidden_sizes"], 10])
    optimizer = recipe["optimizer"]
    if optimizer in ("momentum", "nesterov"):
        optimizer += f" μ={recipe['momentum']}"
    order = "shuffled" if recipe["shuffle"] else "no shuffling"
    return (
        f"{sizes} {recipe['activation']}, {recipe['init']} init, {optimizer} "
        f"η={recipe['learning_rate']}, batch {recipe['batch_size']}, {order}"
    )


def _training(results: dict, name: str, title: str) -> list[str]:
    figures, ratios = results["figures"], results["ratios"]
    recipe = results["settings"]["recipes"][name]
    lines = [f"{title}: {_describe(recipe)}, until test accuracy > {TARGETS[name]:.0%}"]
    rows = []
    for framework in ("numeral", *PEERS):
        keys = {"protocol": name, "framework": framework}
        if find(figures, **keys) is None:
            continue
        rows.append(
            [
                framework,
                spread(find(figures, metric="process_seconds", **keys)),
                spread(find(figures, metric="epochs", **keys), 0),
                spread(find(figures, metric="seconds_per_epoch", **keys), 3),
                spread(find(figures, metric="test_accuracy", **keys), 2, percent=True),
            ]
        )
    lines += _table(["framework", "process s", "epochs", "s/epoch", "test acc"], rows)
    for peer in PEERS:
        per_epoch = find(
            ratios, protocol=name, metric="seconds_per_epoch", denominator=peer
        )
        process = find(
            ratios, protocol=name, metric="process_seconds", denominator=peer
        )
        if per_epoch is not None:
            lines.append(
                f"  numeral ÷ {peer}: s/epoch {spread(per_epoch)}, "
                f"process {spread(process)}"
            )
    return lines


def _throughput(results: dict) -> list[str]:
    figures, ratios = results["figures"], results["ratios"]
    settings = results["settings"]
    size = settings["sizes"]["matmul_size"]
    lines = [
        "3. Throughput: training samples/s, the GFLOP/s they imply, and their share"
    ]
    lines.append("   of the float32 matrix-product rate")
    for threads in settings["thread_counts"]:
        row = find(
            figures, protocol="throughput", metric="matmul_gflops", threads=threads
        )
        lines.append(
            f"  matmul {size}×{size}, {threads} thread(s): {spread(row, 1)} GFLOP/s"
        )

    # one row per framework and configuration; the ratios sit on their rows:
    # numeral's share of the matmul rate, numeral's time ÷ each peer's, and
    # every framework's speed-up over its own one-thread rate
    peers = [p for p in PEERS if find(figures, protocol="throughput", framework=p)]
    rows = []
    for threads in settings["thread_counts"]:
        for h in settings["sizes"]["widths"]:
            for b in settings["sizes"]["batches"]:
                at = {"protocol": "throughput", "threads": threads, "hidden": h}
                at["batch"] = b
                for framework in ["numeral", *peers]:
                    mine = {"framework": framework, **at}
                    if framework == "numeral":
                        share = find(
                            ratios, metric="gflops", denominator="matmul", **at
                        )
                        versus = None
                    else:
                        share = None
                        versus = find(
                            ratios, metric="seconds", denominator=framework, **at
                        )
                    speedup = find(
                        ratios, metric="thread_speedup", numerator=framework, **at
                    )
                    first = framework == "numeral"
                    rows.append(
                        [str(threads) if first else "", str(h) if first else ""]
                        + [str(b) if first else "", framework]
                        + [
                            spread(
                                find(figures, metric="samples_per_second", **mine), 0
                            )
                        ]
                        + [spread(find(figures, metric="gflops", **mine), 1)]
                        + [spread(share, 0, percent=True) if share else ""]
                        + [spread(versus) if versus else ""]
                        + [spread(speedup) if speedup else ""]
                    )
    header = ["threads", "width", "batch", "framework", "samples/s", "GFLOP/s"]
    header += ["of matmul", "numeral ÷", "vs 1 thread"]
    lines += _table(header, rows, left=(3,))
    lines.append(
        "  numeral ÷: numeral's time ÷ this framework's (below 1: numeral is faster);"
    )
    lines.append("  vs 1 thread: samples/s ÷ those at one thread")

    lines.append("  inference, images/s (the whole test set)")
    frameworks = ["numeral", *peers]
    rows = []
    for threads in settings["thread_counts"]:
        for h in settings["sizes"]["widths"]:
            keys = {"protocol": "inference", "threads": threads, "hidden": h}
            rows.append(
                [str(threads), str(h)]
                + [spread(find(figures, framework=f, **keys), 0) for f in frameworks]
            )
    lines += _table(["threads", "width", *frameworks], rows)
    return lines


def _cold_start(results: dict) -> list[str]:
    figures = results["figures"]
    labels = {
        "help": "numeral --help",
        "predict": "numeral predict, one image",
        "load": "loading MNIST (training and test sets)",
    }
    lines = ["4. Cold start, wall seconds"]
    rows = []
    for what, label in labels.items():
        row = find(figures, protocol="cold_start", metric=what)
        rows.append([label, spread(row, 3) if row else "not available"])
    return lines + _table(["", "seconds"], rows)


def _header(results: dict) -> list[str]:
    settings, machine = results["settings"], results["machine"]
    versions = machine["versions"]
    library = ", ".join(
        f"{name} {version}" for name, version in versions.items() if version
    )
    lines = [
        f"numeral bench: median [min, max] of {settings['repeats']} repetition(s), "
        f"{settings['threads']} thread(s) unless a row says otherwise",
        f"machine: {machine['cpu']}, {machine['cores']} cores; {machine['platform']}; "
        f"Python {machine['python']}",
        f"libraries: {library}",
    ]
    for framework, pools in machine.get("blas", {}).items():
        blas = "; ".join(
            f"{p['internal_api']} {p['version']}"
            + (f", {p['architecture']} kernel" if p.get("architecture") else "")
            + f", {p['num_threads']} threads"
            for p in pools
        )
        lines.append(f"thread pools of {framework}: {blas or 'none'}")
    if machine["environment"]:
        env = " ".join(f"{k}={v}" for k, v in machine["environment"].items())
        lines.append(f"environment: {env}")
    for framework, reason in results["skipped"].items():
        lines.append(f"skipped {framework}: {reason}")
    lines += [f"note: {note}" for note in results["notes"]]
    return lines


def format_report(results: dict) -> str:
    """The results of :func:`~numeral.bench.run_benchmark` as a text table."""
    protocols = results["settings"]["protocols"]
    sections = [_header(results)]
    if 1 in protocols:
        sections.append(
            _training(results, "original", "1. The original program's comparison")
        )
    if 2 in protocols:
        sections.append(
            _training(results, "recipe", "2. numeral's plain configuration")
        )
    if 3 in protocols:
        sections.append(_throughput(results))
    if 4 in protocols:
        sections.append(_cold_start(results))

    marks = {True: "met   ", False: "MISSED", None: "n/a   "}
    targets = ["Targets"]
    for t in results["targets"]:
        value = "not measured" if t["value"] is None else f"{t['value']:.3g}"
        targets.append(
            f"  {marks[t['met']]}  {t['target']} {t['relation']} {t['limit']}: {value}"
        )
    sections.append(targets)
    return "\n\n".join("\n".join(section) for section in sections)
