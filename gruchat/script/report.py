"""What a run found, three ways: a rich table for people, JUnit XML for CI, JSON for tools."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gruchat.safe_text import literal
from gruchat.transcript import atomic_write

# Characters XML 1.0 cannot hold (model output may contain them); replaced, not dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


@dataclass
class Row:
    """One check's outcome; line 0 is a whole-file check (the golden comparison)."""

    file: str
    line: int
    check: str
    passed: bool
    message: str = ""
    excerpt: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class FileResult:
    file: str
    rows: list[Row] = field(default_factory=list)
    golden_diff: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(1 for row in self.rows if not row.passed)


def totals(results: list[FileResult]) -> tuple[int, int]:
    """(checks, failures) over every file."""
    checks = sum(len(r.rows) for r in results)
    return checks, sum(r.failures for r in results)


def print_report(console: Console, results: list[FileResult]) -> None:
    table = Table(title="gruchat run", expand=True)
    longest = max((len(row.where) for result in results for row in result.rows), default=5)
    table.add_column("where", min_width=min(longest, 45), overflow="fold")
    table.add_column("check", ratio=3, overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("answer / why", ratio=3)
    for result in results:
        for row in result.rows:
            verdict = Text("pass", style="green") if row.passed else Text("FAIL", style="bold red")
            detail = _short(row.excerpt) if row.passed else row.message
            table.add_row(literal(row.where), literal(row.check), verdict, literal(detail))
    console.print(table)
    for result in results:
        if result.golden_diff:
            heading = f"What changed in {result.file} since its golden file:"
            console.print(heading, style="bold", markup=False)
            for line in result.golden_diff:
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
                console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    failed = [row for result in results for row in result.rows if not row.passed]
    if failed:
        console.print("Failed checks:", style="bold red")
    for row in failed:  # one unwrapped line each, FILE:LINE first, for editors and CI logs
        line = f"{row.where}: {row.check}: {row.message}"
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    checks, failures = totals(results)
    summary = (
        f"{_count(checks, 'check')} in {_count(len(results), 'file')}: "
        f"{checks - failures} passed, {failures} failed"
    )
    console.print(summary, style="bold red" if failures else "bold green", markup=False)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def junit_xml(results: list[FileResult]) -> str:
    """One testsuite per file, one testcase per check, a <failure> for each that failed."""
    checks, failures = totals(results)
    root = ET.Element(
        "testsuites", name="gruchat run", tests=str(checks), failures=str(failures), errors="0"
    )
    for result in results:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_x(result.file),
            tests=str(len(result.rows)),
            failures=str(result.failures),
            errors="0",
            skipped="0",
        )
        for row in result.rows:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_x(result.file),
                name=_x(f"line {row.line}: {row.check}" if row.line else row.check),
                file=_x(result.file),
                line=str(row.line),
            )
            if not row.passed:
                failure = ET.SubElement(case, "failure", message=_x(row.message), type="check")
                body = [f"{row.where}: {row.check}", row.message]
                if row.line == 0 and result.golden_diff:
                    body += result.golden_diff
                elif row.excerpt:
                    body.append(f"answer: {row.excerpt}")
                failure.text = _x("\n".join(body))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def json_report(results: list[FileResult]) -> dict[str, Any]:
    checks, failures = totals(results)
    return {
        "passed": failures == 0,
        "checks": checks,
        "failures": failures,
        "files": [
            {
                "file": result.file,
                "checks": [asdict(row) for row in result.rows],
                "failures": result.failures,
                "golden_diff": result.golden_diff,
            }
            for result in results
        ],
    }


def write_junit(path: Path, results: list[FileResult]) -> None:
    atomic_write(path, junit_xml(results))


def write_json(path: Path, results: list[FileResult]) -> None:
    atomic_write(path, json.dumps(json_report(results), ensure_ascii=False, indent=2) + "\n")
