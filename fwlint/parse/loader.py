"""Loading the Lark grammars from package data, compiled once and cached on disk."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from lark import Lark

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
def load(name: str) -> Lark:
    """The LALR parser (contextual lexer) for grammars/NAME.lark."""
    return open_parser(name)


def open_parser(name: str, transformer=None) -> Lark:
    """A new parser for grammars/NAME.lark; with a transformer, it runs inline as lines reduce."""
    path = grammar_dir() / f"{name}.lark"
    options = dict(parser="lalr", lexer="contextual", maybe_placeholders=False,
                   transformer=transformer)
    cache = _cache_file(name)
    try:
        return Lark.open(str(path), cache=cache, **options)
    except OSError:
        return Lark.open(str(path), **options)
