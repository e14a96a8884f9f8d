"""The command line: ``logsentinel check | replay | run | validate | outbox``."""

from logsentinel.cli.main import main

__all__ = ["main"]
