"""Recall on our own wording (issue 12): a paraphrase corpus of the 18 monitored events, written
independently of the signatures (``paraphrases.yaml``), must be detected at 95 % or more, with
no false positive on the near misses and no variant raising another row's event. The corpus of
real product messages (``real_wording.yaml``) is scored apart, in ``test_real_wording.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import score

from logsentinel.yamlload import load_yaml

CORPUS = Path(__file__).with_name("paraphrases.yaml")
MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def outcome(library):
    data = load_yaml(CORPUS)
    return score(library, [(r["event"], r["variants"]) for r in data["rows"]], data["near_misses"], str(CORPUS))


def test_recall_on_paraphrases(outcome):
    print(outcome.report("paraphrase"))
    assert outcome.recall >= MIN_RECALL, f"recall {outcome.recall:.1%} below {MIN_RECALL:.0%}; missed:\n" + "\n".join(
        outcome.missed
    )


def test_no_false_positive_on_near_misses(outcome):
    assert not outcome.false_pos, "\n".join(outcome.false_pos)


def test_no_variant_raises_another_rows_event(outcome):
    assert not outcome.wrong, "\n".join(outcome.wrong)


def test_the_corpus_covers_every_row_and_category():
    data = load_yaml(CORPUS)
    assert len(data["rows"]) == 18 and all(len(r["variants"]) >= 10 for r in data["rows"])
    assert all(len(items) >= 20 for items in data["near_misses"].values())
