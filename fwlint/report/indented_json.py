"""JSON text indented as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, faster.

The standard library encodes in C only without ``indent``; with it, every number, string and
bracket goes through a chain of Python generators, and a report of tens of thousands of findings
spends seconds there.  This writer walks the value once, handing strings to the same C escaper
the standard encoder uses, and gives the same text, character for character (tests compare the
two on every kind of value a report holds).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C escaper (ensure_ascii=False), as json uses
from typing import Any, Iterable, TextIO

_FLUSH_PARTS = 4096
"""dump() writes its pieces out each time this many have gathered: a report of tens of
thousands of findings is never held twice in memory."""


class Stream:
    """A list whose items are made while it is written (``Stream(result(d) for d in ...)``): a
    long list is never held whole.  dump() and dumps() write it as the list of its items."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def dumps(value: Any, indent: int = 2, level: int = 0) -> str:
    """``value`` (dicts with string keys, lists, tuples, strings, ints, floats, booleans, None) as
    ``json.dumps(value, indent=indent, ensure_ascii=False)`` gives it; with ``level``, as it
    stands that many levels deep in a larger value (its inner lines indented that much more)."""
    parts: list[str] = []
    _encode(value, level, " " * indent, parts, None)
    return "".join(parts)


def dump(value: Any, out: TextIO, indent: int = 2) -> None:
    """Write ``dumps(value, indent)`` to ``out``, piece by piece."""
    parts: list[str] = []
    _encode(value, 0, " " * indent, parts, out)
    out.write("".join(parts))


def _scalar(value: Any) -> str | None:
    """A value that is not a container, as JSON; None for a container."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if isinstance(value, (dict, list, tuple, Stream)):
        return None
    # floats, int and str subclasses (an IntEnum), anything else: as the standard encoder says
    return json.dumps(value, ensure_ascii=False)


def _encode(value: Any, level: int, indent: str, parts: list[str], out: TextIO | None) -> None:
    append = parts.append
    if isinstance(value, dict):
        if not value:
            append("{}")
            return
        between = ",\n" + indent * (level + 1)
        separator = "{" + between[1:]
        for key, item in value.items():
            if type(key) is not str:
                key = _key(key)
            item_kind = type(item)
            if item_kind is str:
                append(f"{separator}{encode_basestring(key)}: {encode_basestring(item)}")
            elif item_kind is int:
                append(f"{separator}{encode_basestring(key)}: {int.__repr__(item)}")
            else:
                append(f"{separator}{encode_basestring(key)}: ")
                text = _scalar(item)
                if text is None:
                    _encode(item, level + 1, indent, parts, out)
                else:
                    append(text)
            separator = between
        append("\n" + indent * level + "}")
    elif isinstance(value, (list, tuple, Stream)):
        between = ",\n" + indent * (level + 1)
        separator = "[" + between[1:]
        empty = True
        for item in value.items if isinstance(value, Stream) else value:
            empty = False
            append(separator)
            text = _scalar(item)
            if text is None:
                _encode(item, level + 1, indent, parts, out)
            else:
                append(text)
            separator = between
            if out is not None and len(parts) > _FLUSH_PARTS:
                out.write("".join(parts))
                parts.clear()
        append("[]" if empty else "\n" + indent * level + "]")
    else:
        text = _scalar(value)
        append(text if text is not None else json.dumps(value, ensure_ascii=False))


def _key(key: Any) -> str:
    """A dict key that is not a string, converted as the standard encoder converts it (a number,
    a boolean or None; anything else raises TypeError as json.dumps does)."""
    if isinstance(key, str):
        return str.__str__(key)
    return next(iter(json.loads(json.dumps({key: 0}))))
