"""What CI reads: JUnit XML (Jenkins, GitLab, Azure DevOps) and GitHub Actions annotations
(``::error file=...,line=...::message``), for ``check`` and ``replay --expect``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


@dataclass
class Case:
    """One test case: a signature (check) or an expected event (replay --expect)."""

    classname: str
    name: str
    failures: list[str] = field(default_factory=list)


def junit_xml(suite: str, cases: list[Case]) -> str:
    root = ET.Element("testsuites")
    failed = sum(1 for c in cases if c.failures)
    el = ET.SubElement(root, "testsuite", name=suite, tests=str(len(cases)), failures=str(failed), errors="0")
    for case in cases:
        tc = ET.SubElement(el, "testcase", classname=case.classname, name=case.name)
        for message in case.failures:
            first = message.splitlines()[0] if message else ""
            fail = ET.SubElement(tc, "failure", message=first[:500])
            fail.text = message
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(level: str, message: str, file: str | None = None, line: int | None = None) -> str:
    """``::error file=F,line=L::message`` (``level``: error, warning or notice)."""
    props = []
    if file:
        props.append(f"file={_escape(file, True)}")
    if line:
        props.append(f"line={line}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{_escape(message)}"
