"""Entry point for ``python -m logsentinel``."""

import sys

from .cli import main

sys.exit(main())
