"""Benchmark jobs: each a process to start and time.

Every job runs in its own process: a :mod:`numeral.bench.worker` for training,
throughput, matrix products and data loading, or the ``numeral`` command itself
for cold starts. The process gets the thread limit in the usual environment
variables, so the BLAS and OpenMP pools start with that many threads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import NumeralError
from .settings import (
    ORIGINAL,
    TARGETS,
    THROUGHPUT_RECIPE,
    BenchSettings,
    default_recipe,
)

__all__ = ["Job", "JobFailed", "build_jobs", "numeral_command"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class JobFailed(NumeralError):
    """A benchmark job's process exited with an error."""


@dataclass
class Job:
    """One measurement of one repetition.

    ``key`` names it: ``(protocol, framework)`` for protocols 1 and 2,
    ``("throughput", framework, threads)``, ``("matmul", threads)`` and
    ``("cold_start", what)``. ``run()`` takes the measurement and returns a dict.
    """

    key: tuple
    run: Callable[[], dict]

    @property
    def framework(self) -> str | None:
        names = [k for k in self.key if k in ("numeral", "scikit-learn", "pytorch")]
        return names[0] if names else None


def environment(threads: int) -> dict:
    """The environment of a job: this one, with the thread count fixed."""
    import numeral

    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    # the job imports this very numeral, installed or not
    package_root = str(Path(numeral.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, env.get("PYTHONPATH")) if p
    )
    return env


def run_worker(job: dict) -> dict:
    """Run ``job`` in a new worker process; its result and ``process_seconds``."""
    command = [sys.executable, "-m", "numeral.bench.worker", json.dumps(job)]
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env=environment(job["threads"])
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise JobFailed(
            f"{job['kind']} job of {job.get('framework', 'numeral')}: {last}"
        )
    return {
        **json.loads(done.stdout.strip().splitlines()[-1]),
        "process_seconds": seconds,
    }


def run_command(command: list[str], threads: int) -> dict:
    """Wall ``seconds`` of ``command``; raises :class:`JobFailed` if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=environment(threads))
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise JobFailed(f"{' '.join(command)} exited with {done.returncode}")
    return {"seconds": seconds}


def numeral_command() -> list[str]:
    """How a user starts numeral: the console script beside this Python."""
    script = Path(sys.executable).with_name("numeral")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "numeral"]


def predict_inputs(folder: Path) -> tuple[Path, Path]:
    """An untrained 784-256-10 model file and a 28×28 PNG digit, for protocol 4."""
    from PIL import Image

    from ..modelfile import Model, save_model
    from ..network import Network

    network = Network.create([784, 256, 10], rng=np.random.default_rng(0))
    metadata = {
        "dataset": "mnist",
        "class_names": [str(k) for k in range(10)],
        "image_shape": [28, 28],
        "loss": "cross_entropy",
    }
    model = save_model(folder / "model.npz", Model(network, metadata))
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[5:23, 13:16] = 255  # a white "1" on black
    image = folder / "digit.png"
    Image.fromarray(pixels).save(image)
    return model, image


def build_jobs(
    settings: BenchSettings, frameworks: list[str], recipes: dict, folder: Path
) -> list[Job]:
    """Every job of one repetition, in the order they run.

    ``recipes`` maps ``"original"`` and ``"recipe"`` to the frameworks that run
    them (a peer that cannot reproduce a recipe is left out of it).
    """
    from ..cli import COMMANDS

    sizes = settings.sizes
    data = {
        "data_dir": settings.data_dir,
        "n_train": sizes["n_train"],
        "n_test": sizes["n_test"],
    }
    jobs = []

    def worker(key, **job):
        jobs.append(Job(key, lambda: run_worker(job)))

    # protocols 1 and 2: train to a target accuracy, the whole process timed
    protocols = {1: ("original", ORIGINAL), 2: ("recipe", default_recipe())}
    for number, (name, recipe) in protocols.items():
        if number in settings.protocols:
            for framework in recipes[name]:
                worker(
                    (name, framework),
                    kind="train_to_target",
                    framework=framework,
                    recipe=recipe,
                    target=TARGETS[name],
                    max_epochs=sizes["max_epochs"][name],
                    data=data,
                    threads=settings.threads,
                )

    # protocol 3: the matrix-product reference, then each framework's grid
    if 3 in settings.protocols:
        for threads in settings.thread_counts:
            worker(
                ("matmul", threads),
                kind="matmul",
                size=sizes["matmul_size"],
                repeats=sizes["matmul_repeats"],
                threads=threads,
            )
            for framework in frameworks:
                worker(
                    ("throughput", framework, threads),
                    kind="throughput",
                    framework=framework,
                    recipe=THROUGHPUT_RECIPE,
                    widths=sizes["widths"],
                    batches=sizes["batches"],
                    samples=sizes["samples"],
                    timed=sizes["timed_epochs"],
                    data=data,
                    threads=threads,
                )

    # protocol 4: cold starts of the command, and loading the data
    if 4 in settings.protocols:
        command, threads = numeral_command(), settings.threads
        help_ = [*command, "--help"]
        jobs.append(Job(("cold_start", "help"), lambda: run_command(help_, threads)))
        if "predict" in COMMANDS:
            model, image = predict_inputs(folder)
            predict = [*command, "predict", str(model), str(image)]
            jobs.append(
                Job(("cold_start", "predict"), lambda: run_command(predict, threads))
            )
        worker(("cold_start", "load"), kind="load", data=data, threads=threads)
    return jobs
