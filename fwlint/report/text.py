"""`path:line:col: FW101 [error] message`, one finding a line, then a count."""

from __future__ import annotations

from collections import Counter
from typing import Sequence, TextIO

from fwlint.lint.diagnostic import Diagnostic


def format_line(d: Diagnostic) -> str:
    s = d.span
    fixable = " [*]" if d.fix is not None and d.fix.applicability == "safe" else ""
    return f"{s.file}:{s.line}:{s.column}: {d.code} [{d.severity}]{fixable} {d.message}"


def write(diagnostics: Sequence[Diagnostic], out: TextIO) -> None:
    for d in diagnostics:
        out.write(format_line(d) + "\n")
    if diagnostics:
        counts = Counter(str(d.severity) for d in diagnostics)
        parts = [f"{counts[k]} {k}{'s' if counts[k] != 1 and k != 'info' else ''}"
                 for k in ("error", "warning", "info") if counts[k]]
        safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "safe")
        out.write(f"Found {len(diagnostics)} finding{'s' if len(diagnostics) != 1 else ''} "
                  f"({', '.join(parts)}).\n")
        if safe:
            out.write(f"[*] {safe} fixable with --fix.\n")
    else:
        out.write("All checks passed!\n")
