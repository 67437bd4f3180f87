"""Front ends: from a file (or text) to Rulesets, one per address family."""

from __future__ import annotations

import contextlib
import gc
import re
from pathlib import Path

from fwlint.ast import Ruleset
from fwlint.extensions import Registry
from fwlint.parse.save import build_rulesets, parse_lines

_V6_NAME = re.compile(r"(\.v6$|(^|[_.-])ip6tables|6\.rules$|^rules6|\.ipv6$)")
_V6_HEADER = re.compile(r"^#.*\bip6tables-save\b", re.M)


_FREEZE_ABOVE = 100_000
"""Objects made in a no_gc block above which they are frozen when it ends (about 2,000 rules)."""


@contextlib.contextmanager
def no_gc():
    """Building an AST makes millions of objects that all live on; the cyclic collector
    would rescan them again and again for nothing (there are no cycles to find).

    After a big block the objects it made are moved out of the collector's sight
    (``gc.freeze``): otherwise the first collection after it walks them all (a second per
    50,000 rules), and later ones again.  Refcounting still frees them; only a reference
    cycle made in the block would stay until the process ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > _FREEZE_ABOVE:
                gc.freeze()
            gc.enable()


def family_from_name(path: str) -> int | None:
    """6 when the file name says so (rules.v6, ip6tables*, *6.rules), else None."""
    name = Path(path).name
    if _V6_NAME.search(name) and not name.endswith(".v4"):
        return 6
    if name.endswith(".v4") or name.startswith("iptables"):
        return 4
    return None


def detect_family(path: str, text: str) -> int:
    """The family of a single-family file: its name, then its header, else v4."""
    by_name = family_from_name(path)
    if by_name is not None:
        return by_name
    if _V6_HEADER.search(text[:4096]):
        return 6
    return 4


SOURCE_FORMATS = ("auto", "save", "script")
"""What a source may be read as: ``save`` (iptables-save / iptables-restore text), ``script`` (a
shell script calling iptables, see fwlint.parse.script), or ``auto``: a script when its content
says so (a shebang, iptables calls, a script's name with no save-file first line)."""


def source_format(path: str, text: str, requested: str = "auto") -> str:
    """``save`` or ``script``: how ``text`` is read."""
    if requested != "auto":
        return requested
    from fwlint.parse.script import looks_like_script

    return "script" if looks_like_script(path, _head(text)) else "save"


def _head(text: str) -> str:
    """``text`` up to its first line that is neither blank nor a comment, when that line is one
    an iptables-save file starts with (then fwlint.parse.script.looks_like_script reads no
    further, and needs not split the whole text into lines); else the whole text."""
    from fwlint.parse.script import _SAVE_LINE

    consumed = 0
    for line in text[:4096].splitlines(keepends=True):
        consumed += len(line)
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _SAVE_LINE.match(stripped) and consumed < 4096:
            return text[:consumed]
        break
    return text


def parse_text(text: str, path: str = "-", family: int | None = None,
               registry: Registry | None = None, source_format_name: str = "auto") -> list[Ruleset]:
    """Parse iptables-save text, or a firewall script; one Ruleset per family it is for."""
    if source_format(path, text, source_format_name) == "script":
        from fwlint.parse.script import parse_script

        with no_gc():
            return parse_script(text, path, family, registry)
    with no_gc():
        parsed = parse_lines(text, path)
        parsed.family_hint = detect_family(path, text)
        return build_rulesets(parsed, family, registry)


def parse_one(text: str, path: str = "-", family: int | None = None,
              registry: Registry | None = None) -> Ruleset:
    """Parse text as one family (its own, or ``family``)."""
    with no_gc():
        parsed = parse_lines(text, path)
        fam = family if family is not None else detect_family(path, text)
        return build_rulesets(parsed, fam, registry)[0]


def read_source(path: str) -> str:
    """A file's text: UTF-8, else Latin-1 (every byte kept either way)."""
    return read_source_encoding(path)[0]


def read_source_encoding(path: str) -> tuple[str, str]:
    """A file's text and the encoding it was read with ("utf-8" or "latin-1"), so that
    writing the text back in that encoding gives the same bytes."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
