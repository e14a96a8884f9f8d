"""Entry point for ``python -m logsentinel``."""

import sys

from logsentinel.cli.main import main

sys.exit(main())
