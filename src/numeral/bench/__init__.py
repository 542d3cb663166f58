"""numeral's benchmark: numeral, scikit-learn and PyTorch side by side.

:func:`run_benchmark` runs the protocols described in
:mod:`numeral.bench.settings`, each job in its own process, the repetitions one
after another so that noise on the machine hits every framework alike, and
returns the raw figures; :func:`format_report` turns them into a table.
scikit-learn and PyTorch are optional: a missing one is skipped, with the
reason recorded under ``"skipped"``.

``numeral bench`` is the command-line front door.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from .figures import assemble, check_targets
from .frameworks import FRAMEWORKS, peer_recipe, unavailable
from .jobs import JobFailed, build_jobs, numeral_command
from .report import format_report
from .settings import ORIGINAL, THROUGHPUT_RECIPE, BenchSettings, default_recipe

__all__ = ["BenchSettings", "format_report", "run_benchmark"]

# environment variables that change which BLAS kernel or how many threads run
BLAS_VARIABLES = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine() -> dict:
    """The CPU, operating system and library versions the figures belong to."""
    versions = {}
    for name, module in FRAMEWORKS.items():
        distribution = {"numeral": "numeral", "sklearn": "scikit-learn"}.get(
            module, module
        )
        try:
            versions[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["numpy"] = metadata.version("numpy")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "environment": {k: os.environ[k] for k in BLAS_VARIABLES if k in os.environ},
    }


def run_benchmark(
    settings: BenchSettings,
    progress: Callable[[int, tuple, float], None] | None = None,
) -> dict:
    """Run the benchmark; returns the raw figures as a JSON-ready dict.

    ``progress(repetition, job_key, seconds)`` is called after each job. A peer
    whose job fails is dropped from the rest of the run and listed as skipped,
    with the error; a numeral job that fails raises :class:`JobFailed`.
    """
    skipped = {}
    for framework in settings.frameworks:
        reason = unavailable(framework)
        if reason:
            skipped[framework] = reason
    frameworks = [f for f in settings.frameworks if f not in skipped]

    # the peers run the default recipe only if they can reproduce all of it
    notes = []
    recipes = {"original": frameworks, "recipe": frameworks}
    _, problems = peer_recipe(default_recipe())
    if problems:
        recipes["recipe"] = ["numeral"]
        notes.append(
            "protocol 2 ran numeral alone: the peers cannot reproduce "
            + ", ".join(problems)
        )

    measured = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        jobs = build_jobs(settings, frameworks, recipes, Path(folder))
        for repetition in range(settings.repeats):
            for job in jobs:
                if job.framework in skipped:
                    continue
                started = time.perf_counter()
                try:
                    result = job.run()
                except JobFailed as e:
                    if job.framework in (None, "numeral"):
                        raise
                    skipped[job.framework] = f"failed: {e}"
                    continue
                measured[job.key].append(result)
                if progress is not None:
                    progress(repetition, job.key, time.perf_counter() - started)

    # a peer that failed part-way is left out entirely, so every ratio pairs
    # figures of the same repetitions
    measured = {
        key: runs
        for key, runs in measured.items()
        if not any(part in skipped for part in key)
    }
    sklearn = measured.get(("original", "scikit-learn"))
    if sklearn and sklearn[0].get("init") != "he":
        notes.append("scikit-learn used its own Glorot-uniform initialisation")

    # the thread pools each framework's process had loaded, kernels included,
    # from a job at the main thread count where there is one
    machine = describe_machine()
    machine["blas"] = {}
    for key, runs in measured.items():
        framework = "numeral" if key[0] == "matmul" else key[1]
        threads = key[-1] if key[0] in ("matmul", "throughput") else settings.threads
        if "blas" not in runs[0] or framework not in FRAMEWORKS:
            continue
        if threads == settings.threads or framework not in machine["blas"]:
            machine["blas"][framework] = runs[0]["blas"]
    figures, ratios = assemble(measured, settings)
    return {
        "machine": machine,
        "settings": {
            **asdict(settings),
            "sizes": settings.sizes,
            "thread_counts": settings.thread_counts,
            # file names only: the folders say nothing about the run
            "command": [Path(part).name for part in numeral_command()],
            "recipes": {
                "original": ORIGINAL,
                "recipe": default_recipe(),
                "throughput": THROUGHPUT_RECIPE,
            },
        },
        "skipped": skipped,
        "notes": notes,
        "figures": figures,
        "ratios": ratios,
        "targets": check_targets(figures, ratios, settings),
    }
