"""The command line: ``logsentinel check | replay | run | validate | outbox``."""
