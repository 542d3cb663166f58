"""Run numeral's benchmark from a source checkout: ``python benchmarks/run.py``.

The same as ``numeral bench`` (all its options apply, see ``--help``); this
script only makes ``src/`` importable when numeral is not installed. The
benchmark itself lives in the package, in ``numeral.bench``.
"""

import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

if __name__ == "__main__":
    try:
        import numeral  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(SRC))
    from numeral.cli import main

    sys.exit(main(["bench", *sys.argv[1:]]))
