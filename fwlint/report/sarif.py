"""SARIF 2.1.0 (the format GitHub code scanning uploads), one run.

``tool.driver.rules`` describes every rule that has a finding, from its docstring; each result
points at its rule by id and index, with the file as a URI relative to the working directory
(``uriBaseId`` ``%SRCROOT%``), a region with start and end line and column (columns count
characters, end column exclusive, as fwlint's spans do), related locations (the rules that cause
the finding) and the fix as replacements.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from fwlint import __version__
from fwlint.ast import Span
from fwlint.lint.diagnostic import Diagnostic, Fix, Severity
from fwlint.lint.rule import Rule, sections
from fwlint.report import Report
from fwlint.report.indented_json import Stream, dump

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
RELATED_MESSAGE = "a rule this finding is about"


def information_uri() -> str | None:
    """The project's home page, from the installed package's metadata (Project-URL), if it has one."""
    from importlib import metadata

    try:
        urls = metadata.metadata("fwlint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    by_label = {}
    for entry in urls:
        label, _, url = entry.partition(",")
        by_label[label.strip().lower()] = url.strip()
    for label in ("homepage", "repository", "source", "documentation"):
        if by_label.get(label):
            return by_label[label]
    return next(iter(by_label.values()), None)


def artifact_location(name: str, cwd: Path) -> dict:
    """A file as SARIF names it: relative to ``cwd`` (with the %SRCROOT% base) when it can be."""
    return dict(_artifact_location(name, cwd))


@functools.lru_cache(maxsize=256)
def _artifact_location(name: str, cwd: Path) -> tuple[tuple[str, str], ...]:
    """artifact_location's answer, worked out once per file (every finding names its file)."""
    return tuple(_read_artifact_location(name, cwd).items())


def _read_artifact_location(name: str, cwd: Path) -> dict:
    path = Path(name)
    if name != "-" and path.is_absolute():
        try:
            path = path.relative_to(cwd)
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix() if name != "-" else name, safe="/"), "uriBaseId": SRCROOT}


def region(span: Span) -> dict:
    end_line, end_column = max((span.end_line, span.end_column), (span.line, span.column))
    return {"startLine": span.line, "startColumn": span.column,
            "endLine": end_line, "endColumn": end_column}


def physical_location(span: Span, cwd: Path) -> dict:
    return {"artifactLocation": artifact_location(span.file, cwd), "region": region(span)}


def one_paragraph(text: str) -> str:
    return " ".join(text.split())


def rule_descriptor(code: str, name: str, rule: type[Rule] | None) -> dict:
    if rule is None:  # a finding from a rule the catalogue does not hold (an API caller's own)
        return {"id": code, "name": name, "shortDescription": {"text": name}}
    doc = rule.documentation()
    what = sections(rule).get("What it does", "")
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary() or rule.name},
        "fullDescription": {"text": one_paragraph(what) or rule.summary() or rule.name},
        "defaultConfiguration": {"level": LEVEL[Severity(rule.severity)]},
        "help": {"text": doc or rule.name, "markdown": doc or rule.name},
        "properties": {"fixable": rule.fixable or "none"},
    }
    parts = rule.__module__.split(".")
    if parts[:2] == ["fwlint", "rules"] and len(parts) > 2:
        descriptor["properties"]["tags"] = [parts[2]]
    return descriptor


def sarif_fix(fix: Fix, cwd: Path) -> dict:
    by_file: dict[str, list[dict]] = {}
    for edit in fix.edits:
        by_file.setdefault(edit.span.file, []).append(
            {"deletedRegion": region(edit.span), "insertedContent": {"text": edit.content}})
    return {
        "description": {"text": fix.message or "fix"},
        "artifactChanges": [{"artifactLocation": artifact_location(name, cwd), "replacements": reps}
                            for name, reps in by_file.items()],
        "properties": {"applicability": fix.applicability},
    }


def result(d: Diagnostic, rule_index: int, cwd: Path) -> dict:
    out = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVEL[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": physical_location(d.span, cwd)}],
    }
    if d.related:
        out["relatedLocations"] = [{"id": i, "physicalLocation": physical_location(span, cwd),
                                    "message": {"text": RELATED_MESSAGE}}
                                   for i, span in enumerate(d.related, start=1)]
    if d.fix is not None and d.fix.edits:
        out["fixes"] = [sarif_fix(d.fix, cwd)]
    return out


def sarif_log(report: Report, cwd: str | None = None, stream: bool = False) -> dict:
    """The SARIF log of the report; ``stream``: its results as a Stream, made while they are
    written (see fwlint.report.indented_json), not a list."""
    from fwlint.lint.engine import catalogue

    base = Path(cwd or os.getcwd())
    cat = catalogue()
    rule_index: dict[str, int] = {}
    descriptors: list[dict] = []
    for d in sorted(report.diagnostics, key=lambda d: d.code):
        if d.code not in rule_index:
            rule_index[d.code] = len(descriptors)
            descriptors.append(rule_descriptor(d.code, d.name, cat.get(d.code)))
    driver = {"name": "fwlint", "version": __version__, "semanticVersion": __version__}
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = descriptors
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": (Stream if stream else list)(result(d, rule_index[d.code], base)
                                                     for d in report.diagnostics),
        }],
    }


def write(report: Report, out: TextIO) -> None:
    dump(sarif_log(report, stream=True), out)
    out.write("\n")
