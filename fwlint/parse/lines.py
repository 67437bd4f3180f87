"""Reading the lines of an iptables-save file without the LALR parser, where a line is plain.

grammars/iptables_save.lark stays the definition of a line.  Its grammar is regular line by
line (a table header, a chain declaration, COMMIT, a comment, a rule, or a blank line), so one
regular expression, assembled here from the grammar's own terminal definitions, recognises the
lines the parser would accept and yields the tokens it would make: same types, values, lines and
columns.  Each terminal stands in an atomic group, so it matches what the lexer's ``re.match``
matches at that position and is never cut shorter to make the line fit.

Any other line is handed to the Lark parser, together with just enough context that the parser
is in the state it would have reached on the whole file: after a good line (a ``#`` line standing
in for it, since the state after any line is the same) or, after a syntax error, at the start
(the parser restarts there).  So a syntax error gets exactly the message, position and expected
tokens a whole-file parse gives, and a line the fast path does not know is still read right.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Callable

from fwlint.parse.loader import load

if TYPE_CHECKING:
    from lark import Token

LarkLines = Callable[[str, str, int], tuple[list[tuple], list]]
"""``(text, path, base) -> (lines, problems)``: the grammar over ``text``, whose first line is
line ``base + 1`` of the file (fwlint.parse.save._lark_lines)."""

_STAND_IN = "#\n"  # a line after which the parser is in the state any good line leaves it in


@functools.lru_cache(maxsize=None)
def line_pattern(appends: bool = False) -> re.Pattern[str]:
    """One line of iptables-save input, with its newline, as the grammar reads it; the ``bad``
    group takes any line it does not describe.  ``appends``: a rule line that starts with
    ``-A CHAIN`` followed by a blank (CHAIN without quotes, backslashes or a leading ``!`` or
    ``-``) has the chain in an ``append`` group too (the lines matched are the same)."""
    terminals = {t.name: t.pattern.to_regexp() for t in load("iptables_save").terminals}

    def term(name: str) -> str:
        return f"(?>{terminals[name]})"

    blank = r"[ \t\r]*\n"  # _NL swallows blank lines (blanks and CRs only)
    end = r"[ \t\r]*\n"    # the _NL that ends a line; WS between tokens is [ \t]
    ws = r"[ \t]*"
    append = r"""(?=-A (?P<append>[^ \t\n"'\\!-][^ \t\n"'\\]*)[ \t\n])?""" if appends else ""
    content = "|".join((
        rf"\*{ws}(?P<table>{term('TABLE_NAME')}){end}",
        rf":{ws}(?P<chain>{term('CHAIN_NAME')}){ws}(?P<policy>{term('POLICY')})"
        rf"(?:{ws}(?P<chain_counters>{term('COUNTERS')}))?{end}",
        rf"(?P<commit>{term('COMMIT')}){end}",
        rf"(?P<comment>{term('COMMENT')})\n",
        rf"(?:(?P<rule_counters>{term('COUNTERS')}){ws})?{append}(?P<rule>{term('RULE_WORDS')})\n",
    ))
    return re.compile(rf"(?P<blank>{blank})|[ \t]*+(?:{content})|(?P<bad>[^\n]*)\n")


def _token(kind: str, value: str, start: int, line: int, line_start: int) -> Token:
    column = start - line_start + 1
    length = len(value)
    return _new_token(kind, value, start, line, column, line, column + length, start + length)


def _new_token(*args: object) -> Token:
    """lark's Token._future_new, imported when a token is first made (the skeleton of a big
    file, fwlint.parse.save.save_skeleton, makes none: Lark is not imported for it)."""
    global _new_token
    from lark import Token

    _new_token = Token._future_new
    return _new_token(*args)


def rule_tokens(m: re.Match[str], line: int) -> list[Token]:
    """The tokens of a rule line (a match of :func:`line_pattern` whose group is ``rule``, line
    ``line`` of the file): ``[words]`` or ``[counters, words]``."""
    at = m.start()
    words = _token("RULE_WORDS", m.group("rule"), m.start("rule"), line, at)
    if m.start("rule_counters") < 0:
        return [words]
    return [_token("COUNTERS", m.group("rule_counters"), m.start("rule_counters"), line, at), words]


def read_lines(text_nl: str, path: str, lark_lines: LarkLines) -> tuple[list[tuple], list]:
    """The lines of ``text_nl`` (ending with a newline) as fwlint.parse.save collects them:
    ``(kind, payload)`` in file order, and the syntax problems."""
    out: list[tuple] = []
    problems: list = []
    append = out.append
    # Where the parser stands at the next line: "start" (the file's start, or just after a
    # syntax error), else after a good line.
    after_good = False
    window_start: int | None = None  # the offset of the first line since the last good one
    window_line = 0
    line = 0
    for m in line_pattern().finditer(text_nl):
        line += 1
        kind = m.lastgroup
        if kind == "blank":
            if window_start is None:
                window_start, window_line = m.start(), line
            continue
        if kind == "bad":
            if window_start is None:
                window_start, window_line = m.start(), line
            window = text_nl[window_start:m.end()]
            if after_good:
                lines, found = lark_lines(_STAND_IN + window, path, window_line - 2)
                lines = lines[1:]  # the stand-in comment
            else:
                lines, found = lark_lines(window, path, window_line - 1)
            out.extend(lines)
            problems.extend(found)
            after_good = not found
            window_start = None
            continue
        window_start = None
        after_good = True
        at = m.start()
        if kind == "rule":
            append(("rule", rule_tokens(m, line)))
        elif kind == "comment":
            append(("comment", _token("COMMENT", m.group("comment"), m.start("comment"), line, at)))
        elif kind == "chain" or kind == "policy" or kind == "chain_counters":
            payload = [_token("CHAIN_NAME", m.group("chain"), m.start("chain"), line, at),
                       _token("POLICY", m.group("policy"), m.start("policy"), line, at)]
            if m.start("chain_counters") >= 0:
                payload.append(_token("COUNTERS", m.group("chain_counters"), m.start("chain_counters"),
                                      line, at))
            append(("chain", payload))
        elif kind == "table":
            append(("table", _token("TABLE_NAME", m.group("table"), m.start("table"), line, at)))
        else:
            append(("commit", _token("COMMIT", m.group("commit"), m.start("commit"), line, at)))
    return out, problems
