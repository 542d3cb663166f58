"""How many threads the BLAS library (the matrix products) may use.

NumPy hands every matrix product to a BLAS library (OpenBLAS in NumPy's wheels),
which runs it on one thread per core unless told otherwise. On these sizes the
products are almost all of training's work, so the BLAS threads are where a
second core helps. :func:`limit_threads` sets their number for a block of code;
it uses threadpoolctl, imported only when a limit is asked for.
"""

from __future__ import annotations

import contextlib

from .errors import ConfigError

__all__ = ["blas_info", "limit_threads"]


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError as e:
        raise ConfigError(
            "setting the number of threads needs the threadpoolctl package "
            "(pip install threadpoolctl)"
        ) from e
    return threadpoolctl


def limit_threads(threads: int | None) -> contextlib.AbstractContextManager:
    """A context in which BLAS and OpenMP pools use at most ``threads`` threads.

    ``None`` leaves the libraries' own choice, usually one thread per core.
    """
    if threads is None:
        return contextlib.nullcontext()
    if threads < 1:
        raise ConfigError(f"threads must be at least 1, got {threads}")
    return _threadpoolctl().threadpool_limits(limits=int(threads))


def blas_info() -> list[dict]:
    """The loaded thread pools: library, version, CPU kernel and thread count.

    Import NumPy (and any other library of interest) first: only pools already
    loaded are listed.
    """
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads")
    return [
        {key: pool.get(key) for key in keys}
        for pool in _threadpoolctl().threadpool_info()
    ]
