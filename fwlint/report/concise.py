"""`path:line:col: FW101 [*] message`: the text format without the severity tag, as ruff's concise."""

from __future__ import annotations

from typing import TextIO

from fwlint.report import Report
from fwlint.report.style import Style
from fwlint.report.text import format_line, write_summary


def write(report: Report, out: TextIO) -> None:
    style = Style(report.color)
    for d in report.diagnostics:
        out.write(format_line(d, style, show_severity=False) + "\n")
    write_summary(report, out)
