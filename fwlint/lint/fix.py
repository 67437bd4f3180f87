"""Applying fixes to source text, and showing what they would change.

Only the bytes inside a fix's edits change: comments, counters, spacing, the order of lines and
their line ends (CR LF included) stay as they were.  Fixes are taken in the order of their first
edit; a fix with an edit that overlaps one already taken in this pass is skipped, and the next
pass (on the new text, linted again) gets to it.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from fwlint.ast import Span
from fwlint.lint.diagnostic import Diagnostic, Edit

MAX_PASSES = 100
"""Fixing stops after this many passes even if fixes keep coming (a rule whose fix brings its
own finding back would otherwise loop)."""


def line_starts(text: str) -> list[int]:
    """The offset each line of ``text`` starts at (a text ending in a newline has an empty last
    line)."""
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


_AFTER_A_COMMAND = re.compile(r"[ \t\r]*(?:;[ \t\r]*)?(?:#.*)?$")
"""What may follow a command on its last line for the lines to be the command's alone: blanks,
a `;`, a comment."""


def delete_lines(text: str, span: Span, starts: list[int] | None = None) -> Edit | None:
    """The edit that deletes the lines ``span`` covers (a rule, a script command continued over
    several lines with `\\`), line ends included, as one edit; None when anything else stands
    on those lines (`then iptables ...; fi`, `sudo iptables ...`, `... || true`): deleting the
    lines would take it too, and deleting the span alone could leave a broken script.
    ``starts``: ``line_starts(text)``, when the caller has it (one scan for many deletions)."""
    if starts is None:
        starts = line_starts(text)
    first, last = span.line, span.end_line
    if not 1 <= first <= last <= len(starts):
        return None

    def line(number: int) -> str:
        end = starts[number] - 1 if number < len(starts) else len(text)
        return text[starts[number - 1]:end]

    if line(first)[:span.column - 1].strip(" \t") or \
            _AFTER_A_COMMAND.match(line(last), span.end_column - 1) is None:
        return None
    if last < len(starts):  # the last line ends in a newline: up to the start of the next line
        return Edit("", Span(span.file, first, 1, last + 1, 1))
    if first > 1:  # the file's last line, without a newline: from the end of the line before
        return Edit("", Span(span.file, first - 1, len(line(first - 1)) + 1, last, len(line(last)) + 1))
    return Edit("", Span(span.file, first, 1, last, len(line(last)) + 1))


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two edits (start, end offsets) cannot both be made: they share a character, or
    they insert at the same place, or one inserts inside the other."""
    if a[0] == b[0]:
        return True
    if a[0] < b[0]:
        return b[0] < a[1]
    return a[0] < b[1]


def _overlaps_taken(start: int, end: int, taken: list[tuple[int, int, str]], starts: list[int]) -> bool:
    """Whether the edit ``start``..``end`` overlaps (as _overlaps says) one of ``taken``: sorted
    by start, no two overlapping, so their ends rise with their starts and only the nearest
    edit on each side can touch it."""
    at = bisect.bisect_left(starts, start)
    if at < len(starts) and _overlaps((start, end), taken[at][:2]):
        return True  # the first taken edit starting at or after this one
    return at > 0 and _overlaps((start, end), taken[at - 1][:2])


def apply_fixes(text: str, diagnostics: Iterable[Diagnostic],
                applicability: tuple[str, ...] = ("safe",),
                path: str | None = None) -> tuple[str, int]:
    """The text with the fixes of the given applicability applied, and how many were.

    With ``path`` given, only fixes whose edits are all in that file are taken.  A fix whose
    edits overlap each other, an earlier fix's, or fall outside the text is left out."""
    starts = line_starts(text)

    def offset(line: int, column: int) -> int | None:
        if not 1 <= line <= len(starts) or column < 1:
            return None
        end_of_line = starts[line] - 1 if line < len(starts) else len(text)
        if starts[line - 1] + column - 1 > end_of_line + 1:
            return None
        return min(starts[line - 1] + column - 1, len(text))

    candidates: list[list[tuple[int, int, str]]] = []
    for d in diagnostics:
        fix = d.fix
        if fix is None or fix.applicability not in applicability or not fix.edits:
            continue
        if path is not None and any(e.span.file != path for e in fix.edits):
            continue
        ranges = []
        for e in fix.edits:
            start = offset(e.span.line, e.span.column)
            end = offset(e.span.end_line, e.span.end_column)
            if start is None or end is None or end < start:
                break
            ranges.append((start, end, e.content))
        else:
            ranges.sort()
            if all(not _overlaps(ranges[i][:2], ranges[i + 1][:2]) for i in range(len(ranges) - 1)):
                candidates.append(ranges)
    candidates.sort(key=lambda rs: (rs[0][0], rs[0][1]))
    taken: list[tuple[int, int, str]] = []
    taken_starts: list[int] = []  # taken's starts, sorted (taken is kept sorted, no two overlap)
    count = 0
    for ranges in candidates:
        if any(_overlaps_taken(r[0], r[1], taken, taken_starts) for r in ranges):
            continue
        for r in ranges:
            at = bisect.bisect_right(taken_starts, r[0])
            taken.insert(at, r)
            taken_starts.insert(at, r[0])
        count += 1
    pieces: list[str] = []
    pos = 0
    for start, end, content in sorted(taken):
        pieces.append(text[pos:start])
        pieces.append(content)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), count


@dataclass
class FixOutcome:
    """What fixing one source gave: the new text, how many fixes went in, what is left."""

    text: str
    fixed: int
    diagnostics: list[Diagnostic]


def fix_source(text: str, lint: Callable[[str], list[Diagnostic]],
               applicability: tuple[str, ...] = ("safe",), path: str | None = None,
               max_passes: int = MAX_PASSES) -> FixOutcome:
    """Lint, fix, and again, until no fix applies; ``lint`` gives the findings for a text."""
    fixed = 0
    diagnostics = lint(text)
    for _ in range(max_passes):
        new, count = apply_fixes(text, diagnostics, applicability, path)
        if count == 0 or new == text:
            break
        fixed += count
        text = new
        diagnostics = lint(text)
    return FixOutcome(text, fixed, diagnostics)


def unified_diff(path: str, before: str, after: str) -> str:
    """``diff -u`` of two texts of ``path``; line ends are shown as they are, and a last line
    without one is marked as diff marks it."""
    out: list[str] = []
    for line in difflib.unified_diff(_lines(before), _lines(after), fromfile=path, tofile=path):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """The lines of ``text`` with their ends; only \\n ends a line (a CR stays in its line)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]
