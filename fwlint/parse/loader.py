"""Loading the Lark grammars from package data, compiled once and cached on disk.

What most callers take from a grammar is its terminals (the regular expressions the line reader
and the word scanner are built from): :func:`load` gives them from a small cache file of their
own, kept next to the compiled grammar, without importing Lark (a tenth of a second at start);
anything else asked of it loads the parser."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import fwlint


def grammar_dir() -> Path:
    """Where the .lark files are: inside the installed package, or the checkout's grammars/."""
    here = Path(fwlint.__file__).resolve().parent
    for candidate in (here / "grammars", here.parent / "grammars"):
        if (candidate / "iptables_save.lark").is_file():
            return candidate
    raise FileNotFoundError("fwlint's grammars are missing from the installation")


def _cache_file(name: str) -> str | bool:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "fwlint"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return str(folder / f"{name}-{fwlint.__version__}.lark-cache")


@functools.lru_cache(maxsize=None)
def load(name: str) -> Any:
    """The LALR parser (contextual lexer) for grammars/NAME.lark: its ``terminals`` come from
    their cache when it is of this grammar, this fwlint and this Lark; the rest loads it."""
    return _Grammar(name)


class _Terminal:
    """A terminal of a grammar as its cache keeps it: name, priority and regular expression."""

    def __init__(self, name: str, priority: int, regexp: str) -> None:
        self.name = name
        self.priority = priority
        self.pattern = self  # as a Lark terminal's pattern: to_regexp()
        self._regexp = regexp

    def to_regexp(self) -> str:
        return self._regexp


class _Grammar:
    def __init__(self, name: str) -> None:
        self._name = name
        self._parser: Any = None
        self._terminals: list | None = None

    @property
    def parser(self) -> Any:
        if self._parser is None:
            self._parser = open_parser(self._name)
        return self._parser

    @property
    def terminals(self) -> list:
        if self._terminals is None:
            self._terminals = _cached_terminals(self._name) or self.parser.terminals
        return self._terminals

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.parser, attribute)


def _stamp(name: str) -> list:
    """What the terminals of a grammar depend on: its text, fwlint's version, Lark's files."""
    import importlib.util

    spec = importlib.util.find_spec("lark")
    origin = spec.origin if spec is not None else None
    lark_file = os.stat(origin).st_mtime_ns if origin else None
    return [(grammar_dir() / f"{name}.lark").read_text(encoding="utf-8"), fwlint.__version__, origin,
            lark_file]


def _cached_terminals(name: str) -> list[_Terminal] | None:
    cache = _cache_file(f"{name}-terminals")
    if not cache:
        return None
    stamp = _stamp(name)
    try:
        with open(str(cache).replace(".lark-cache", ".json"), encoding="utf-8") as f:
            stored = json.load(f)
        if stored["stamp"] == stamp:
            return [_Terminal(*t) for t in stored["terminals"]]
    except (OSError, ValueError, KeyError, TypeError):
        stored = None  # no cache yet, or an unreadable one: built again below
    terminals = [_Terminal(t.name, t.priority, t.pattern.to_regexp()) for t in open_parser(name).terminals]
    target = str(cache).replace(".lark-cache", ".json")
    try:
        with open(f"{target}.{os.getpid()}", "w", encoding="utf-8") as f:
            json.dump({"stamp": stamp, "terminals": [[t.name, t.priority, t._regexp] for t in terminals]}, f)
        os.replace(f"{target}.{os.getpid()}", target)  # whole, for another process reading it
    except OSError:
        return terminals  # a cache directory that cannot be written: built again next time
    return terminals


def open_parser(name: str, transformer=None) -> Any:
    """A new parser for grammars/NAME.lark; with a transformer, it runs inline as lines reduce."""
    from lark import Lark

    path = grammar_dir() / f"{name}.lark"
    options = dict(parser="lalr", lexer="contextual", maybe_placeholders=False,
                   transformer=transformer)
    cache = _cache_file(name)
    try:
        return Lark.open(str(path), cache=cache, **options)
    except OSError:
        return Lark.open(str(path), **options)
