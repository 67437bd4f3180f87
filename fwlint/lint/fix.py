"""Applying fixes to source text."""

from __future__ import annotations

from typing import Iterable

from fwlint.lint.diagnostic import Diagnostic


def _offsets(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def apply_fixes(text: str, diagnostics: Iterable[Diagnostic],
                applicability: tuple[str, ...] = ("safe",)) -> tuple[str, int]:
    """The text with every fix of the given applicability applied; edits that overlap an
    earlier one are left for a later pass.  Returns the new text and the number of fixes."""
    starts = _offsets(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    chosen = []
    for d in diagnostics:
        if d.fix is None or d.fix.applicability not in applicability:
            continue
        ranges = [(offset(e.span.line, e.span.column), offset(e.span.end_line, e.span.end_column),
                   e.content) for e in d.fix.edits]
        chosen.append(ranges)
    chosen.sort(key=lambda rs: min(r[0] for r in rs))
    applied: list[tuple[int, int, str]] = []
    count = 0
    last_end = -1
    for ranges in chosen:
        if min(r[0] for r in ranges) < last_end:
            continue
        applied.extend(ranges)
        last_end = max(r[1] for r in ranges)
        count += 1
    for start, end, content in sorted(applied, reverse=True):
        text = text[:start] + content + text[end:]
    return text, count
