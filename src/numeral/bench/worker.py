"""One benchmark job, run in a fresh Python process.

``python -m numeral.bench.worker JOB`` reads the job, a JSON object, from its
argument, runs it and prints one line of JSON with the result. Each job gets its
own process so that every framework starts cold, pays its own imports and data
loading, and cannot leave threads, caches or memory behind for the next one.

Job kinds (every job also names ``threads``, the thread limit for BLAS and
OpenMP pools):

``train_to_target``  ``framework``, ``recipe``, ``target``, ``max_epochs``, ``data``
``throughput``       ``framework``, ``recipe``, ``widths``, ``batches``,
                     ``samples``, ``timed`` (epochs timed), ``data``
``matmul``           ``size``, ``repeats``: seconds of a float32 ``A @ B``
``load``             ``data``: seconds to load the data set

``data`` is ``{"data_dir", "n_train", "n_test"}``; ``n_train`` and ``n_test``
(None for all) take the first rows only.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace

import numpy as np

from ..datasets import load_dataset
from ..threads import blas_info, limit_threads

__all__ = ["main", "run_job"]


def _data(spec: dict):
    dataset = load_dataset("mnist", spec.get("data_dir"))
    n_train, n_test = spec.get("n_train"), spec.get("n_test")
    return replace(
        dataset,
        train_images=dataset.train_images[:n_train],
        train_labels=dataset.train_labels[:n_train],
        test_images=dataset.test_images[:n_test],
        test_labels=dataset.test_labels[:n_test],
    )


def _train_to_target(job: dict) -> dict:
    from .frameworks import TRAIN_TO_TARGET

    data = _data(job["data"])
    run = TRAIN_TO_TARGET[job["framework"]]
    return run(job["recipe"], data, job["target"], job["max_epochs"])


def _throughput(job: dict) -> dict:
    from .frameworks import THROUGHPUT

    data = _data(job["data"])
    data = replace(
        data,
        train_images=data.train_images[: job["samples"]],
        train_labels=data.train_labels[: job["samples"]],
    )
    run = THROUGHPUT[job["framework"]]
    results = []
    for hidden in job["widths"]:
        for batch in job["batches"]:
            recipe = {**job["recipe"], "hidden_sizes": [hidden], "batch_size": batch}
            measured = run(recipe, data, job["timed"])
            results.append({"hidden": hidden, "batch": batch, **measured})
    return {
        "configs": results,
        "samples": len(data.train_images),
        "images": len(data.test_images),
    }


def _matmul(job: dict) -> dict:
    n = job["size"]
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n), dtype=np.float32)
    B = rng.standard_normal((n, n), dtype=np.float32)
    C = A @ B  # warm-up
    seconds = []
    for _ in range(job["repeats"]):
        started = time.perf_counter()
        np.matmul(A, B, out=C)
        seconds.append(time.perf_counter() - started)
    return {"seconds": float(np.median(seconds)), "flops": 2 * n**3}


def _load(job: dict) -> dict:
    started = time.perf_counter()
    load_dataset("mnist", job["data"].get("data_dir"))
    return {"seconds": time.perf_counter() - started}


JOBS = {
    "train_to_target": _train_to_target,
    "throughput": _throughput,
    "matmul": _matmul,
    "load": _load,
}


def run_job(job: dict) -> dict:
    """Run ``job`` in this process; the result includes the BLAS pools used."""
    threads = job["threads"]
    if job.get("framework") == "pytorch":
        import torch

        torch.set_num_threads(threads)
    with limit_threads(threads):
        result = JOBS[job["kind"]](job)
        result["blas"] = blas_info()
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m numeral.bench.worker JOB_JSON", file=sys.stderr)
        return 2
    result = run_job(json.loads(argv[0]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
