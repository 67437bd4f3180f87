"""Helpers the script rules share: the script front end's notes, the text a span points into."""

from __future__ import annotations

import bisect
from functools import lru_cache

from fwlint.ast import Ruleset, ScriptNote, Span
from fwlint.lint.fix import line_starts


def notes_of(ruleset: Ruleset, kind: str) -> list[ScriptNote]:
    """The script front end's notes of ``kind`` (none for a ruleset that is not a script)."""
    if ruleset.script is None:
        return []
    return [note for note in ruleset.script.notes if note.kind == kind]


def text_of(ruleset: Ruleset, file: str) -> str | None:
    """The text of ``file`` as the ruleset read it: its own source, or a file a script read."""
    if file == ruleset.path:
        return ruleset.source
    if ruleset.script is not None:
        return ruleset.script.source_of(file)
    return None


@lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    # A str caches its hash and a lookup compares by identity first: one scan of each text.
    return line_starts(text)


def offset(text: str, line: int, column: int) -> int | None:
    """The offset of 1-based ``line``:``column`` in ``text``."""
    starts = _line_starts(text)
    if not 1 <= line <= len(starts):
        return None
    return starts[line - 1] + column - 1


def position(text: str, at: int) -> tuple[int, int]:
    """The 1-based line and column of offset ``at`` in ``text``."""
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, at)
    return line, at - starts[line - 1] + 1


def slice_of(text: str, span: Span) -> str | None:
    a = offset(text, span.line, span.column)
    b = offset(text, span.end_line, span.end_column)
    if a is None or b is None or b < a:
        return None
    return text[a:b]
