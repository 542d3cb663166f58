"""``python -m numeral``: the same as the ``numeral`` command."""

import sys

from .cli import main

sys.exit(main())
