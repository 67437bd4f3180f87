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

CHAIN_PROPERTIES = frozenset({"type", "policy", "comment", "devices", "device", "flags", "define", "redefine",
                              "undefine"})
"""A chain block's statements that are no rule."""

NOT_RULESET = frozenset({"reset", "list", "monitor", "describe", "export", "import"})
"""Commands that are no part of a ruleset (``reset counters`` resets every table's)."""


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
    column: int = 1  # of the name, where first named
    chains: set[str] = field(default_factory=set)
    rules: int = 0
    filled: bool = False  # something was put in it (chains, sets, rules ...)
    mentions: int = 0  # commands and blocks that make or fill it (not those that delete it)
    flags: str | None = None  # `flags dormant` in its block

    @property
    def spec(self) -> str:
        return f"{self.family} {self.name}"


Place = tuple[int, int, int]
"""A command's place on its line: line, first column, the column after it."""


@dataclass
class NftFile:
    tables: dict[tuple[str, str], TableUse] = field(default_factory=dict)
    flush_ruleset: list[int] = field(default_factory=list)  # lines
    includes: list[tuple[int, int]] = field(default_factory=list)  # line, column
    not_ruleset: list[tuple[int, int, str]] = field(default_factory=list)  # line, column, the command's word
    table_comments: list[tuple[int, str]] = field(default_factory=list)  # line, table spec
    left_out: list[Place] = field(default_factory=list)  # what apply blanks (flush ruleset, own deletes)
    own_deletes: list[tuple[tuple[str, str], Place]] = field(default_factory=list)  # see read_nft
    _candidates: list[tuple[tuple[str, str], Place, int]] = field(default_factory=list)

    def table(self, family: str, name: str, line: int, column: int = 1) -> TableUse:
        key = (family, name)
        if key not in self.tables:
            self.tables[key] = TableUse(family, name, line, column)
        return self.tables[key]


def blanked(text: str, places: list[Place]) -> str:
    """``text`` with each place turned into spaces (line numbers and columns stay as they were)."""
    if not places:
        return text
    lines = text.split("\n")
    for line, start, end in places:
        row = lines[line - 1]
        lines[line - 1] = row[:start - 1] + " " * (end - start) + row[end - 1:]
    return "\n".join(lines)


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
    for words, brace, stop in _statements(toks, 0, len(toks)):
        _top_level(result, toks, words, brace, stop)
    # `delete table T` before T is filled, where the file makes T again after it: what `fwlint
    # translate` writes first, and what apply does itself; a table the file only deletes stays deleted
    result.own_deletes = [(key, place) for key, place, mentions in result._candidates
                          if result.tables[key].mentions > mentions]
    result.left_out.extend(place for _, place in result.own_deletes)
    return result


def _place(toks: list[Token], words: list[Token], stop: int) -> Place | None:
    """Where a command is, with the ``;`` that ends it; None when it is not on one line."""
    first, last = words[0], words[-1]
    end = last.column + len(last.text)
    if stop < len(toks) and toks[stop].text == ";" and toks[stop].line == last.line:
        end = toks[stop].column + 1
    if first.line != last.line:
        return None
    return first.line, first.column, end


def _top_level(result: NftFile, toks: list[Token], words: list[Token], brace: int | None, stop: int) -> None:
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
    if verb in NOT_RULESET:
        result.not_ruleset.append((first.line, first.column, verb))
        return
    if verb == "flush" and texts[1:2] == ["ruleset"]:
        place = _place(toks, words, stop)
        if place is None:
            raise NftFileError("`flush ruleset` over several lines", first.line, first.column)
        result.flush_ruleset.append(first.line)
        result.left_out.append(place)
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
        names = rest[1:]
        family_given = names[0] in FAMILIES and len(names) > 1
        name_token = words[(1 if command else 0) + 1 + (1 if family_given else 0)]
        table = result.table(*spec, name_token.line, name_token.column)
        if command in ("delete", "destroy"):
            place = _place(toks, words, stop)
            if not table.filled and place is not None:
                result._candidates.append(((table.family, table.name), place, table.mentions))
            return
        table.mentions += 1
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
        table.mentions += 1
        offset = 1 if names and names[0] in FAMILIES else 0
        if kind == "chain" and len(names) > offset + 1:
            table.chains.add(names[offset + 1])
            if brace is not None:
                table.rules += _chain_rules(result, toks, brace)
        elif kind == "rule" and command in ("add", "insert", "replace", None):
            table.rules += 1


def _table_block(result: NftFile, table: TableUse, toks: list[Token], brace: int) -> None:
    close = _matching(toks, brace)
    for words, inner, _ in _statements(toks, brace + 1, close):
        if not words:
            continue
        texts = [w.text for w in words]
        if texts[0] == "include":
            result.includes.append((words[0].line, words[0].column))
            continue
        if texts[0] == "comment":
            result.table_comments.append((words[0].line, table.spec))
            continue
        if texts[0] == "flags":
            table.flags = " ".join(texts[1:])
            continue
        table.filled = True
        if texts[0] == "chain" and len(texts) > 1:
            table.chains.add(texts[1].strip('"'))
            if inner is not None:
                table.rules += _chain_rules(result, toks, inner)


def _chain_rules(result: NftFile, toks: list[Token], brace: int) -> int:
    close = _matching(toks, brace)
    count = 0
    for words, _, _ in _statements(toks, brace + 1, close):
        if words and words[0].text == "include":
            result.includes.append((words[0].line, words[0].column))
        elif words and words[0].text not in CHAIN_PROPERTIES:
            count += 1
    return count
