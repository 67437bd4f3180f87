"""The firewall-script front end: a shell script calling iptables, read as the rulesets it builds.

The script is read by :mod:`fwlint.parse.shell` and walked in textual order:

* variables assigned literal values (``WAN=eth0``, ``export``, ``readonly``, ``local``,
  ``declare``, ``${NAME:-default}``, ``$(which iptables)``) are expanded in later commands, with
  the shell's quoting and field splitting; anything else (a function argument, the output of a
  command, a variable never assigned, an array) stays as the placeholder written (``$WAN``),
  marked on the rule (``Rule.unresolved``, ``Option.unresolved``) and reported (FW504);
* ``iptables``/``ip6tables`` (``-legacy``, ``-nft``), by path, after ``sudo``/``env``/``exec``,
  or through a variable, are built with the same word classes and option model as save-file
  lines (:mod:`fwlint.parse.builder`) and replayed (:mod:`fwlint.parse.script_replay`); a rule
  keeps the script's span, its options point into the script (at the variable reference
  when a value came from one);
* ``iptables-restore`` with a here-document, ``< FILE`` or a file argument: the text is read
  with the save-file grammar, at the script's lines (a file relative to the script's folder);
* ``for`` loops over known words are unrolled; the bodies of functions, ``if``, ``case`` and
  ``while`` are read once in textual order, with a note that control flow is not followed
  (FW505);
* listing commands (``-L``, ``-S``, ``-n``, ``-v``) and ``-C`` change nothing and are skipped;
  a misspelt ``iptabls`` is noted (FW501).
"""

from __future__ import annotations

import ast as python_ast
import dataclasses
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from fwlint.ast import (Comment, Option, Rule, Ruleset, ScriptFacts, ScriptNote, Span, SyntaxProblem,
                        Word)
from fwlint.extensions import Registry, default_registry
from fwlint.parse.builder import build_command
from fwlint.parse.commands import CORE_SHORT
from fwlint.parse.loader import load
from fwlint.parse.save import parse_lines
from fwlint.parse.script_replay import Refusal, Replay, RestoreOptions, TableState
from fwlint.parse.shell import (Compound, Lexer, Part, Redirect, ShellSyntaxError, ShellWord, SimpleCommand,
                                parse_script_text)
from fwlint.parse.words import UnterminatedQuote, WordError, split_words

IPTABLES_COMMANDS: dict[str, int] = {
    "iptables": 4, "iptables-legacy": 4, "iptables-nft": 4,
    "ip6tables": 6, "ip6tables-legacy": 6, "ip6tables-nft": 6,
}
RESTORE_COMMANDS: dict[str, int] = {
    "iptables-restore": 4, "iptables-legacy-restore": 4, "iptables-nft-restore": 4,
    "ip6tables-restore": 6, "ip6tables-legacy-restore": 6, "ip6tables-nft-restore": 6,
}
SAVE_COMMANDS = frozenset({"iptables-save", "iptables-legacy-save", "iptables-nft-save",
                           "ip6tables-save", "ip6tables-legacy-save", "ip6tables-nft-save"})
# Real commands close in spelling to iptables, never to be taken for a misspelling of it.
RELATED_COMMANDS = frozenset({
    "ebtables", "ebtables-save", "ebtables-restore", "ebtables-legacy", "ebtables-nft",
    "arptables", "arptables-save", "arptables-restore", "arptables-legacy", "arptables-nft",
    "xtables-multi", "xtables-legacy-multi", "xtables-nft-multi", "xtables-monitor",
    "xtables-translate", "iptables-translate", "ip6tables-translate", "iptables-restore-translate",
    "ip6tables-restore-translate", "iptables-apply", "ip6tables-apply", "iptables-xml", "nft",
    "ipset", "ip", "ipvsadm", "iptables-legacy-multi",
})
KNOWN_COMMANDS = frozenset(IPTABLES_COMMANDS) | frozenset(RESTORE_COMMANDS) | SAVE_COMMANDS
DECLARATIONS = frozenset({"export", "readonly", "local", "declare", "typeset"})
MAX_COMMANDS = 200_000  # commands run (loops unrolled) before fwlint stops reading
MAX_SOURCE_DEPTH = 8

_SHEBANG = re.compile(r"#![^\n]*\b(?:sh|bash|dash|ksh|mksh|zsh|ash|busybox)\b")
_IPT_WORD = r"(?:[\w./-]*/)?ip6?tables(?:-legacy|-nft)?(?:-restore)?"
_INVOCATION = re.compile(
    rf"(?:^|[\s;&|(`]){_IPT_WORD}(?=[ \t]+[-<!]|[ \t]*(?:<|\||;|&|$))"
    r"|(?:^|[\s;&|(`])\"?\$\{?IP6?T[A-Za-z0-9_]*\}?\"?[ \t]+-", re.M)
_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#[^\n]*")
_SCRIPT_NAMES = re.compile(r"(\.(sh|bash)$|^rc\.firewall|^firewall)")
_SAVE_LINE = re.compile(r"[*:\[!-]|COMMIT\b")
_IPT_VARIABLE = re.compile(r"(?i)^(ip6?t(ables)?[0-9]?)(_?(cmd|bin|binary|exe|path|prog))?$")
_SSH_VARIABLE = re.compile(r"(?i)ssh")
_CLUSTER = re.compile(r"-[A-Za-z]{2,}")
_POSITIONAL = frozenset("@*#0123456789")


# --- is it a script? ----------------------------------------------------------------------------

def calls_iptables(text: str) -> bool:
    """Whether the text runs iptables, ip6tables or iptables-restore (comments left aside)."""
    return _INVOCATION.search(_COMMENT.sub("", text)) is not None


def looks_like_script(path: str, text: str) -> bool:
    """Whether ``text`` is a shell script rather than iptables-save text.

    A shebang says so; a first line (comments left aside) that an iptables-save file starts
    with (``*table``, ``:CHAIN``, ``-A``, ``COMMIT``) says not; otherwise a script's name
    (``*.sh``, ``rc.firewall*``, ``firewall*``) or a call of iptables in the text says so."""
    head = text[:4096]
    if _SHEBANG.match(head):
        return True
    for line in _lines_lazily(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _SAVE_LINE.match(stripped):
            return False
        break
    else:
        return bool(_SCRIPT_NAMES.search(Path(path).name))
    return bool(_SCRIPT_NAMES.search(Path(path).name)) or calls_iptables(text)


def _lines_lazily(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time (the first one is all most callers read: a big file
    is not split whole for it); a line keeps a ``\r`` before its ``\n``."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end]
        start = end + 1


# --- values and fields ---------------------------------------------------------------------------

@dataclass
class Value:
    """A variable's value: its text, or None when the script gives no literal value (``reason``)."""

    text: str | None
    reason: str = ""
    span: Span | None = None


@dataclass
class Piece:
    text: str
    span: Span
    splittable: bool  # an unquoted expansion: split into fields on blanks
    unresolved: str | None = None  # the variable name when this is a placeholder
    expansion: bool = False
    raw: str = ""  # the expansion as written ($IPT)


@dataclass
class ShellField:
    """One argument as the command receives it."""

    text: str
    span: Span
    raw: str
    unresolved: tuple[str, ...] = ()
    from_expansion: bool = False


def _join_spans(first: Span, last: Span) -> Span:
    return Span(first.file, first.line, first.column, last.end_line, last.end_column)


def _save_quote(text: str) -> str:
    if text and not any(c.isspace() or c in "\"'\\" for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=None)
def _word_classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The OPTION and BANG terminals of grammars/iptables_args.lark, for whole words."""
    terms = {t.name: t for t in load("iptables_args").terminals}
    return (re.compile(terms["OPTION"].pattern.to_regexp()),
            re.compile(terms["BANG"].pattern.to_regexp()))


def word_kind(text: str) -> str:
    option, bang = _word_classes()
    if bang.fullmatch(text):
        return "bang"
    if option.fullmatch(text):
        return "option"
    return "value"


def _evaluate_arithmetic(expr: str) -> int | None:
    try:
        tree = python_ast.parse(expr.replace("/", "//"), mode="eval")
    except SyntaxError:
        return None

    def ev(node) -> int:
        if isinstance(node, python_ast.Expression):
            return ev(node.body)
        if isinstance(node, python_ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, python_ast.UnaryOp) and isinstance(node.op, (python_ast.USub, python_ast.UAdd)):
            v = ev(node.operand)
            return -v if isinstance(node.op, python_ast.USub) else v
        if isinstance(node, python_ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            ops = {python_ast.Add: lambda: a + b, python_ast.Sub: lambda: a - b,
                   python_ast.Mult: lambda: a * b,
                   python_ast.FloorDiv: lambda: int(a / b), python_ast.Mod: lambda: a % b}
            fn = ops.get(type(node.op))
            if fn is None or (b == 0 and type(node.op) in (python_ast.FloorDiv, python_ast.Mod)):
                raise ValueError
            return fn()
        raise ValueError

    try:
        return ev(tree)
    except (ValueError, RecursionError, TypeError):
        return None


# --- the reader ----------------------------------------------------------------------------------

@dataclass
class _Construct:
    kind: str
    span: Span
    message: str
    counts: bool = True  # control flow fwlint does not follow (an unrolled loop does not count)
    used: bool = False


@dataclass
class _Use:
    span: Span
    reason: str
    as_command: bool = False


class ScriptReader:
    """Walks a script's commands in textual order and replays the iptables ones."""

    def __init__(self, registry: Registry, replay: Replay, main_path: str) -> None:
        self.registry = registry
        self.replay = replay
        self.main_path = main_path
        self.vars: dict[str, Value] = {}
        self.functions: set[str] = set()
        self.notes: list[ScriptNote] = []
        self.problems: list[SyntaxProblem] = []
        self.comments: list[Comment] = []
        self.sources: dict[str, str] = {}
        self.unread_sources: list[str] = []
        self.uses: dict[str, list[_Use]] = {}
        self.constructs: list[_Construct] = []
        self.function_names: list[str] = []
        self.management_ports: set[int] = set()
        self.stopped = False
        self.budget = MAX_COMMANDS
        self.texts: dict[str, str] = {}
        self.depth = 0
        self._locals_stack: list[dict[str, Value | None]] = []
        self._last_reasons: dict[str, str] = {}

    # --- reading files --------------------------------------------------------------------------

    def read(self, text: str, path: str) -> None:
        self.texts[path] = text
        parsed = parse_script_text(text, path)
        if path == self.main_path:
            self.comments.extend(Comment(c.text, c.span) for c in parsed.comments)
        if parsed.error is not None:
            self.problems.append(SyntaxProblem(f"shell syntax: {parsed.error}", parsed.error.span))
        self._collect_functions(parsed.nodes)
        self.walk(parsed.nodes)

    def _collect_functions(self, nodes: list) -> None:
        for node in nodes:
            if isinstance(node, Compound):
                if node.kind == "function":
                    self.functions.add(node.name)
                self._collect_functions(node.body)

    # --- walking --------------------------------------------------------------------------------

    def walk(self, nodes: list) -> None:
        for node in nodes:
            if self.stopped:
                return
            if isinstance(node, SimpleCommand):
                self.budget -= 1
                if self.budget < 0:
                    if self.budget == -1:
                        self.problems.append(SyntaxProblem(
                            f"the script runs more than {MAX_COMMANDS} commands (loops unrolled): "
                            "fwlint stops reading it here", node.span))
                    self.stopped = True
                    return
                self.simple(node)
            else:
                self.compound(node)

    def compound(self, node: Compound) -> None:
        kind = node.kind
        if kind in ("group", "test"):
            self.walk(node.body)
            return
        if kind == "subshell":
            saved = dict(self.vars)
            self.walk(node.body)
            self.vars = saved
            return
        if kind == "for" and node.words is not None:
            fields = self.expand_words(node.words)
            if all(not f.unresolved for f in fields):
                self.constructs.append(_Construct("for", node.span, "", counts=False))
                try:
                    for f in fields:
                        if self.stopped:
                            break
                        self.vars[node.name] = Value(f.text, span=node.name_span)
                        self.walk(node.body)
                finally:
                    self.constructs.pop()
                return
            shown = " ".join(w.raw for w in node.words)
            self.vars[node.name] = Value(None, f"the variable of the for loop at line {node.span.line}, "
                                               f"over words fwlint cannot expand ({shown})",
                                         node.name_span)
            message = (f"the words of this for loop ({shown}) are not known, so its body is read "
                       f"once with ${node.name} unknown")
        elif kind in ("for", "select"):
            self.vars[node.name] = Value(None, f"the variable of the {kind} loop at line "
                                               f"{node.span.line}, over the script's arguments",
                                         node.name_span)
            message = f"the body of this {kind} loop is read once, with ${node.name} unknown"
        elif kind == "function":
            message = (f"function {node.name} is read once, where it is defined; fwlint does not "
                       "follow calls to it")
        elif kind == "if":
            message = "every branch of this if is read, in textual order; fwlint does not evaluate conditions"
        elif kind == "case":
            message = ("every branch of this case is read, in textual order; fwlint does not evaluate "
                       "which one runs")
        elif kind in ("while", "until"):
            message = f"the body of this {kind} loop is read once; fwlint does not evaluate its condition"
        elif kind == "arith-for":
            message = "the body of this for (( ... )) loop is read once; fwlint does not evaluate it"
        else:
            self.walk(node.body)
            return
        construct = _Construct(kind, node.span, message)
        self.constructs.append(construct)
        saved_locals: dict[str, Value | None] | None = None
        if kind == "function":
            self.function_names.append(node.name)
            saved_locals = {}
            self._locals_stack.append(saved_locals)
        try:
            self.walk(node.body)
        finally:
            self.constructs.pop()
            if kind == "function":
                self.function_names.pop()
                self._locals_stack.pop()
                for name, old in (saved_locals or {}).items():
                    if old is None:
                        self.vars.pop(name, None)
                    else:
                        self.vars[name] = old
        if construct.used and not any(c.counts for c in self.constructs):
            self.notes.append(ScriptNote(
                "control-flow", message + ": the tables are those the script builds when each of "
                "its commands runs once, top to bottom",
                node.name_span if kind == "function" and node.name_span else node.span,
                subject=node.name or kind))

    def mark_iptables_here(self) -> None:
        for c in self.constructs:
            if c.counts:
                c.used = True
                return

    # --- expansion --------------------------------------------------------------------------------

    def lookup(self, part: Part) -> tuple[str | None, str]:
        """The value of a variable part, or None and why it is unknown."""
        name = part.text
        if part.op == "other":
            return None, f"{part.raw} is a form of expansion fwlint does not evaluate"
        if name in _POSITIONAL or name in ("?", "$", "!", "-"):
            if name in ("?", "$", "!", "-"):
                return None, f"${name} is only known when the script runs"
            if self.function_names:
                return None, f"an argument of function {self.function_names[-1]}"
            return None, "an argument of the script"
        value = self.vars.get(name)
        if part.op == "#":
            if value is not None and value.text is not None:
                return str(len(value.text)), ""
            return None, value.reason if value is not None else self._never_assigned(name)
        is_set = value is not None
        is_empty = value is not None and value.text == ""
        if part.op in (":-", "-", ":=", "="):
            use_default = (not is_set) or (part.op.startswith(":") and is_empty)
            if use_default:
                text, why = self.expand_parts_text(part.arg or [])
                if part.op in (":=", "=") and text is not None:
                    self.vars[name] = Value(text, span=part.span)
                return text, why
        elif part.op in (":+", "+"):
            use_alt = is_set and not (part.op.startswith(":") and is_empty)
            if not use_alt:
                return "", ""
            if value is not None and value.text is None and part.op == ":+":
                return None, value.reason
            return self.expand_parts_text(part.arg or [])
        if value is None:
            return None, self._never_assigned(name)
        if value.text is None:
            return None, value.reason
        return value.text, ""

    def _never_assigned(self, name: str) -> str:
        why = "never assigned in the script"
        if self.unread_sources:
            shown = ", ".join(self.unread_sources[:2])
            why += f"; it may come from the environment, or from {shown}, which the script sources"
        return why

    def command_substitution(self, text: str) -> tuple[str | None, str]:
        words = re.sub(r"\d*>>?\s*\S+|\d*>&\d|<\s*\S+", " ", text).split()
        if len(words) == 2 and words[0] in ("which", "whence"):
            return words[1], ""
        if len(words) == 3 and words[:2] in (["command", "-v"], ["type", "-p"], ["type", "-P"],
                                             ["which", "-a"]):
            return words[2], ""
        shown = " ".join(text.split())
        if len(shown) > 40:
            shown = shown[:37] + "..."
        return None, f"the output of `{shown}`"

    def part_value(self, part: Part) -> tuple[str | None, str]:
        if part.kind == "lit":
            return part.text, ""
        if part.kind == "var":
            return self.lookup(part)
        if part.kind == "cmdsub":
            return self.command_substitution(part.text)
        if part.kind == "arith":
            expr = part.text

            def known(m: re.Match) -> str:
                value = self.vars.get(m.group(1) or m.group(2) or m.group(3))
                if value is not None and value.text is not None and value.text.strip().lstrip("-").isdigit():
                    return value.text.strip()
                return "?"
            replaced = re.sub(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)|\b([A-Za-z_]\w*)\b", known, expr)
            result = _evaluate_arithmetic(replaced) if "?" not in replaced else None
            if result is None:
                return None, f"the arithmetic $(({expr.strip()}))"
            return str(result), ""
        if part.kind == "array":
            return None, "an array"
        return None, "an expansion fwlint does not evaluate"

    def expand_parts_text(self, parts: list[Part]) -> tuple[str | None, str]:
        out = []
        for part in parts:
            text, why = self.part_value(part)
            if text is None:
                return None, why
            out.append(text)
        return "".join(out), ""

    def pieces(self, word: ShellWord) -> tuple[list[Piece], bool]:
        """The word's parts with their values; and whether any part was quoted."""
        pieces: list[Piece] = []
        quoted = False
        for part in word.parts:
            if part.quoted:
                quoted = True
            if part.kind == "lit":
                pieces.append(Piece(part.text, part.span, False))
                continue
            text, why = self.part_value(part)
            name = part.text if part.kind == "var" else part.raw
            if text is None:
                pieces.append(Piece(part.raw, part.span, False, unresolved=name, expansion=True,
                                    raw=part.raw))
                self._last_reasons[name] = why
                continue
            pieces.append(Piece(text, part.span, not part.quoted, expansion=True, raw=part.raw))
        return pieces, quoted

    def expand_word(self, word: ShellWord, split: bool = True) -> list[ShellField]:
        pieces, quoted = self.pieces(word)
        fields: list[ShellField] = []
        current: list[Piece] = []
        current_text: list[str] = []
        has_quoted = False

        def close() -> None:
            nonlocal current, current_text, has_quoted
            if current and (any(current_text) or has_quoted):
                fields.append(self._field("".join(current_text), current, word))
            current, current_text, has_quoted = [], [], False

        for piece, part in zip(pieces, word.parts):
            if piece.splittable and split:
                chunks = re.split(r"[ \t\n]+", piece.text)
                for i, chunk in enumerate(chunks):
                    if i > 0:
                        close()
                    if chunk:
                        current.append(piece)
                        current_text.append(chunk)
                continue
            current.append(piece)
            current_text.append(piece.text)
            if part.quoted:
                has_quoted = True
        close()
        return fields

    def _field(self, text: str, pieces: list[Piece], word: ShellWord) -> ShellField:
        unresolved = tuple(dict.fromkeys(p.unresolved for p in pieces if p.unresolved))
        distinct = list(dict.fromkeys(id(p) for p in pieces))
        expansion = any(p.expansion for p in pieces)
        if len(distinct) == 1 and pieces[0].expansion:
            span = pieces[0].span
        elif not expansion and len(word.parts) == len(pieces):
            span = word.span if all(not p.quoted for p in word.parts) else \
                _join_spans(pieces[0].span, pieces[-1].span)
        else:
            span = _join_spans(pieces[0].span, pieces[-1].span)
        if not expansion and len(word.parts) == len(pieces):
            raw = word.raw
        elif len(distinct) == 1 and pieces[0].expansion:
            raw = pieces[0].raw
        else:
            raw = text
        return ShellField(text, span, raw, unresolved, expansion)

    def expand_words(self, words: list[ShellWord]) -> list[ShellField]:
        out: list[ShellField] = []
        for w in words:
            out.extend(self.expand_word(w))
        return out

    # --- simple commands --------------------------------------------------------------------------

    def assign(self, word: ShellWord, local_scope: bool = False) -> None:
        split = _split_assignment(word)
        if split is None:
            return
        name, op, parts = split
        if local_scope and self._locals_stack:
            scope = self._locals_stack[-1]
            if name not in scope:
                scope[name] = self.vars.get(name)
        if any(p.kind == "array" for p in parts):
            self.vars[name] = Value(None, "an array", word.span)
            return
        text, why = self.expand_parts_text(parts)
        if op == "+=":
            old = self.vars.get(name)
            if old is not None and (old.text is None or text is None):
                self.vars[name] = Value(None, why or old.reason, word.span)
                return
            text = (old.text if old is not None and old.text else "") + (text or "")
        if text is None:
            self.vars[name] = Value(None, why, word.span)
            return
        self.vars[name] = Value(text, span=word.span)
        if _SSH_VARIABLE.search(name):
            for item in re.split(r"[\s,]+", text.strip()):
                if item.isdigit() and 0 < int(item) <= 65535:
                    self.management_ports.add(int(item))

    def simple(self, node: SimpleCommand) -> None:
        self._last_reasons = {}
        if not node.words:
            for a in node.assignments:
                self.assign(a)
            return
        first = node.words[0].plain
        if first in DECLARATIONS:
            self.declaration(first, node.words[1:])
            return
        fields = self.expand_words(node.words)
        fields = _strip_wrappers(fields)
        if not fields:
            return
        head = fields[0]
        if head.unresolved:
            var = head.unresolved[0]
            family = _iptables_variable_family(var)
            if family is not None:
                reason = self._last_reasons.get(var) or self._never_assigned(var)
                self.uses.setdefault(var, []).append(_Use(head.span, reason, as_command=True))
                self.iptables(fields, family, node)
            return
        name = head.text.rsplit("/", 1)[-1]
        if name in IPTABLES_COMMANDS:
            self.iptables(fields, IPTABLES_COMMANDS[name], node)
        elif name in RESTORE_COMMANDS:
            self.restore(fields, RESTORE_COMMANDS[name], node)
        elif name in SAVE_COMMANDS or name in RELATED_COMMANDS:
            return
        elif name == "unset":
            for f in fields[1:]:
                if not f.text.startswith("-"):
                    self.vars.pop(f.text, None)
        elif name in ("read", "mapfile", "readarray", "getopts"):
            for f in fields[1:]:
                if re.fullmatch(r"[A-Za-z_]\w*", f.text):
                    self.vars[f.text] = Value(None, f"read by `{name}` when the script runs", f.span)
        elif name in (".", "source") and len(fields) > 1:
            self.source(fields[1], node)
        elif name == "exit":
            if node.top_level and not node.conditional and not node.piped_in and not self.constructs:
                self.stopped = True
        elif name not in self.functions:
            self.misspelled(head, name)

    def declaration(self, builtin: str, words: list[ShellWord]) -> None:
        is_array = False
        for w in words:
            literal = w.literal
            if literal is not None and literal.startswith("-"):
                if "a" in literal or "A" in literal:
                    is_array = True
                continue
            split = _split_assignment(w)
            if split is None:
                if literal is not None and re.fullmatch(r"[A-Za-z_]\w*", literal) and builtin == "local":
                    if self._locals_stack and literal not in self._locals_stack[-1]:
                        self._locals_stack[-1][literal] = self.vars.get(literal)
                    self.vars[literal] = Value("", span=w.span)
                continue
            scoped = builtin in ("local", "declare", "typeset") and bool(self.function_names)
            self.assign(w, local_scope=scoped)
            if is_array:
                self.vars[split[0]] = Value(None, "an array", w.span)

    def misspelled(self, head: ShellField, name: str) -> None:
        from fwlint.lint.facts import close_names

        if len(name) < 5 or name in RELATED_COMMANDS:
            return
        suggestions = close_names(name, KNOWN_COMMANDS)
        if not suggestions:
            return
        best = " or ".join(suggestions)
        via = f" ({head.raw} is {head.text})" if head.from_expansion else ""
        self.notes.append(ScriptNote(
            "misspelled-command",
            f"{name}{via}: command not found; did you mean {best}? The shell skips this command, "
            f"so it changes nothing", head.span, subject=name, suggestions=tuple(suggestions)))

    def source(self, target: ShellField, node: SimpleCommand) -> None:
        shown = target.text
        if target.unresolved or not shown:
            self.unread_sources.append(target.raw)
            self.notes.append(ScriptNote("input-not-read", f"the script sources {target.raw}, which "
                                         "fwlint cannot name: what it sets is unknown", target.span,
                                         subject=target.raw))
            return
        path = self._relative(shown)
        if path is None or not os.path.isfile(path) or self.depth >= MAX_SOURCE_DEPTH:
            self.unread_sources.append(shown)
            why = ("an absolute path names a file on the machine the script runs on"
                   if os.path.isabs(shown) else "there is no such file beside the script")
            self.notes.append(ScriptNote("input-not-read", f"the script sources {shown}, which fwlint "
                                         f"does not read ({why}): the variables it sets are unknown",
                                         target.span, subject=shown))
            return
        try:
            from fwlint.parse import read_source

            text = read_source(path)
        except OSError as exc:
            self.unread_sources.append(shown)
            self.notes.append(ScriptNote("input-not-read", f"the script sources {shown}, which cannot "
                                         f"be read ({exc.strerror or exc})", target.span, subject=shown))
            return
        self.sources[path] = text
        self.depth += 1
        try:
            self.read(text, path)
        finally:
            self.depth -= 1

    def _relative(self, name: str) -> str | None:
        if os.path.isabs(name):
            return None
        base = os.path.dirname(self.main_path) if self.main_path not in ("-", "") else "."
        return os.path.join(base, name) if base else name

    # --- iptables ---------------------------------------------------------------------------------

    def to_words(self, fields: list[ShellField]) -> list[Word]:
        words: list[Word] = []
        for f in fields:
            text = f.text
            if _CLUSTER.fullmatch(text) and all(ch in CORE_SHORT for ch in text[1:]) and \
                    word_kind(text) == "option":
                literal = f.span.end_column - f.span.column == len(text) and f.span.line == f.span.end_line
                for i, ch in enumerate(text[1:]):
                    span = Span(f.span.file, f.span.line, f.span.column + 1 + i, f.span.line,
                                f.span.column + 2 + i) if literal else f.span
                    words.append(Word("-" + ch, "-" + ch, span, "option"))
                continue
            words.append(Word(text, f.raw, f.span, word_kind(text)))
        return words

    def iptables(self, fields: list[ShellField], family: int, node: SimpleCommand) -> None:
        head, args = fields[0], fields[1:]
        for f in args:
            t = f.text
            if t in ("-L", "--list", "-S", "--list-rules", "-h", "--help", "-V", "--version", "-C",
                     "--check") or (_CLUSTER.fullmatch(t) and ("L" in t or "S" in t)
                                    and all(ch in CORE_SHORT for ch in t[1:])):
                return
        span = _join_spans(head.span, args[-1].span if args else head.span)
        text = " ".join(_save_quote(f.text) for f in args)
        cmd = build_command(self.to_words(args), self.registry, span, text)
        if cmd.command in ("list", "list-rules", "check"):
            return
        self.mark_iptables_here()
        self.record_uses(args)
        for message, where in cmd.problems:
            self.problems.append(SyntaxProblem(message, where))
        for message, where in cmd.warnings:
            self.problems.append(SyntaxProblem(message, where, warning=True))
        if cmd.exits:
            return  # -h, -V: iptables prints and exits, the command does nothing
        if cmd.command is None:
            self.problems.append(SyntaxProblem(
                f"{head.text.rsplit('/', 1)[-1]} without a command (-A, -I, -D, -N, -P ...): "
                "iptables refuses it", span))
            return
        if cmd.family is not None and cmd.family != family:
            self.problems.append(SyntaxProblem(
                f"-{cmd.family} given to {head.text.rsplit('/', 1)[-1]}, the IPv{family} command: "
                "iptables refuses it", span))
            return
        placeholders = {f.span: f.unresolved for f in args if f.unresolved}
        table_field = _value_after(args, ("-t", "--table"))
        if table_field is not None and table_field.unresolved:
            return  # which table is not known: the FW504 note says so
        if cmd.chain_span is not None and cmd.chain_span in placeholders and \
                cmd.chain is not None and cmd.chain.startswith(("$", "`")):
            return  # which chain is not known
        if cmd.rule is not None and placeholders:
            cmd.rule = _mark_unresolved(cmd.rule, placeholders)
        self.replay.run(cmd, family, cmd.table or "filter", span,
                        table_field.span if table_field is not None else None)

    def record_uses(self, fields: list[ShellField]) -> None:
        for f in fields:
            for name in f.unresolved:
                reason = self._last_reasons.get(name) or self._never_assigned(name)
                self.uses.setdefault(name, []).append(_Use(f.span, reason))

    # --- iptables-restore ----------------------------------------------------------------------------

    def restore(self, fields: list[ShellField], family: int, node: SimpleCommand) -> None:
        head = fields[0]
        command = head.text.rsplit("/", 1)[-1]
        options = RestoreOptions()
        file_arg: ShellField | None = None
        i = 1
        while i < len(fields):
            t = fields[i].text
            if t in ("-n", "--noflush"):
                options.noflush = True
            elif t in ("-t", "--test"):
                options.test = True
            elif t in ("-T", "--table") and i + 1 < len(fields):
                options.only_table = fields[i + 1].text
                i += 1
            elif t.startswith("--table="):
                options.only_table = t.split("=", 1)[1]
            elif t in ("-W", "--wait-interval", "-M", "--modprobe"):
                i += 1
            elif t in ("-w", "--wait") and i + 1 < len(fields) and fields[i + 1].text.isdigit():
                i += 1
            elif t in ("-h", "--help", "-V", "--version"):
                return
            elif not t.startswith("-"):
                file_arg = fields[i]
            i += 1
        heredoc = next((r for r in reversed(node.redirects) if r.op in ("<<", "<<-")
                        and r.fd in ("", "0") and r.heredoc is not None), None)
        infile = next((r for r in reversed(node.redirects) if r.op == "<" and r.fd in ("", "0")), None)
        herestring = next((r for r in reversed(node.redirects) if r.op == "<<<"), None)
        if heredoc is not None and heredoc.heredoc is not None:
            self.restore_heredoc(heredoc, family, options)
            return
        source: ShellField | None = file_arg
        if source is None and infile is not None and infile.target is not None:
            expanded = self.expand_word(infile.target, split=False)
            source = expanded[0] if expanded else None
        if source is not None:
            self.restore_file(source, command, family, options)
            return
        where = herestring.span if herestring is not None else head.span
        how = "a here-string" if herestring is not None else \
            "a pipe" if node.piped_in else "its standard input"
        self.notes.append(ScriptNote("input-not-read", f"{command} reads {how} here, which fwlint "
                                     "does not follow: the rules it loads are unknown", where,
                                     subject=command))

    def restore_file(self, source: ShellField, command: str, family: int, options: RestoreOptions) -> None:
        if source.unresolved:
            self.notes.append(ScriptNote("input-not-read", f"{command} reads {source.raw}, a file "
                                         "fwlint cannot name: the rules it loads are unknown",
                                         source.span, subject=source.raw))
            return
        path = self._relative(source.text)
        if path is None or not os.path.isfile(path):
            why = ("an absolute path names a file on the machine the script runs on"
                   if path is None else "there is no such file beside the script")
            self.notes.append(ScriptNote("input-not-read", f"{command} reads {source.text}, which "
                                         f"fwlint does not read ({why}): the rules it loads are "
                                         "unknown", source.span, subject=source.text))
            return
        try:
            from fwlint.parse import read_source

            text = read_source(path)
        except OSError as exc:
            self.notes.append(ScriptNote("input-not-read", f"{command} reads {source.text}, which "
                                         f"cannot be read ({exc.strerror or exc})", source.span,
                                         subject=source.text))
            return
        self.sources[path] = text
        self.mark_iptables_here()
        self.restore_text(text, path, 1, family, options, None)

    def restore_heredoc(self, redirect: Redirect, family: int, options: RestoreOptions) -> None:
        doc = redirect.heredoc
        assert doc is not None
        path = redirect.span.file
        self.mark_iptables_here()
        if not doc.closed:
            self.problems.append(SyntaxProblem(
                f"here-document <<{doc.delimiter} is not closed: no line {doc.delimiter} after it",
                redirect.span))
        text = self.texts.get(path, "")
        if doc.quoted or "$" not in doc.body and "`" not in doc.body:
            self.restore_text(doc.body, path, doc.body_line, family, options, None)
            return
        expanded, mapping = self._expand_heredoc(text, doc.body_start, doc.body_start + len(doc.body),
                                                 path, doc.body_line)
        self.restore_text(expanded, path, doc.body_line, family, options, mapping)

    def _expand_heredoc(self, text: str, start: int, end: int, path: str, first_line: int
                        ) -> tuple[str, _LineMap]:
        """An unquoted here-document's body with its expansions done, and where each character
        of the result came from."""
        lexer = Lexer(text[:end], path)
        out: list[str] = []
        mapping = _LineMap()
        line = first_line
        col = 1
        pos = start
        while pos < end:
            c = text[pos]
            if c == "\\" and pos + 1 < end and text[pos + 1] in "$`\\":
                out.append(text[pos + 1])
                mapping.add(line, col, col + 2)
                pos += 2
                col += 2
                continue
            part = None
            if c in "$`":
                lexer.pos = pos
                try:
                    part = lexer._dollar(quoted=True) if c == "$" else lexer._backquote(quoted=True)
                except ShellSyntaxError:  # an unterminated expansion is text here
                    part = None
            if part is not None:
                value, why = self.part_value(part)
                width = part.span.end_column - part.span.column if part.span.line == part.span.end_line \
                    else 1
                name = part.text if part.kind == "var" else part.raw
                if value is None or "\n" in value:
                    value = part.raw if "\n" not in part.raw else f"${name}"
                    self._last_reasons[name] = why or "a value spanning several lines"
                    mapping.placeholder(line, len(out_line(out)), len(value), part.span, name)
                for ch in value:
                    out.append(ch)
                    mapping.add(line, col, col + width)
                pos = lexer.pos
                col += width
                continue
            out.append(c)
            if c == "\n":
                mapping.end_line(line, col)
                line += 1
                col = 1
            else:
                mapping.add(line, col, col + 1)
                col += 1
            pos += 1
        return "".join(out), mapping

    def restore_text(self, body: str, path: str, first_line: int, family: int, options: RestoreOptions,
                     mapping: _LineMap | None) -> None:
        if options.test:
            return
        padded = "\n" * (first_line - 1) + body
        parsed = parse_lines(padded, path)
        remap = mapping.span if mapping is not None else (lambda s: s)
        problems = [SyntaxProblem(p.message, remap(p.span), p.expected) for p in parsed.problems]
        self.problems.extend(problems)
        first_problem = min((p.span.line for p in problems), default=None)
        replay = self.replay
        current: TableState | None = None
        saved: TableState | None = None
        skipping = False
        failed = False
        for kind, payload in parsed.lines:
            if kind == "comment":
                if path == self.main_path:
                    self.comments.append(Comment(str(payload), remap(_tok_span(payload, path))))
                continue
            if kind == "ignored":
                self.problems.append(SyntaxProblem(
                    f"iptables-restore ignores {str(payload)!r} here (it reads no further on this line)",
                    remap(_tok_span(payload, path)), warning=True))
                continue
            if failed:
                continue
            if kind == "table":
                tok = payload
                span = remap(Span(path, tok.line, max(1, tok.column - 1), tok.end_line, tok.end_column))
                if replay.exact and first_problem is not None and tok.line > first_problem:
                    failed = True
                    continue
                if current is not None:
                    self.problems.append(SyntaxProblem(
                        f"*{tok} starts before the table *{current.name} has its COMMIT", span))
                    if replay.exact:
                        replay.abandon_restore_table(family, current, saved)
                        failed = True
                        continue
                name = str(tok)
                skipping = options.only_table is not None and name != options.only_table
                if skipping:
                    current = None
                    continue
                current, saved = replay.begin_restore_table(family, name, span, options)
                if current is None and replay.exact:
                    failed = True
                continue
            if skipping:
                if kind == "commit":
                    skipping = False
                continue
            if kind == "chain":
                name_tok, policy_tok = payload[0], payload[1]
                span = remap(Span(path, name_tok.line, max(1, name_tok.column - 1), name_tok.end_line,
                                  payload[-1].end_column))
                if current is None:
                    self.problems.append(SyntaxProblem(f"chain :{name_tok} is declared outside any *table",
                                                       span))
                    failed = failed or replay.exact
                    continue
                ok = replay.declare_chain(family, current, str(name_tok), str(policy_tok), span,
                                          remap(_tok_span(policy_tok, path)), options)
                if not ok and replay.exact:
                    replay.abandon_restore_table(family, current, saved)
                    current = None
                    failed = True
                continue
            if kind == "commit":
                tok = payload
                if current is None:
                    self.problems.append(SyntaxProblem("COMMIT without a *table before it",
                                                       remap(_tok_span(tok, path))))
                    continue
                if replay.exact and first_problem is not None and first_problem <= tok.line:
                    replay.abandon_restore_table(family, current, saved)
                    failed = True
                current = None
                continue
            # a rule line
            words_tok = payload[-1]
            try:
                words = split_words(str(words_tok), path, words_tok.line, words_tok.column)
            except UnterminatedQuote as err:
                col = words_tok.column + err.column_offset
                self.problems.append(SyntaxProblem(str(err), remap(Span(path, words_tok.line, col,
                                                                        words_tok.line, col + 1)),
                                                   warning=True))
                words = err.words
            except WordError as err:
                col = words_tok.column + err.column_offset
                self.problems.append(SyntaxProblem(str(err), remap(Span(path, words_tok.line, col,
                                                                        words_tok.line, col + 1))))
                if replay.exact and current is not None:
                    replay.abandon_restore_table(family, current, saved)
                    current = None
                    failed = True
                continue
            start = payload[0] if len(payload) > 1 else words_tok
            line_text = str(words_tok).rstrip()
            line_span = remap(Span(path, start.line, start.column, words_tok.line,
                                   words_tok.column + len(line_text)))
            placeholders: dict[Span, tuple[str, ...]] = {}
            if mapping is not None:
                words = [Word(w.text, w.raw, remap(w.span), w.kind) for w in words]
                for w in words:
                    names = mapping.placeholders_in(w.span)
                    if names:
                        placeholders[w.span] = names
                        for n in names:
                            self.uses.setdefault(n, []).append(
                                _Use(w.span, self._last_reasons.get(n) or self._never_assigned(n)))
            cmd = build_command(words, self.registry, line_span, line_text)  # counters mean nothing here
            for message, where in cmd.problems:
                self.problems.append(SyntaxProblem(message, where))
            for message, where in cmd.warnings:
                self.problems.append(SyntaxProblem(message, where, warning=True))
            for where in cmd.wait_options:
                self.problems.append(SyntaxProblem(
                    "iptables-restore refuses -w and -W on a rule line (it takes them as its own "
                    "options: iptables-restore -w)", where))
            if cmd.exits:
                continue  # -h, -V: iptables-restore exits on this line
            if current is None:
                self.problems.append(SyntaxProblem(
                    "rule outside any *table: add *filter (or the table it belongs to) above it", line_span))
                failed = failed or replay.exact
                continue
            if cmd.table is not None:  # refused even when it names the same table
                self.problems.append(SyntaxProblem(
                    f"-t {cmd.table} inside *{current.name}: iptables-restore refuses -t; it takes the "
                    "table from the *table line", line_span))
            if cmd.rule is not None and placeholders:
                cmd.rule = _mark_unresolved(cmd.rule, placeholders)
            ok = replay.restore_rule(cmd, family, current, line_span)
            if not ok and replay.exact:
                replay.abandon_restore_table(family, current, saved)
                current = None
                failed = True
        if current is not None:
            end_line = padded.count("\n") + (0 if padded.endswith("\n") else 1)
            self.problems.append(SyntaxProblem(
                f"table *{current.name} has no COMMIT: iptables-restore applies nothing from it",
                remap(Span(path, max(1, end_line), 1, max(1, end_line), 1))))
            if replay.exact:
                replay.abandon_restore_table(family, current, saved)

    # --- the notes at the end ------------------------------------------------------------------------

    def unresolved_notes(self) -> list[ScriptNote]:
        notes = []
        for name, uses in self.uses.items():
            first = uses[0]
            shown = f"${name}" if not name.startswith(("$", "`")) else name
            commands = sum(1 for u in uses if u.as_command)
            if commands:
                message = (f"{shown} is not known ({first.reason}): the commands it starts are read as "
                           f"{'ip6tables' if _iptables_variable_family(name) == 6 else 'iptables'}, "
                           "from its name")
            else:
                n = len(uses)
                message = (f"{shown} is not known ({first.reason}): its placeholder stands in "
                           f"{n} value{'s' if n != 1 else ''} of the rules, taken as unknown")
            related = tuple(dict.fromkeys(u.span for u in uses[1:] if u.span != first.span))[:50]
            notes.append(ScriptNote("unresolved-variable", message, first.span, subject=name,
                                    related=related))
        return notes


class _LineMap:
    """Where each character of an expanded here-document came from, line by line."""

    def __init__(self) -> None:
        self.starts: dict[int, list[int]] = {}
        self.ends: dict[int, list[int]] = {}
        self.line_end: dict[int, int] = {}
        self.holes: dict[int, list[tuple[int, int, Span, str]]] = {}

    def add(self, line: int, start_col: int, end_col: int) -> None:
        self.starts.setdefault(line, []).append(start_col)
        self.ends.setdefault(line, []).append(end_col)

    def end_line(self, line: int, col: int) -> None:
        self.line_end[line] = col

    def placeholder(self, line: int, offset: int, width: int, span: Span, name: str) -> None:
        self.holes.setdefault(line, []).append((offset + 1, offset + 1 + width, span, name))

    def column(self, line: int, col: int, end: bool = False) -> int:
        starts = self.starts.get(line)
        if not starts:
            return col
        if end:
            if col - 2 < len(starts) and col >= 2:
                return self.ends[line][col - 2]
            return self.line_end.get(line, self.ends[line][-1])
        if col - 1 < len(starts):
            return starts[col - 1]
        return self.line_end.get(line, self.ends[line][-1])

    def span(self, span: Span) -> Span:
        return Span(span.file, span.line, self.column(span.line, span.column),
                    span.end_line, self.column(span.end_line, span.end_column, end=True))

    def placeholders_in(self, span: Span) -> tuple[str, ...]:
        names = []
        for _start, _end, hole, name in self.holes.get(span.line, ()):
            if hole.line == span.line and hole.column < span.end_column and span.column < hole.end_column:
                names.append(name)
        return tuple(dict.fromkeys(names))


def out_line(out: list[str]) -> list[str]:
    """The characters of the line being built (after the last newline)."""
    for i in range(len(out) - 1, -1, -1):
        if out[i] == "\n":
            return out[i + 1:]
    return out


def _tok_span(tok, path: str) -> Span:
    return Span(path, tok.line, tok.column, tok.end_line, tok.end_column)


def _split_assignment(word: ShellWord) -> tuple[str, str, list[Part]] | None:
    if not word.parts or word.parts[0].kind != "lit" or word.parts[0].quoted:
        return None
    first = word.parts[0]
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\+?=)", first.text)
    if not m:
        return None
    rest = first.text[m.end():]
    parts: list[Part] = []
    if rest:
        s = first.span
        parts.append(Part("lit", rest, rest, False, Span(s.file, s.line, s.column + m.end(), s.end_line,
                                                         s.end_column)))
    parts.extend(word.parts[1:])
    return m.group(1), m.group(2), parts


_SUDO_ARGS = frozenset({"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "-R", "-T", "--user",
                        "--group", "--close-from", "--host", "--prompt", "--role", "--type",
                        "--other-user", "--chdir", "--chroot", "--command-timeout"})


def _strip_wrappers(fields: list[ShellField]) -> list[ShellField]:
    """The command line without ``sudo``, ``env``, ``exec`` ... in front of the real command."""
    while fields:
        base = fields[0].text.rsplit("/", 1)[-1]
        i = 1
        if base in ("sudo", "doas"):
            while i < len(fields) and fields[i].text.startswith("-"):
                opt = fields[i].text
                i += 1
                if opt == "--":
                    break
                if opt in _SUDO_ARGS or (base == "doas" and opt in ("-u", "-C")):
                    i += 1
            while i < len(fields) and re.match(r"[A-Za-z_]\w*=", fields[i].text):
                i += 1
        elif base == "env":
            while i < len(fields):
                t = fields[i].text
                if t == "--":
                    i += 1
                    break
                if t in ("-u", "--unset", "-C", "--chdir", "-S", "--split-string"):
                    i += 2
                elif t.startswith("-") or re.match(r"[A-Za-z_]\w*=", t):
                    i += 1
                else:
                    break
        elif base == "command":
            if any(f.text in ("-v", "-V") for f in fields[1:3]):
                return []
            while i < len(fields) and fields[i].text == "-p":
                i += 1
        elif base in ("exec", "nohup", "time"):
            while i < len(fields) and fields[i].text.startswith("-"):
                i += 2 if fields[i].text == "-a" else 1
        elif base == "nice":
            while i < len(fields) and fields[i].text.startswith("-"):
                i += 2 if fields[i].text == "-n" else 1
        elif base == "ionice":
            while i < len(fields) and fields[i].text.startswith("-"):
                i += 2 if fields[i].text in ("-c", "-n", "-p", "-P", "-u") else 1
        elif base == "timeout":
            while i < len(fields) and fields[i].text.startswith("-"):
                i += 2 if fields[i].text in ("-s", "-k", "--signal", "--kill-after") else 1
            i += 1  # the duration
        else:
            return fields
        fields = fields[i:]
    return fields


def _iptables_variable_family(name: str) -> int | None:
    """4 or 6 when a variable's name says it holds the iptables command ($IPT, ${IPTABLES},
    $IP6TABLES, $IPTABLES_CMD), else None."""
    m = _IPT_VARIABLE.match(name)
    if not m:
        return None
    return 6 if "6" in m.group(1) else 4


def _value_after(fields: list[ShellField], names: tuple[str, ...]) -> ShellField | None:
    for i, f in enumerate(fields[:-1]):
        if f.text in names:
            return fields[i + 1]
    return None


def _mark_option(opt: Option, placeholders: dict[Span, tuple[str, ...]]) -> Option:
    if any(s in placeholders for s in opt.value_spans):
        return dataclasses.replace(opt, unresolved=True)
    return opt


def _mark_unresolved(rule: Rule, placeholders: dict[Span, tuple[str, ...]]) -> Rule:
    """The rule with the options whose values came from unknown variables marked, and the
    variables' names in ``Rule.unresolved``."""
    names = tuple(dict.fromkeys(n for ns in placeholders.values() for n in ns))
    matches = tuple(dataclasses.replace(m, options=tuple(_mark_option(o, placeholders) for o in m.options))
                    for m in rule.matches)
    target = rule.target
    if target is not None:
        target = dataclasses.replace(target, options=tuple(_mark_option(o, placeholders)
                                                           for o in target.options))
    unclaimed = tuple(_mark_option(o, placeholders) for o in rule.unclaimed)
    return dataclasses.replace(rule, matches=matches, target=target, unclaimed=unclaimed, unresolved=names)


def _crlf_lines(text: str) -> tuple[int, ...]:
    if "\r\n" not in text:
        return ()
    return tuple(i + 1 for i, line in enumerate(text.split("\n")) if line.endswith("\r"))


# --- the entry point ---------------------------------------------------------------------------------

def parse_script(text: str, path: str = "-", family: int | None = None,
                 registry: Registry | None = None, *, refusal: Refusal | None = None,
                 exact: bool = False) -> list[Ruleset]:
    """The rulesets a firewall script builds, one per family it changes (IPv4 when none).

    ``exact`` (with ``refusal``, see fwlint.parse.script_lint): leave out what iptables would
    refuse, for ``fwlint convert``; otherwise keep such rules in their chains to be linted."""
    registry = registry or default_registry()
    replay = Replay(registry, refusal, exact)
    reader = ScriptReader(registry, replay, path)
    reader.read(text, path)
    replay.finish()
    notes = [*reader.notes, *reader.unresolved_notes()]
    notes.sort(key=lambda n: (n.span.file != path, n.span.line, n.span.column))
    problems = tuple([*reader.problems, *replay.problems])
    families = tuple(sorted(f for f in (4, 6) if replay.families[f] or any(
        s.family == f for s in replay.steps)))
    wanted = [family] if family is not None else list(families or (4,))
    comments = tuple(sorted(reader.comments, key=lambda c: (c.span.line, c.span.column)))
    out = []
    for fam in wanted:
        facts = ScriptFacts(
            notes=tuple(notes),
            steps=tuple(s for s in replay.steps if s.family == fam),
            management_ports=tuple(sorted(reader.management_ports)),
            families=families,
            sources=tuple(reader.sources.items()),
        )
        out.append(Ruleset(path, fam, replay.tables_of(fam), comments, problems, _crlf_lines(text), text,
                           dual_family=len(families) == 2, script=facts))
    return out
