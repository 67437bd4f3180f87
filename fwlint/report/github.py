"""GitHub Actions workflow commands: one annotation a finding, shown on the pull request's diff.

``::error file=rules.v4,line=6,col=31,endLine=6,endColumn=38,title=FW101 unknown-target::message``;
warnings are ``::warning``, info findings ``::notice``.
"""

from __future__ import annotations

from typing import TextIO

from fwlint.lint.diagnostic import Severity
from fwlint.report import Report, relative_path

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part: % and line breaks are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as the message, and also : and , (they separate properties)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write(report: Report, out: TextIO) -> None:
    shown: dict[str, str] = {}  # each file's name as the annotations give it
    for d in report.diagnostics:
        s = d.span
        end_line, end_column = max((s.end_line, s.end_column), (s.line, s.column))
        if s.file not in shown:
            shown[s.file] = relative_path(s.file)
        properties = {
            "file": shown[s.file],
            "line": str(s.line),
            "col": str(s.column),
            "endLine": str(end_line),
            "endColumn": str(end_column),
            "title": f"{d.code} {d.name}",
        }
        props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items())
        out.write(f"::{COMMAND[d.severity]} {props}::{escape_data(d.message)}\n")
