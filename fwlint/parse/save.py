"""The iptables-save / iptables-restore front end: text to Rulesets.

The Lark grammar (grammars/iptables_save.lark) reads the text line by line;
the transformer below collects each line as it is reduced, so that after a
syntax error parsing resumes on the next line and nothing before it is lost.
The builder then groups lines into tables (``*table`` ... ``COMMIT``) and
replays the commands (-A, -I, -D, -N, -P ...) into chains.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from fwlint.ast import BUILTIN_CHAINS, Chain, Comment, Counters, Rule, Ruleset, Span, SyntaxProblem, Table
from fwlint.extensions import Registry, default_registry, rule_key
from fwlint.parse.builder import CommandLine, build_command
from fwlint.parse.lines import line_pattern, read_lines
from fwlint.parse.loader import open_parser
from fwlint.parse.shapes import CommandCache
from fwlint.parse.words import UnterminatedQuote, WordError, split_words

if TYPE_CHECKING:
    from lark import Token
    from lark.exceptions import UnexpectedInput

_EXPECTED_WORDS = {
    "_NL": "the end of the line",
    "POLICY": "a policy (ACCEPT, DROP, or - for a user chain)",
    "COUNTERS": "counters [packets:bytes]",
    "CHAIN_NAME": "a chain name",
    "TABLE_NAME": "a table name",
    "COMMIT": "COMMIT",
    "RULE_WORDS": "a rule (-A CHAIN ...)",
    "COMMENT": "a # comment",
    "STAR": "*table",
    "COLON": ":CHAIN POLICY",
}


def _expected(names) -> tuple[str, ...]:
    out = []
    for n in sorted(names):
        word = _EXPECTED_WORDS.get(n)
        if word is None and n.startswith("__ANON"):
            continue
        out.append(word or n)
    return tuple(dict.fromkeys(out))


class _Collect:
    """Records each line as the parser reduces it (side effects survive a later error); made
    a lark Transformer when the parser is first needed (:func:`_parser`: Lark is imported
    then, not for the skeleton of a big file)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple] = []

    def table_header(self, children):
        self._ignored(children)
        self.lines.append(("table", children[0]))

    def chain_decl(self, children):
        self._ignored(children)
        self.lines.append(("chain", [c for c in children if c.type != "IGNORED"]))

    def _ignored(self, children):
        if children and children[-1].type == "IGNORED":
            self.lines.append(("ignored", children[-1]))

    def commit(self, children):
        self.lines.append(("commit", children[0]))

    def comment(self, children):
        self.lines.append(("comment", children[0]))

    def rule(self, children):
        self.lines.append(("rule", children))


@dataclass
class _ChainBuilder:
    name: str
    policy: str | None
    span: Span | None
    builtin: bool
    counters: Counters | None = None
    declared: bool = True
    rules: list[Rule] = field(default_factory=list)

    def freeze(self) -> Chain:
        return Chain(self.name, self.policy, tuple(self.rules), self.span, self.builtin,
                     self.counters, self.declared)


@dataclass
class _TableBuilder:
    name: str
    span: Span
    chains: dict[str, _ChainBuilder] = field(default_factory=dict)
    undeclared: list[Rule] = field(default_factory=list)
    commit_span: Span | None = None

    def freeze(self) -> Table:
        for name in BUILTIN_CHAINS.get(self.name, ()):
            if name not in self.chains:
                self.chains[name] = _ChainBuilder(name, "ACCEPT", None, True, declared=False)
        return Table(self.name, tuple(c.freeze() for c in self.chains.values()), self.span,
                     self.commit_span, tuple(self.undeclared))


def _lark_errors() -> Any:
    import lark.exceptions

    return lark.exceptions


def _counters(tok: Token, file: str) -> Counters:
    p, _, b = tok[1:-1].partition(":")
    return Counters(int(p), int(b), Span(file, tok.line, tok.column, tok.end_line, tok.end_column))


def _tok_span(tok: Token, file: str) -> Span:
    return Span(file, tok.line, tok.column, tok.end_line, tok.end_column)


@dataclass
class ParsedSave:
    """What the grammar made of a file, before it is split by family."""

    path: str
    lines: list[tuple]
    problems: list[SyntaxProblem]
    crlf_lines: tuple[int, ...]
    source: str
    has_family_prefix: bool = False
    family_hint: int | None = None


@functools.lru_cache(maxsize=None)
def _parser() -> tuple[Any, _Collect]:
    from lark import Transformer

    collect = type("_Collect", (_Collect, Transformer), {})()
    return open_parser("iptables_save", transformer=collect), collect


def parse_lines(text: str, path: str) -> ParsedSave:
    """Run the grammar over the whole text, resuming on the line after each bad one."""
    crlf = tuple(i + 1 for i, line in enumerate(text.split("\n")) if line.endswith("\r")) \
        if "\r\n" in text else ()
    text_nl = text if text.endswith("\n") else text + "\n"
    lines, problems = read_lines(text_nl, path, _lark_lines)
    problems.extend(_blank_problems(text, path))
    problems.sort(key=lambda p: (p.span.line, p.span.column))
    family_prefix = any(kind == "rule" and _starts_with_family(children[-1]) for kind, children in lines)
    return ParsedSave(path, lines, problems, crlf, text, family_prefix)


def _lark_lines(text_nl: str, path: str, base: int = 0) -> tuple[list[tuple], list[SyntaxProblem]]:
    """Run the grammar over ``text_nl`` (whose first line is line ``base + 1`` of the file),
    resuming on the line after each bad one.  fwlint.parse.lines.read_lines reads plain lines
    itself and hands the others to this (with what comes before them, so the parser is in the
    state it would be in on the whole file)."""
    parser, collect = _parser()
    problems: list[SyntaxProblem] = []
    lines: list[tuple] = []
    offset_line = 0
    remaining = text_nl
    line_starts: list[int] | None = None
    while True:
        collect.lines = []
        try:
            parser.parse(remaining)
            _shift(collect.lines, base + offset_line, lines)
            break
        except _lark_errors().UnexpectedInput as err:
            # The lines before the bad one were collected as the parser reduced them.
            _shift(collect.lines, base + offset_line, lines)
            bad_line = err.line if isinstance(err.line, int) and err.line > 0 else 1
            column = err.column if isinstance(err.column, int) and err.column > 0 else 1
            relative = bad_line + offset_line
            absolute = relative + base
            message, expected = _describe(err, remaining)
            problems.append(SyntaxProblem(message, Span(path, absolute, column, absolute, column + 1),
                                          expected))
            if line_starts is None:
                line_starts = [0]
                pos = text_nl.find("\n")
                while pos != -1:
                    line_starts.append(pos + 1)
                    pos = text_nl.find("\n", pos + 1)
            if relative >= len(line_starts) or line_starts[relative] >= len(text_nl):
                break
            remaining = text_nl[line_starts[relative]:]
            offset_line = relative
    return lines, problems


def _blank_problems(text: str, path: str) -> list[SyntaxProblem]:
    """Blanks where iptables-restore does not skip them.  It reads a line as a rule unless it
    is empty or starts, in its first column, with `#`, `*`, `:` or is exactly `COMMIT`; a rule
    line may have blanks around its words, no other line may (the grammar skips them)."""
    out: list[SyntaxProblem] = []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")  # a CR is FW115's
        stripped = line.strip(" \t")
        if not line or stripped.startswith(("-", "!", "[")):
            continue
        if not stripped:
            out.append(SyntaxProblem("a line of blanks only: iptables-restore refuses it (an empty "
                                     "line is fine)", Span(path, number, 1, number, len(line) + 1)))
        elif line[0] in " \t":
            width = len(line) - len(line.lstrip(" \t"))
            out.append(SyntaxProblem(f"blanks before {stripped.split()[0]!r}: iptables-restore reads "
                                     "*table, :chain, # comments and COMMIT only from the first "
                                     "column, and refuses this line", Span(path, number, 1, number,
                                                                           width + 1)))
        elif stripped == "COMMIT" and line != "COMMIT":
            out.append(SyntaxProblem("blanks after COMMIT: iptables-restore takes COMMIT only alone "
                                     "on its line, and refuses this one",
                                     Span(path, number, 7, number, len(line) + 1)))
    return out


def _starts_with_family(tok: Token) -> bool:
    return tok.startswith("-4 ") or tok.startswith("-6 ") or tok.startswith("--ipv4") \
        or tok.startswith("--ipv6")


def _shift(items: list[tuple], offset: int, out: list[tuple]) -> None:
    if offset == 0:
        out.extend(items)
        return
    for kind, payload in items:
        if isinstance(payload, list):
            payload = [_shift_tok(t, offset) for t in payload]
        else:
            payload = _shift_tok(payload, offset)
        out.append((kind, payload))


def _shift_tok(tok: Token, offset: int) -> Token:
    from lark import Token

    return Token(tok.type, tok.value, tok.start_pos, tok.line + offset, tok.column,
                 tok.end_line + offset, tok.end_column, tok.end_pos)


def _describe(err: UnexpectedInput, text: str) -> tuple[str, tuple[str, ...]]:
    end = text.find("\n", err.pos_in_stream if isinstance(err.pos_in_stream, int) else 0)
    start = text.rfind("\n", 0, max(0, err.pos_in_stream or 0)) + 1
    stripped = text[start:end if end != -1 else len(text)].strip()
    errors = _lark_errors()
    if isinstance(err, errors.UnexpectedCharacters):
        expected = _expected(err.allowed or ())
        ch = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        shown = repr(ch)
    elif isinstance(err, errors.UnexpectedToken):
        expected = _expected(err.expected or ())
        tok = err.token
        shown = "the end of the line" if tok.type == "_NL" else f"{str(tok)!r}"
    else:
        return "unexpected end of file", _expected(getattr(err, "expected", None) or ())
    if stripped.startswith(("{%", "{{", "{#")):
        return f"template syntax {stripped[:2]!r}: render the template before linting it", expected
    first = stripped.split(None, 1)[0] if stripped else ""
    if first.rsplit("/", 1)[-1] in ("iptables", "ip6tables", "iptables-legacy", "iptables-nft",
                                    "ip6tables-legacy", "ip6tables-nft", "sudo") \
            or first.startswith("$"):
        return (f"{first!r} starts a shell command: this is a firewall script, not an "
                "iptables-save file", expected)
    what = f"unexpected {shown}"
    if expected:
        what += ": expected " + _or(expected)
    return what, expected


def _or(items: tuple[str, ...]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def build_rulesets(parsed: ParsedSave, family: int | None = None,
                   registry: Registry | None = None) -> list[Ruleset]:
    """One Ruleset per family the file is for.

    ``family`` given: that family only.  Otherwise the file's own family (its
    name or header says v6, else v4); a file with -4/-6 line prefixes is for
    both, and gives one Ruleset each.
    """
    registry = registry or default_registry()
    if family is not None:
        families = [family]
    elif parsed.has_family_prefix:
        families = [4, 6]
    else:
        families = [parsed.family_hint or 4]
    return [_build(parsed, fam, registry, dual=parsed.has_family_prefix) for fam in families]


def _build(parsed: ParsedSave, family: int, registry: Registry, dual: bool) -> Ruleset:
    path = parsed.path
    problems = list(parsed.problems)
    comments: list[Comment] = []
    tables: list[Table] = []
    current: _TableBuilder | None = None
    commands = CommandCache(registry, path, family)

    def problem(message: str, span: Span) -> None:
        problems.append(SyntaxProblem(message, span))

    for kind, payload in parsed.lines:
        if kind == "comment":
            tok = payload
            comments.append(Comment(str(tok), _tok_span(tok, path)))
        elif kind == "ignored":
            problems.append(SyntaxProblem(f"iptables-restore ignores {str(payload)!r} here (it reads "
                                          "no further on this line)", _tok_span(payload, path),
                                          warning=True))
        elif kind == "table":
            tok = payload
            span = Span(path, tok.line, max(1, tok.column - 1), tok.end_line, tok.end_column)
            if current is not None:
                problem(f"*{tok} starts before the table *{current.name} has its COMMIT", span)
                tables.append(current.freeze())
            if str(tok) not in BUILTIN_CHAINS:
                problem(f"unknown table {str(tok)!r}: expected "
                        + _or(tuple(BUILTIN_CHAINS)), span)
            current = _TableBuilder(str(tok), span)
        elif kind == "chain":
            name_tok, policy_tok = payload[0], payload[1]
            counters = _counters(payload[2], path) if len(payload) > 2 else None
            span = Span(path, name_tok.line, max(1, name_tok.column - 1), name_tok.end_line,
                        (payload[-1]).end_column)
            if current is None:
                problem(f"chain :{name_tok} is declared outside any *table", span)
                continue
            name = str(name_tok)
            builtin = name in BUILTIN_CHAINS.get(current.name, ())
            policy = str(policy_tok)
            if builtin and policy not in ("ACCEPT", "DROP", "-"):  # -: the policy stays as it is
                problem(f"policy {policy!r} of {name}: a built-in chain's policy is ACCEPT or DROP",
                        _tok_span(policy_tok, path))
            elif not builtin and policy != "-":
                problem(f"user chain {name} cannot have a policy: write - instead of {policy}",
                        _tok_span(policy_tok, path))
            if name in current.chains and current.chains[name].declared:
                problem(f"chain {name} is declared twice in table {current.name}", span)
            current.chains[name] = _ChainBuilder(name, policy if builtin else None, span, builtin,
                                                 counters)
        elif kind == "commit":
            tok = payload
            if current is None:
                problem("COMMIT without a *table before it", _tok_span(tok, path))
                continue
            current.commit_span = _tok_span(tok, path)
            tables.append(current.freeze())
            current = None
        else:  # rule
            words_tok = payload[-1]
            counters = _counters(payload[0], path) if len(payload) > 1 else None
            start = payload[0] if counters else words_tok
            text = str(words_tok).rstrip()
            line_span = Span(path, start.line, start.column, words_tok.line,
                             words_tok.column + len(text))
            # once per shape of line (fwlint.parse.shapes); None when the words do not split
            cmd = commands.build(str(words_tok), words_tok.line, words_tok.column, line_span, text,
                                 counters)
            if cmd is None:
                try:
                    words = split_words(str(words_tok), path, words_tok.line, words_tok.column)
                except UnterminatedQuote as err:
                    col = words_tok.column + err.column_offset
                    problems.append(SyntaxProblem(str(err), Span(path, words_tok.line, col,
                                                                 words_tok.line, col + 1), warning=True))
                    words = err.words
                except WordError as err:
                    col = words_tok.column + err.column_offset
                    problem(str(err), Span(path, words_tok.line, col, words_tok.line, col + 1))
                    continue
                cmd = build_command(words, registry, line_span, text, counters, family)
            if cmd.family is not None and cmd.family != family:
                continue
            for message, span in cmd.problems:
                problem(message, span)
            for message, span in cmd.warnings:
                problems.append(SyntaxProblem(message, span, warning=True))
            for span in cmd.wait_options:
                problem("iptables-restore refuses -w and -W on a rule line (it takes them as its own "
                        "options: iptables-restore -w)", span)
            if cmd.exits:
                continue  # -h, -V: iptables-restore exits on this line
            if current is None:
                problem("rule outside any *table: add *filter (or the table it belongs to) above it",
                        line_span)
                continue
            if cmd.table is not None:  # refused even when it names the same table
                problem(f"-t {cmd.table} inside *{current.name}: iptables-restore refuses -t; it takes "
                        "the table from the *table line", line_span)
            _replay(cmd, current, problem, registry, family)

    if current is not None:
        end_line = parsed.source.count("\n") + (0 if parsed.source.endswith("\n") else 1)
        problem(f"table *{current.name} has no COMMIT: iptables-restore applies nothing from it",
                Span(path, max(1, end_line), 1, max(1, end_line), 1))
        tables.append(current.freeze())

    return Ruleset(path, family, tuple(tables), tuple(comments), tuple(problems),
                   parsed.crlf_lines, parsed.source, dual)


def _replay(cmd: CommandLine, table: _TableBuilder, problem, registry: Registry,
            family: int) -> None:
    """Apply one command to the table being built, as iptables-restore would."""
    if cmd.command is None:
        span = cmd.rule.span if cmd.rule else None
        if span is not None:
            problem("no command on this line: a rule starts with -A CHAIN (or -I, -D ...)", span)
        return
    chain_name = cmd.chain
    if cmd.command in ("append", "insert", "replace", "check", "delete") and chain_name is None:
        problem(f"-{cmd.command[0].upper()} needs a chain name", cmd.command_span)  # type: ignore[arg-type]
        return
    chain = table.chains.get(chain_name) if chain_name else None
    if chain is None and chain_name in BUILTIN_CHAINS.get(table.name, ()):
        chain = table.chains[chain_name] = _ChainBuilder(chain_name, "ACCEPT", None, True,
                                                         declared=False)
    rule = cmd.rule
    if cmd.command == "append":
        if chain is None:
            table.undeclared.append(rule)  # type: ignore[arg-type]
        else:
            chain.rules.append(rule)  # type: ignore[arg-type]
    elif cmd.command == "insert":
        if chain is None:
            table.undeclared.append(rule)  # type: ignore[arg-type]
        else:
            pos = (rule.position or 1) if rule else 1
            if pos > len(chain.rules) + 1:
                problem(f"-I {chain_name} {pos}: the chain has only {len(chain.rules)} rule(s)",
                        cmd.command_span)  # type: ignore[arg-type]
                pos = len(chain.rules) + 1
            chain.rules.insert(pos - 1, rule)  # type: ignore[arg-type]
    elif cmd.command == "replace":
        if chain is not None and rule is not None and rule.position \
                and rule.position <= len(chain.rules):
            chain.rules[rule.position - 1] = rule
        else:
            problem(f"-R {chain_name}: no such rule to replace", cmd.command_span)  # type: ignore[arg-type]
    elif cmd.command == "delete":
        if chain is None:
            problem(f"-D {chain_name}: no such chain", cmd.command_span)  # type: ignore[arg-type]
        elif cmd.args and cmd.args[0].text.isdigit():
            n = int(cmd.args[0].text)
            if 1 <= n <= len(chain.rules):
                del chain.rules[n - 1]
            else:
                problem(f"-D {chain_name} {n}: no such rule", cmd.command_span)  # type: ignore[arg-type]
        elif rule is not None:
            key = rule_key(rule, registry, family)
            for idx, existing in enumerate(chain.rules):
                if rule_key(existing, registry, family) == key:
                    del chain.rules[idx]
                    break
            else:
                problem(f"-D {chain_name}: no rule like this one to delete", cmd.command_span)  # type: ignore[arg-type]
    elif cmd.command == "new-chain":
        if chain_name in table.chains:
            problem(f"-N {chain_name}: the chain exists already", cmd.command_span)  # type: ignore[arg-type]
        else:
            table.chains[chain_name] = _ChainBuilder(chain_name, None, cmd.chain_span, False)  # type: ignore[index,arg-type]
    elif cmd.command == "policy":
        if chain is None or not chain.builtin:
            problem(f"-P {chain_name}: only built-in chains have a policy", cmd.command_span)  # type: ignore[arg-type]
        elif cmd.args:
            chain.policy = cmd.args[0].text
    elif cmd.command == "flush":
        targets = [chain] if chain is not None else list(table.chains.values()) if chain_name is None else []
        for c in targets:
            c.rules.clear()
    elif cmd.command == "delete-chain":
        if chain_name is None:
            for name in [n for n, c in table.chains.items() if not c.builtin]:
                del table.chains[name]
        elif chain is not None and not chain.builtin:
            del table.chains[chain_name]
        else:
            problem(f"-X {chain_name}: no such user chain", cmd.command_span)  # type: ignore[arg-type]
    elif cmd.command == "check" and rule is not None:
        key = rule_key(rule, registry, family)
        if chain is None or not any(rule_key(existing, registry, family) == key
                                    for existing in chain.rules):
            problem(f"-C {chain_name}: no rule like this one in the chain, so the check fails and "
                    "iptables-restore with it", cmd.command_span)  # type: ignore[arg-type]
    elif cmd.command == "rename-chain":
        if chain is not None and cmd.args:
            new = cmd.args[0].text
            chain.name = new
            table.chains = {(new if k == chain_name else k): v for k, v in table.chains.items()}
    # -L, -S, -Z, -C change nothing.


# --- a big file built in parts (fwlint.nft.split) ----------------------------------------------

_REFUSED_BLANKS = re.compile(r"^(?:[ \t]+(?:$|[^-!\[ \t\n])|COMMIT[ \t]+$)", re.MULTILINE)
"""A line :func:`_blank_problems` reports, in a text without CR."""


@dataclass
class Skeleton:
    """A save file's tables and chains, read without building its rules: in ``ruleset`` each
    rule stands as its number among the file's rule lines until built (:func:`build_rule`)."""

    ruleset: Ruleset
    lines: list[tuple[re.Match[str], int]]  # each rule line: its match of the line pattern, its number
    chains: list[str]  # the chain each rule line appends to, as its -A reads


def save_skeleton(text: str, path: str, family: int) -> Skeleton | None:
    """The skeleton of ``text`` read as ``family``, when its lines are all plain: every line one
    the line pattern reads (no syntax problem, no blanks iptables-restore refuses, no CR), each
    table named once and committed, its chains declared once with a good policy, and every rule
    line ``-A CHAIN ...`` inside a table.  Else None (the whole-file parse says what is wrong).

    What :func:`_build` makes of such a file is this skeleton with each rule built: provided
    each rule line builds into an append to its chain with no problem, which
    :func:`build_rule` checks."""
    if "\r" in text or _REFUSED_BLANKS.search(text):
        return None
    text_nl = text if text.endswith("\n") else text + "\n"
    tables: list[Table] = []
    seen: set[str] = set()
    comments: list[Comment] = []
    lines: list[tuple[re.Match[str], int]] = []
    chains: list[str] = []
    current: _TableBuilder | None = None
    line = 0
    last_name, chain = None, None  # the chain of the rule line before, while in one table
    for m in line_pattern(appends=True).finditer(text_nl):
        line += 1
        kind = m.lastgroup
        if kind == "rule":
            name = m.group("append")
            if name is None or current is None:
                return None
            index = len(lines)
            lines.append((m, line))
            chains.append(name)
            if name == last_name:
                chain.rules.append(index)  # type: ignore[union-attr]
                continue
            last_name = None
            chain = current.chains.get(name)
            if chain is None:
                if name in BUILTIN_CHAINS.get(current.name, ()):
                    chain = current.chains[name] = _ChainBuilder(name, "ACCEPT", None, True, declared=False)
                else:
                    current.undeclared.append(index)  # type: ignore[arg-type]
                    continue
            chain.rules.append(index)  # type: ignore[arg-type]
            last_name = name
            continue
        last_name = None  # a declaration may replace the chain
        if kind == "blank":
            continue
        # the spans _build makes of the tokens of the line (fwlint.parse.lines.read_lines)
        at = m.start() - 1
        if kind == "comment":
            comments.append(Comment(m.group("comment"), Span(path, line, m.start("comment") - at, line,
                                                             m.end("comment") - at)))
        elif kind == "table":
            name = m.group("table")
            if current is not None or name not in BUILTIN_CHAINS or name in seen:
                return None
            seen.add(name)
            current = _TableBuilder(name, Span(path, line, max(1, m.start("table") - at - 1), line,
                                               m.end("table") - at))
        elif kind in ("chain", "policy", "chain_counters"):
            if current is None:
                return None
            name, policy = m.group("chain"), m.group("policy")
            end = m.end("policy") - at
            counters = None
            if m.start("chain_counters") >= 0:
                written = m.group("chain_counters")
                packets, _, octets = written[1:-1].partition(":")
                end = m.end("chain_counters") - at
                counters = Counters(int(packets), int(octets),
                                    Span(path, line, m.start("chain_counters") - at, line, end))
            builtin = name in BUILTIN_CHAINS.get(current.name, ())
            if (policy not in ("ACCEPT", "DROP", "-") if builtin else policy != "-"):
                return None
            earlier = current.chains.get(name)
            if earlier is not None and (earlier.declared or earlier.rules):
                return None  # declared twice, or rules of a built-in chain dropped
            span = Span(path, line, max(1, m.start("chain") - at - 1), line, end)
            current.chains[name] = _ChainBuilder(name, policy if builtin else None, span, builtin, counters)
        elif kind == "commit":
            if current is None:
                return None
            current.commit_span = Span(path, line, m.start("commit") - at, line, m.end("commit") - at)
            tables.append(current.freeze())
            current = None
        else:
            return None
    if current is not None:
        return None
    crlf = ()  # no CR in the text
    return Skeleton(Ruleset(path, family, tuple(tables), tuple(comments), (), crlf, text, False),
                    lines, chains)


def build_rule(commands: CommandCache, skeleton: Skeleton, index: int) -> Rule | None:
    """Rule line ``index`` of a skeleton's file built as :func:`_build` builds it, or None when
    it is not what the skeleton took it for (an append to its chain, without a problem)."""
    m, line = skeleton.lines[index]
    path = skeleton.ruleset.path
    # as _build reads the tokens of the line (fwlint.parse.lines.rule_tokens), from the match
    at = m.start()
    raw = m.group("rule")
    column = m.start("rule") - at + 1
    text = raw.rstrip()
    counters_at = m.start("rule_counters")
    if counters_at < 0:
        counters = None
        line_span = Span(path, line, column, line, column + len(text))
    else:
        written = m.group("rule_counters")
        packets, _, octets = written[1:-1].partition(":")
        start = counters_at - at + 1
        counters = Counters(int(packets), int(octets), Span(path, line, start, line, start + len(written)))
        line_span = Span(path, line, start, line, column + len(text))
    cmd = commands.build(raw, line, column, line_span, text, counters)
    if cmd is None or cmd.command != "append" or cmd.chain != skeleton.chains[index] or cmd.rule is None \
            or cmd.family is not None or cmd.table is not None or cmd.problems or cmd.warnings \
            or cmd.wait_options or cmd.exits:
        return None
    return cmd.rule


def rule_span(skeleton: Skeleton, index: int) -> Span:
    """The span of rule line ``index`` (that of its rule, once built), and its text."""
    m, line = skeleton.lines[index]
    at = m.start()
    counters_at = m.start("rule_counters")
    start = counters_at if counters_at >= 0 else m.start("rule")
    end = m.start("rule") + len(m.group("rule").rstrip())
    return Span(skeleton.ruleset.path, line, start - at + 1, line, end - at + 1)


def filled(ruleset: Ruleset, rule_at: Callable[[int], Rule]) -> Ruleset:
    """A skeleton's ruleset with the rule ``rule_at(n)`` in the place of each number ``n``."""
    tables = []
    for table in ruleset.tables:
        chains = tuple(Chain(c.name, c.policy, tuple(rule_at(n) for n in c.rules), c.span,  # type: ignore[arg-type]
                             c.builtin, c.counters, c.declared) for c in table.chains)
        tables.append(Table(table.name, chains, table.span, table.commit_span,
                            tuple(rule_at(n) for n in table.undeclared_rules)))  # type: ignore[arg-type]
    return Ruleset(ruleset.path, ruleset.family, tuple(tables), ruleset.comments, ruleset.problems,
                   ruleset.crlf_lines, ruleset.source, ruleset.dual_family)
