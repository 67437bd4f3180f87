"""`path:line:col: FW101 [error] message`, one finding a line, then a count (the default format)."""

from __future__ import annotations

from collections import Counter
from typing import Sequence, TextIO

from fwlint.lint.diagnostic import Diagnostic
from fwlint.report import Report
from fwlint.report.style import Style


def has_safe_fix(d: Diagnostic) -> bool:
    return d.fix is not None and d.fix.applicability == "safe"


def location(d: Diagnostic, style: Style) -> str:
    s = d.span
    return f"{style.paint(s.file, 'bold')}:{s.line}:{s.column}:"


def format_line(d: Diagnostic, style: Style | None = None, *, show_severity: bool = True) -> str:
    style = style or Style(False)
    severity = f" {style.severity(d.severity, f'[{d.severity}]')}" if show_severity else ""
    fixable = f" {style.paint('[*]', 'cyan')}" if has_safe_fix(d) else ""
    code = style.severity(d.severity, d.code)
    return f"{location(d, style)} {code}{severity}{fixable} {d.message}"


def summary_lines(diagnostics: Sequence[Diagnostic]) -> list[str]:
    """`Found 3 findings (1 error, 2 warnings).` and how many --fix would fix, or `All checks passed!`."""
    if not diagnostics:
        return ["All checks passed!"]
    counts = Counter(str(d.severity) for d in diagnostics)
    parts = [f"{counts[k]} {k}{'s' if counts[k] != 1 and k != 'info' else ''}"
             for k in ("error", "warning", "info") if counts[k]]
    found = f"Found {len(diagnostics)} finding{'s' if len(diagnostics) != 1 else ''} ({', '.join(parts)})."
    lines = [found]
    safe = sum(1 for d in diagnostics if has_safe_fix(d))
    if safe:
        lines.append(f"[*] {safe} fixable with --fix.")
    return lines


def write_summary(report: Report, out: TextIO) -> None:
    if not report.quiet:
        for line in summary_lines(report.diagnostics):
            out.write(line + "\n")


def write(report: Report, out: TextIO) -> None:
    style = Style(report.color)
    for d in report.diagnostics:
        out.write(format_line(d, style) + "\n")
    write_summary(report, out)
