"""What an nft file does, read at its top level: the tables it names, its chains and rules per
table, and the commands ``fwlint apply`` must not run as written.

This is no nft parser (libnftables is the judge of the syntax, and its dry run comes next):
it reads tokens (words, quoted strings, braces, ``;``, line ends, ``#`` comments, ``\\`` line
continuations) and the block structure, enough to know

- each table the file creates or changes (``table ip fwlint { ... }``, ``add table``, ``add rule
  ip fwlint ...``, ``delete table``; the family is ``ip`` when not given, as nft reads it);
- the chains and rules of each table (a block's statements; ``add rule``/``insert rule``), for
  the "what would change" summary;
- ``flush ruleset`` (it would delete every other tool's tables: apply leaves it out and says so);
- ``include`` (tables fwlint cannot see: refused);
- a ``delete table`` of the file's own table before anything was put in it (what ``fwlint
  translate`` writes first; apply deletes the table itself, in the same transaction);
- a table's own ``comment`` (apply's ownership mark takes its place: said).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")

OBJECT_BLOCKS = frozenset({"set", "map", "flowtable", "counter", "quota", "limit", "secmark", "synproxy"})
"""Named objects of a table whose ``NAME { ... }`` block holds no rules."""

CHAIN_PROPERTIES = frozenset({"type", "policy", "comment", "devices", "device", "flags"})
"""A chain block's statements that are no rule."""


@dataclass(frozen=True)
class Token:
    text: str
    line: int
    column: int
    kind: str  # word, string, open, close, end (";" or a line end)


@dataclass
class TableUse:
    """One table the file names: where first, and what it puts in it."""

    family: str
    name: str
    line: int
    chains: set[str] = field(default_factory=set)
    rules: int = 0
    filled: bool = False  # something was put in it (chains, sets, rules ...)

    @property
    def spec(self) -> str:
        return f"{self.family} {self.name}"


@dataclass
class NftFile:
    tables: dict[tuple[str, str], TableUse] = field(default_factory=dict)
    flush_ruleset: list[int] = field(default_factory=list)  # lines
    includes: list[tuple[int, int]] = field(default_factory=list)  # line, column
    own_deletes: list[int] = field(default_factory=list)  # lines of `delete table` apply does itself
    table_comments: list[tuple[int, str]] = field(default_factory=list)  # line, table spec
    left_out: set[int] = field(default_factory=set)  # lines apply blanks (flush ruleset, own deletes)

    def table(self, family: str, name: str, line: int) -> TableUse:
        key = (family, name)
        if key not in self.tables:
            self.tables[key] = TableUse(family, name, line)
        return self.tables[key]


class NftFileError(ValueError):
    """The file's structure cannot be followed (an unclosed brace or string)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


_TOKEN = re.compile(r'(?P<cont>\\\n)|(?P<end>\n)|(?P<space>[ \t\r]+)|(?P<comment>#[^\n]*)|(?P<string>"[^"\n]*")'
                    r'|(?P<open_string>")|(?P<brace>[{};])|(?P<word>(?:[^ \t\r\n{};"#\\]|\\(?!\n))+)')
_BRACES = {"{": "open", "}": "close", ";": "end"}


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    append = out.append
    line, line_start = 1, 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space" or kind == "comment":
            continue
        start = m.start()
        if kind == "end":
            append(Token("\n", line, start - line_start + 1, "end"))
            line, line_start = line + 1, m.end()
        elif kind == "cont":
            line, line_start = line + 1, m.end()
        elif kind == "word" or kind == "string":
            append(Token(m.group(), line, start - line_start + 1, kind))
        elif kind == "brace":
            c = m.group()
            append(Token(c, line, start - line_start + 1, _BRACES[c]))
        else:  # a quote with no closing quote on its line
            raise NftFileError("a string that is not closed on its line", line, start - line_start + 1)
    return out


def _statements(toks: list[Token], start: int, stop: int) -> list[tuple[list[Token], int | None, int]]:
    """The statements between ``start`` and ``stop`` (a block's inside): each statement's words up
    to its first ``{`` at this level, that brace's index (None: no block), and the index after it."""
    out = []
    i = start
    while i < stop:
        if toks[i].kind == "end":
            i += 1
            continue
        words: list[Token] = []
        brace = None
        while i < stop and toks[i].kind != "end":
            if toks[i].kind == "open":  # a block, or an anonymous set inside a rule
                brace = i if brace is None else brace
                i = _matching(toks, i) + 1
                continue
            if toks[i].kind == "close":
                raise NftFileError("a `}` that closes no block", toks[i].line, toks[i].column)
            words.append(toks[i])
            i += 1
        out.append((words, brace, i))
    return out


def _matching(toks: list[Token], open_index: int) -> int:
    depth = 0
    for j in range(open_index, len(toks)):
        if toks[j].kind == "open":
            depth += 1
        elif toks[j].kind == "close":
            depth -= 1
            if depth == 0:
                return j
    t = toks[open_index]
    raise NftFileError("a `{` that is never closed", t.line, t.column)


def _family_name(words: list[str]) -> tuple[str, str] | None:
    """``[family] name`` at the start of ``words``."""
    if words and words[0] in FAMILIES and len(words) > 1:
        return words[0], words[1].strip('"')
    if words:
        return "ip", words[0].strip('"')
    return None


def read_nft(text: str) -> NftFile:
    toks = tokens(text)
    result = NftFile()
    for words, brace, _ in _statements(toks, 0, len(toks)):
        _top_level(result, toks, words, brace)
    return result


def _top_level(result: NftFile, toks: list[Token], words: list[Token], brace: int | None) -> None:
    if not words:
        return
    texts = [w.text for w in words]
    first = words[0]
    verb = texts[0]
    if verb == "include":
        result.includes.append((first.line, first.column))
        return
    if verb in ("define", "redefine", "undefine"):
        return
    if verb == "flush" and texts[1:2] == ["ruleset"]:
        result.flush_ruleset.append(first.line)
        result.left_out.add(first.line)
        return
    command = verb if verb in ("add", "create", "insert", "replace", "delete", "destroy", "flush", "reset",
                               "list", "rename") else None
    rest = texts[1:] if command else texts
    if not rest:
        return
    kind = rest[0]
    if kind == "table":
        spec = _family_name(rest[1:])
        if spec is None:
            return
        table = result.table(*spec, first.line)
        if command in ("delete", "destroy"):
            if not table.filled and _alone_on_line(toks, words):
                result.own_deletes.append(first.line)
                result.left_out.add(first.line)
            return
        if brace is not None:
            _table_block(result, table, toks, brace)
        return
    if kind in ("chain", "rule", "set", "map", "element", "flowtable", "counter", "quota", "limit",
                "ct", "secmark", "synproxy"):
        names = rest[1:] if kind != "ct" else rest[2:]
        spec = _family_name(names)
        if spec is None:
            return
        table = result.table(*spec, first.line)
        if command in ("delete", "destroy", "list", "reset"):
            return
        table.filled = True
        offset = 1 if names and names[0] in FAMILIES else 0
        if kind == "chain" and len(names) > offset + 1:
            table.chains.add(names[offset + 1])
            if brace is not None:
                table.rules += _chain_rules(toks, brace)
        elif kind == "rule" and command in ("add", "insert", "replace", None):
            table.rules += 1


def _alone_on_line(toks: list[Token], words: list[Token]) -> bool:
    """No other statement shares the line of ``words`` (so that blanking the line leaves it out alone)."""
    line = words[0].line
    on_line = [t for t in toks if t.line == line and t.kind != "end"]
    return len(on_line) == len(words)


def _table_block(result: NftFile, table: TableUse, toks: list[Token], brace: int) -> None:
    close = _matching(toks, brace)
    for words, inner, _ in _statements(toks, brace + 1, close):
        if not words:
            continue
        texts = [w.text for w in words]
        if texts[0] == "comment":
            result.table_comments.append((words[0].line, table.spec))
            continue
        if texts[0] == "flags":
            continue
        table.filled = True
        if texts[0] == "chain" and len(texts) > 1:
            table.chains.add(texts[1].strip('"'))
            if inner is not None:
                table.rules += _chain_rules(toks, inner)


def _chain_rules(toks: list[Token], brace: int) -> int:
    close = _matching(toks, brace)
    count = 0
    for words, _, _ in _statements(toks, brace + 1, close):
        if words and words[0].text not in CHAIN_PROPERTIES:
            count += 1
    return count
