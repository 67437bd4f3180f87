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
                raise WordError("unterminated double quote: no closing \" on this line", start)
            raise WordError(f"unexpected character {ch!r}", start)
        raw = m.group()
        append(Word(unquote(raw) if '"' in raw else raw, raw,
                    Span(file, line, column + start, line, column + end), kinds[kind]))  # type: ignore[index]
    return words
