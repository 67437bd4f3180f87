"""Splitting one command line into words, with the terminals of iptables_args.lark.

The save grammar hands each rule line over as one coarse token; this scanner
turns it into words with one compiled regex, built from the same terminal
definitions the grammar declares, so there is one source of truth for what an
option word, a ``!`` and a value are.
"""

from __future__ import annotations

import functools
import re

from fwlint.ast import Span, Word
from fwlint.parse.loader import load

_KINDS = {"OPTION": "option", "BANG": "bang", "VALUE": "value"}


@functools.lru_cache(maxsize=None)
def scanner() -> re.Pattern[str]:
    parser = load("iptables_args")
    terms = {t.name: t for t in parser.terminals}
    order = sorted(("OPTION", "BANG", "VALUE", "WS"), key=lambda n: -terms[n].priority)
    parts = [f"(?P<{n}>{terms[n].pattern.to_regexp()})" for n in order]
    parts.append(r"(?P<BAD>.)")
    return re.compile("|".join(parts))


class WordError(ValueError):
    def __init__(self, message: str, column_offset: int) -> None:
        super().__init__(message)
        self.column_offset = column_offset


class UnterminatedQuote(WordError):
    """A double quote that no quote closes on its line.  iptables-restore takes the rest of
    the line, its newline included, into that word and goes on with the next line; ``words``
    are the line's words read that way."""

    def __init__(self, message: str, column_offset: int, words: list[Word]) -> None:
        super().__init__(message, column_offset)
        self.words = words


def unquote(raw: str) -> str:
    """The word as iptables-restore passes it on: the quotes removed and, inside them,
    backslash escapes applied (outside quotes a backslash is an ordinary character)."""
    opening = raw.find('"')
    if opening == -1:
        return raw
    inner = raw[opening + 1:-1]
    if "\\" in inner:
        out = []
        escaped = False
        for ch in inner:
            if escaped:
                out.append(ch)
                escaped = False
            elif ch == "\\":
                escaped = True
            else:
                out.append(ch)
        inner = "".join(out)
    return raw[:opening] + inner


def split_words(text: str, file: str, line: int, column: int) -> list[Word]:
    """The words of ``text``, which starts at ``line``:``column`` of ``file``."""
    words: list[Word] = []
    append = words.append
    kinds = _KINDS
    for m in scanner().finditer(text):
        kind = m.lastgroup
        if kind == "WS":
            continue
        start, end = m.span()
        if kind == "BAD":
            ch = m.group()
            if ch == '"':
                open_at = start
                if words and words[-1].span.end_column == column + start and \
                        not words[-1].raw.endswith('"'):  # x"open: one word
                    start = words.pop().span.column - column
                rest = text[start:].rstrip("\r\n")
                append(Word(unquote(rest + '"') + "\n", text[start:].rstrip("\n"),
                            Span(file, line, column + start, line, column + start + len(rest)), "value"))
                raise UnterminatedQuote(
                    "unterminated double quote: iptables-restore takes the rest of the line, "
                    f"{text[open_at + 1:].rstrip(chr(13) + chr(10))!r} and the line end, into one word",
                    open_at, words)
            raise WordError(f"unexpected character {ch!r}", start)
        raw = m.group()
        append(Word(unquote(raw) if '"' in raw else raw, raw,
                    Span(file, line, column + start, line, column + end), kinds[kind]))  # type: ignore[index]
    return words
