"""``python -m discrepancy``: the same as the ``discrepancy`` command."""

import sys

from discrepancy.cli import main

sys.exit(main())
