"""Signatures the tests write into their own pattern folders."""

from __future__ import annotations


def slow_answer(response_time: str = "2s") -> str:
    """A P2 demo signature with a short response time: its events soon become overdue."""
    return f"""
id: demo.slow_answer
title: Demo event with a short response time
priority: P2
response_time: {response_time}
match: ['demo failure (?P<code>\\d+)']
examples: {{match: ['demo failure 1'], no_match: ['demo ok']}}
"""
