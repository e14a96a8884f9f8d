"""The documentation hangs together (issue 23): docs/README.md is the index of every page, user
pages and developer pages apart (docs/ and docs/dev/); every relative link of the Markdown
pages leads to a file that exists (and to a heading that exists, for ``page.md#anchor``); the
operator's guide covers every command an operator uses."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _pages() -> list[Path]:
    return sorted([*DOCS.rglob("*.md"), ROOT / "README.md", ROOT / "CONTRIBUTING.md"])


def _prose(text: str) -> str:
    """The text without code (fenced blocks, inline spans): a regex there is no link."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces made dashes."""
    out = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", title)))
    return out


def test_the_index_lists_every_page_and_keeps_developer_pages_apart():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = {
        (DOCS / target.split("#")[0]).resolve() for target in LINK.findall(index) if not target.startswith("http")
    }
    pages = {p.resolve() for p in DOCS.rglob("*.md") if p.name != "README.md"}
    assert pages <= linked, sorted(str(p) for p in pages - linked)
    user, dev = index.split("## For developers", 1)
    assert "dev/" not in user and "dev/architecture.md" in dev and "dev/performance.md" in dev
    assert not (DOCS / "architecture.md").exists() and not (DOCS / "performance.md").exists()


def test_every_relative_link_leads_somewhere():
    broken = []
    for page in _pages():
        for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
            if re.match(r"^[a-z]+:", target):
                continue  # http(s), mailto
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, broken


def test_the_operators_guide_covers_the_operators_commands():
    guide = (DOCS / "operators-guide.md").read_text(encoding="utf-8")
    for command in ("logsentinel list", "logsentinel status", "logsentinel ack", "logsentinel resolve",
                    "logsentinel silence ", "logsentinel silences", "--expire"):  # fmt: skip
        assert command in guide, command
    assert "status-page-actions.png" in guide and (DOCS / "status-page-actions.png").is_file()
