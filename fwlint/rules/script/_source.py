"""Helpers the script rules share: the script front end's notes, the text a span points into."""

from __future__ import annotations

from fwlint.ast import Ruleset, ScriptNote, Span


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


def offset(text: str, line: int, column: int) -> int | None:
    """The offset of 1-based ``line``:``column`` in ``text``."""
    start = 0
    for _ in range(line - 1):
        nl = text.find("\n", start)
        if nl == -1:
            return None
        start = nl + 1
    return start + column - 1


def slice_of(text: str, span: Span) -> str | None:
    a = offset(text, span.line, span.column)
    b = offset(text, span.end_line, span.end_column)
    if a is None or b is None or b < a:
        return None
    return text[a:b]
