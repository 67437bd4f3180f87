"""A reader for the subset of POSIX sh / bash that firewall scripts are written in.

It turns a script into a tree of commands with the position of every word, and does no
evaluation: :mod:`fwlint.parse.script` walks the tree in textual order, expands the variables it
can and replays the iptables commands.

What it reads as the shell does: comments, backslash-newline continuations, ``'single'``,
``"double"`` and ``$'ansi'`` quoting, backslash escapes, ``$NAME`` ``${NAME}`` ``${NAME:-word}``
``$(cmd)`` `` `cmd` `` ``$((expr))`` (kept as parts of the word), ``;`` ``&&`` ``||`` ``|`` ``&``,
redirections (``<``, ``>``, ``2>&1`` ...), here-documents (``<<EOF``, ``<<-EOF``, ``<<'EOF'``),
here-strings, function definitions, ``if``/``case``/``for``/``while``/``until``/``select``,
``{ ...; }`` groups, ``( ... )`` subshells, ``[[ ... ]]`` and ``(( ... ))``.

A syntax error is raised as :class:`ShellSyntaxError` with its position; the script front end
reports it and reads on from the next line.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from fwlint.ast import Span

_CLOSERS = frozenset({"then", "elif", "else", "fi", "do", "done", "esac", "}", "in"})
RESERVED = frozenset({"if", "then", "elif", "else", "fi", "case", "esac", "for", "while", "until",
                      "do", "done", "in", "function", "select", "{", "}", "!", "[[", "]]"})

# Operators, longest first so that the first that fits is the right one.
_OPERATORS = (";;&", ";;", ";&", "&&", "||", "|&", "&>>", "&>", "<<<", "<<-", "<<", "<>", "<&",
              ">&", ">>", ">|", ";", "&", "|", "(", ")", "<", ">")
REDIRECTS = frozenset({"<", ">", ">>", ">|", "<>", "<&", ">&", "&>", "&>>", "<<", "<<-", "<<<"})
_METACHARS = frozenset(" \t\n;&|()<>")
_OPERATOR = re.compile("|".join(re.escape(op) for op in _OPERATORS))
_PLAIN = re.compile(r"[^\s;&|()<>'\"\\$`=]+")  # characters a word holds with no special meaning
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?=)")
_SPECIAL_PARAMS = frozenset("@*#?$!-0123456789")
_ANSI_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
                 "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


class ShellSyntaxError(ValueError):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.span = span


@dataclass
class Part:
    """One piece of a word.

    ``kind``: "lit" (text, quotes removed), "var" (``$NAME``, ``${NAME...}``: ``text`` is the
    name), "cmdsub" (``$(...)`` or backquotes: ``text`` is the command inside), "arith"
    (``$((...))``), "array" (the ``(...)`` of ``NAME=(...)``).  ``quoted``: inside quotes (or
    escaped), so not split into fields.  For a "var", ``op`` is the ``${NAME<op>word}`` operator
    ("", ":-", "-", ":=", "=", ":+", "+", ":?", "?", "#" for a length, "other" for anything
    fwlint does not evaluate) and ``arg`` the word after it, as parts.
    """

    kind: str
    text: str
    raw: str
    quoted: bool
    span: Span
    op: str = ""
    arg: list[Part] | None = None


@dataclass
class ShellWord:
    parts: list[Part]
    raw: str
    span: Span

    @property
    def literal(self) -> str | None:
        """The word's text when it has no expansions, else None."""
        if all(p.kind == "lit" for p in self.parts):
            return "".join(p.text for p in self.parts)
        return None

    @property
    def plain(self) -> str | None:
        """The text when the word is a bare, unquoted literal (a possible reserved word)."""
        if len(self.parts) == 1 and self.parts[0].kind == "lit" and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass
class Heredoc:
    delimiter: str
    quoted: bool  # <<'EOF': no expansion in the body
    strip_tabs: bool  # <<-EOF
    body: str = ""
    body_start: int = 0  # offset of the body's first character in the script
    body_line: int = 0  # its line
    span: Span | None = None  # the body, first line to the delimiter line
    closed: bool = True


@dataclass
class Redirect:
    op: str  # "<", ">", ">>", "<<", "<<-", "<<<", ">&" ...
    fd: str  # "2" in 2>&1, else ""
    target: ShellWord | None
    span: Span
    heredoc: Heredoc | None = None


@dataclass
class SimpleCommand:
    assignments: list[ShellWord]
    words: list[ShellWord]
    redirects: list[Redirect]
    span: Span
    piped_in: bool = False  # a later command of a pipeline: its standard input is a pipe
    top_level: bool = False  # not inside any compound command
    conditional: bool = False  # part of an && / || list


@dataclass
class Compound:
    """A compound command; ``body`` holds everything inside it in textual order (conditions,
    every branch)."""

    kind: str  # function, if, case, for, arith-for, select, while, until, group, subshell, test
    span: Span  # the keyword (or the function's name)
    body: list = field(default_factory=list)
    name: str = ""  # function name, loop variable
    name_span: Span | None = None
    words: list[ShellWord] | None = None  # for/select word list (None: no `in`), case subject
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Comment:
    text: str
    span: Span


@dataclass
class Token:
    kind: str  # "word", "op", "newline", "eof"
    value: str
    span: Span
    word: ShellWord | None = None
    heredoc: Heredoc | None = None
    start: int = 0
    end: int = 0


class _Positions:
    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        l1, c1 = self.line_col(start)
        l2, c2 = self.line_col(max(start, end))
        return Span(self.file, l1, c1, l2, c2)


class Lexer:
    """Splits a script into words and operators, reading here-document bodies as it meets them."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.where = _Positions(text, file)
        self.tokens: list[Token] = []
        self.comments: list[Comment] = []
        self.pending: list[Heredoc] = []

    def span(self, start: int, end: int) -> Span:
        return self.where.span(start, end)

    def error(self, message: str, start: int, end: int | None = None) -> ShellSyntaxError:
        return ShellSyntaxError(message, self.span(start, end if end is not None else start + 1))

    def tokenize(self) -> list[Token]:
        text, n = self.text, self.n
        expect_delimiter: list[Heredoc] = []
        while self.pos < n:
            c = text[self.pos]
            if c in " \t" or (c == "\r" and text.startswith("\r\n", self.pos)):
                self.pos += 1
                continue
            if c == "\\" and text.startswith("\\\n", self.pos):
                self.pos += 2
                continue
            if c == "\\" and text.startswith("\\\r\n", self.pos):
                self.pos += 3
                continue
            if c == "\n":
                self.tokens.append(Token("newline", "\n", self.span(self.pos, self.pos + 1),
                                         start=self.pos, end=self.pos + 1))
                self.pos += 1
                if expect_delimiter:
                    raise self.error("a here-document operator needs a delimiter word", self.pos - 1)
                self._read_heredocs()
                continue
            if c == "#":
                end = text.find("\n", self.pos)
                end = n if end == -1 else end
                raw = text[self.pos:end].rstrip("\r")
                self.comments.append(Comment(raw, self.span(self.pos, self.pos + len(raw))))
                self.pos = end
                continue
            op = self._operator()
            if op is not None:
                start = self.pos
                self.pos += len(op)
                tok = Token("op", op, self.span(start, self.pos), start=start, end=self.pos)
                if op in ("<<", "<<-"):
                    doc = Heredoc("", False, op == "<<-")
                    tok.heredoc = doc
                    expect_delimiter.append(doc)
                self.tokens.append(tok)
                continue
            if c.isdigit():
                j = self.pos
                while j < n and text[j].isdigit():
                    j += 1
                if j < n and text[j] in "<>":
                    fd_start = self.pos
                    self.pos = j
                    op = self._operator() or text[j]
                    self.pos = j + len(op)
                    tok = Token("op", text[fd_start:j] + op, self.span(fd_start, self.pos),
                                start=fd_start, end=self.pos)
                    if op in ("<<", "<<-"):
                        doc = Heredoc("", False, op == "<<-")
                        tok.heredoc = doc
                        expect_delimiter.append(doc)
                    self.tokens.append(tok)
                    continue
            word = self._word()
            tok = Token("word", word.raw, word.span, word=word)
            if expect_delimiter:
                doc = expect_delimiter.pop(0)
                literal = "".join(p.text if p.kind == "lit" else p.raw for p in word.parts)
                doc.delimiter = literal
                doc.quoted = any(p.quoted for p in word.parts)
                self.pending.append(doc)
            self.tokens.append(tok)
        if expect_delimiter:
            raise self.error("a here-document operator needs a delimiter word", max(0, n - 1))
        if self.pending:
            self._read_heredocs()
        self.tokens.append(Token("eof", "", self.span(n, n), start=n, end=n))
        return self.tokens

    def _operator(self) -> str | None:
        m = _OPERATOR.match(self.text, self.pos)
        return m.group() if m else None

    def _read_heredocs(self) -> None:
        text, n = self.text, self.n
        for doc in self.pending:
            doc.body_start = self.pos
            doc.body_line = self.where.line_col(self.pos)[0]
            lines = []
            closed = False
            while self.pos < n:
                end = text.find("\n", self.pos)
                end_of_line = n if end == -1 else end
                line = text[self.pos:end_of_line]
                bare = line.rstrip("\r")
                check = bare.lstrip("\t") if doc.strip_tabs else bare
                self.pos = end_of_line + 1 if end != -1 else n
                if check == doc.delimiter:
                    closed = True
                    break
                lines.append(line + ("\n" if end != -1 else ""))
            doc.body = "".join(lines)
            doc.closed = closed
            doc.span = self.span(doc.body_start, min(self.pos, n))
        self.pending = []

    # --- words --------------------------------------------------------------------------------

    def _word(self) -> ShellWord:
        text, n = self.text, self.n
        start = self.pos
        parts: list[Part] = []
        lit: list[str] = []
        lit_start = self.pos

        def flush_lit(end: int | None = None) -> None:
            nonlocal lit, lit_start
            end = self.pos if end is None else end
            if lit:
                parts.append(Part("lit", "".join(lit), text[lit_start:end], False,
                                  self.span(lit_start, end)))
            lit = []
            lit_start = end

        while self.pos < n:
            plain = _PLAIN.match(text, self.pos)
            if plain is not None:
                lit.append(plain.group())
                self.pos = plain.end()
                continue
            c = text[self.pos]
            if c in _METACHARS:
                break
            if c == "\r" and text.startswith("\r\n", self.pos):
                break
            if c == "\\":
                if text.startswith("\\\n", self.pos):
                    flush_lit()
                    self.pos += 2
                    lit_start = self.pos
                    continue
                if text.startswith("\\\r\n", self.pos):
                    flush_lit()
                    self.pos += 3
                    lit_start = self.pos
                    continue
                flush_lit()
                esc_start = self.pos
                if self.pos + 1 < n:
                    self.pos += 2
                    parts.append(Part("lit", text[esc_start + 1], text[esc_start:self.pos], True,
                                      self.span(esc_start, self.pos)))
                else:
                    self.pos += 1
                    parts.append(Part("lit", "\\", "\\", False, self.span(esc_start, self.pos)))
                lit_start = self.pos
                continue
            if c == "'":
                flush_lit()
                q_start = self.pos
                end = text.find("'", self.pos + 1)
                if end == -1:
                    raise self.error("unterminated single quote: no closing ' in the script", q_start)
                self.pos = end + 1
                parts.append(Part("lit", text[q_start + 1:end], text[q_start:self.pos], True,
                                  self.span(q_start, self.pos)))
                lit_start = self.pos
                continue
            if c == "$" and text.startswith("$'", self.pos):
                flush_lit()
                parts.append(self._ansi_quote())
                lit_start = self.pos
                continue
            if c == '"':
                flush_lit()
                parts.extend(self._double_quoted())
                lit_start = self.pos
                continue
            if c == "$" or c == "`":
                here = self.pos
                part = self._expansion(quoted=False)
                if part is not None:
                    flush_lit(here)
                    parts.append(part)
                    lit_start = self.pos
                    continue
            lit.append(c)
            self.pos += 1
            # NAME=( ... ) and NAME+=( ... ): an array assignment, kept whole.
            if self.pos < n and text[self.pos] == "(" and len(parts) == 0 and \
                    _ASSIGNMENT.fullmatch("".join(lit)):
                flush_lit()
                arr_start = self.pos
                end = self._matching(self.pos, "(", ")")
                self.pos = end + 1
                parts.append(Part("array", text[arr_start + 1:end], text[arr_start:self.pos], False,
                                  self.span(arr_start, self.pos)))
                lit_start = self.pos
        flush_lit()
        return ShellWord(parts, text[start:self.pos], self.span(start, self.pos))

    def _ansi_quote(self) -> Part:
        text, n = self.text, self.n
        q_start = self.pos
        self.pos += 2
        out = []
        while self.pos < n and text[self.pos] != "'":
            c = text[self.pos]
            if c == "\\" and self.pos + 1 < n:
                nxt = text[self.pos + 1]
                out.append(_ANSI_ESCAPES.get(nxt, "\\" + nxt))
                self.pos += 2
                continue
            out.append(c)
            self.pos += 1
        if self.pos >= n:
            raise self.error("unterminated $'...' quote", q_start)
        self.pos += 1
        return Part("lit", "".join(out), text[q_start:self.pos], True, self.span(q_start, self.pos))

    def _double_quoted(self) -> list[Part]:
        text, n = self.text, self.n
        q_start = self.pos
        self.pos += 1
        parts: list[Part] = []
        lit: list[str] = []
        lit_start = self.pos

        def flush_lit(end: int) -> None:
            nonlocal lit
            if lit:
                parts.append(Part("lit", "".join(lit), text[lit_start:end], True,
                                  self.span(lit_start, end)))
            lit = []

        while True:
            if self.pos >= n:
                raise self.error('unterminated double quote: no closing " in the script', q_start)
            c = text[self.pos]
            if c == '"':
                flush_lit(self.pos)
                self.pos += 1
                break
            if c == "\\" and self.pos + 1 < n:
                nxt = text[self.pos + 1]
                if nxt == "\n":
                    flush_lit(self.pos)
                    self.pos += 2
                    lit_start = self.pos
                    continue
                if nxt in '$`"\\':
                    lit.append(nxt)
                    self.pos += 2
                    continue
                lit.append(c)
                self.pos += 1
                continue
            if c == "$" or c == "`":
                here = self.pos
                part = self._expansion(quoted=True)
                if part is not None:
                    flush_lit(here)
                    parts.append(part)
                    lit_start = self.pos
                    continue
            lit.append(c)
            self.pos += 1
        if not parts:  # "" is an empty word, not no word
            parts.append(Part("lit", "", text[q_start:self.pos], True, self.span(q_start, self.pos)))
        return parts

    def _matching(self, pos: int, opening: str, closing: str) -> int:
        """The offset of the ``closing`` that matches the ``opening`` at ``pos``, skipping quotes."""
        text, n = self.text, self.n
        depth = 0
        i = pos
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and closing != "}":
                end = text.find("'", i + 1)
                if end == -1:
                    break
                i = end + 1
                continue
            if c == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
                continue
            if c == "`":
                end = text.find("`", i + 1)
                if end == -1:
                    break
                i = end + 1
                continue
            if c == "#" and closing == ")" and (i == 0 or text[i - 1] in " \t\n;(|&"):
                end = text.find("\n", i)
                i = n if end == -1 else end
                continue
            if c == opening:
                depth += 1
            elif c == closing:
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise self.error(f"no closing {closing!r} for this {opening!r}", pos)

    def _expansion(self, quoted: bool) -> Part | None:
        """The expansion at ``$`` or the command substitution at a backquote, or None when the
        ``$`` is an ordinary character."""
        if self.text[self.pos] == "`":
            return self._backquote(quoted)
        return self._dollar(quoted)

    def _dollar(self, quoted: bool) -> Part | None:
        """An expansion starting at ``$``, or None when the ``$`` is an ordinary character."""
        text, n = self.text, self.n
        start = self.pos
        nxt = text[start + 1] if start + 1 < n else ""
        if text.startswith("$((", start):
            try:
                end = self._matching(start + 1, "(", ")")
            except ShellSyntaxError:
                raise self.error("no closing )) for this $((", start) from None
            self.pos = end + 1
            return Part("arith", text[start + 3:end - 1], text[start:self.pos], quoted,
                        self.span(start, self.pos))
        if nxt == "(":
            end = self._matching(start + 1, "(", ")")
            self.pos = end + 1
            return Part("cmdsub", text[start + 2:end], text[start:self.pos], quoted,
                        self.span(start, self.pos))
        if nxt == "{":
            end = self._matching(start + 1, "{", "}")
            self.pos = end + 1
            return self._braced(text[start + 2:end], start, quoted)
        m = _NAME.match(text, start + 1)
        if m:
            self.pos = m.end()
            return Part("var", m.group(), text[start:self.pos], quoted, self.span(start, self.pos))
        if nxt and nxt in _SPECIAL_PARAMS:
            self.pos = start + 2
            return Part("var", nxt, text[start:self.pos], quoted, self.span(start, self.pos))
        return None

    def _braced(self, inner: str, start: int, quoted: bool) -> Part:
        raw = self.text[start:self.pos]
        span = self.span(start, self.pos)
        if inner.startswith("#") and _NAME.fullmatch(inner[1:]):
            return Part("var", inner[1:], raw, quoted, span, op="#")
        m = _NAME.match(inner) or (re.match(r"[@*#?$!0-9-]", inner) if inner else None)
        if not m:
            return Part("var", inner, raw, quoted, span, op="other")
        name, rest = m.group(), inner[m.end():]
        if not rest:
            return Part("var", name, raw, quoted, span)
        for op in (":-", ":=", ":+", ":?", "-", "=", "+", "?"):
            if rest.startswith(op):
                arg_offset = start + 2 + m.end() + len(op)
                arg = _ArgLexer(self.text, arg_offset, arg_offset + len(rest) - len(op), self).parts()
                return Part("var", name, raw, quoted, span, op=op, arg=arg)
        return Part("var", name, raw, quoted, span, op="other")

    def _backquote(self, quoted: bool) -> Part:
        text, n = self.text, self.n
        start = self.pos
        i = start + 1
        while i < n and text[i] != "`":
            i += 2 if text[i] == "\\" else 1
        if i >= n:
            raise self.error("unterminated backquote: no closing ` in the script", start)
        self.pos = i + 1
        inner = re.sub(r"\\([$`\\])", r"\1", text[start + 1:i])
        return Part("cmdsub", inner, text[start:self.pos], quoted, self.span(start, self.pos))


class _ArgLexer:
    """The word of ``${NAME:-word}``: literal text and expansions, quotes removed."""

    def __init__(self, text: str, start: int, end: int, outer: Lexer) -> None:
        self.text, self.start, self.end, self.outer = text, start, end, outer

    def parts(self) -> list[Part]:
        sub = Lexer(self.text[:self.end], self.outer.where.file)
        sub.where = self.outer.where
        sub.pos = self.start
        parts: list[Part] = []
        text = self.text
        lit: list[str] = []
        lit_start = sub.pos
        while sub.pos < self.end:
            c = text[sub.pos]
            if c == "$":
                here = sub.pos
                part = sub._dollar(quoted=True)
                if part is not None:
                    if lit:
                        parts.append(Part("lit", "".join(lit), text[lit_start:here], True,
                                          sub.span(lit_start, here)))
                        lit = []
                    parts.append(part)
                    lit_start = sub.pos
                    continue
            if c in "'\"":
                end = text.find(c, sub.pos + 1)
                if end != -1 and end < self.end:
                    lit.append(text[sub.pos + 1:end])
                    sub.pos = end + 1
                    continue
            if c == "\\" and sub.pos + 1 < self.end:
                lit.append(text[sub.pos + 1])
                sub.pos += 2
                continue
            lit.append(c)
            sub.pos += 1
        if lit or not parts:
            parts.append(Part("lit", "".join(lit), text[lit_start:self.end], True,
                              sub.span(lit_start, self.end)))
        return parts


# --- the parser ------------------------------------------------------------------------------

class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0  # compound nesting

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if self.i < len(self.tokens) - 1:
            self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> ShellSyntaxError:
        tok = tok or self.tok
        return ShellSyntaxError(message, tok.span)

    def reserved(self, tok: Token | None = None) -> str | None:
        tok = tok or self.tok
        if tok.kind == "word" and tok.word is not None:
            text = tok.word.plain
            if text in RESERVED:
                return text
        return None

    def skip_newlines(self) -> None:
        while self.tok.kind == "newline":
            self.advance()

    def is_op(self, *values: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in values

    def expect_word(self, value: str) -> Token:
        if self.reserved() != value:
            shown = "the end of the script" if self.tok.kind == "eof" else \
                "the end of the line" if self.tok.kind == "newline" else repr(self.tok.value)
            raise self.error(f"expected {value!r}, found {shown}")
        return self.advance()

    # list := and_or ((; | & | newline) and_or)*
    def parse_list(self, stop: frozenset[str], stop_ops: frozenset[str] = frozenset()) -> list:
        out: list = []
        while True:
            self.skip_newlines()
            if self.tok.kind == "eof":
                return out
            word = self.reserved()
            if word in stop:
                return out
            if self.tok.kind == "op" and self.tok.value in stop_ops:
                return out
            if self.is_op(";", "&"):
                raise self.error(f"unexpected {self.tok.value!r}: no command before it")
            out.extend(self.parse_and_or())
            if self.is_op(";", "&"):
                self.advance()
            elif self.tok.kind in ("newline", "eof"):
                continue
            elif self.reserved() in stop or (self.tok.kind == "op" and self.tok.value in stop_ops):
                return out
            else:
                raise self.error(f"unexpected {self.tok.value!r}")

    def parse_and_or(self) -> list:
        items = [self.parse_pipeline()]
        conditional = False
        while self.is_op("&&", "||"):
            conditional = True
            self.advance()
            self.skip_newlines()
            items.append(self.parse_pipeline())
        out: list = []
        for pipeline in items:
            for node in pipeline:
                if conditional and isinstance(node, SimpleCommand):
                    node.conditional = True
                out.append(node)
        return out

    def parse_pipeline(self) -> list:
        if self.reserved() == "!":
            self.advance()
        commands = [self.parse_command()]
        while self.is_op("|", "|&"):
            self.advance()
            self.skip_newlines()
            node = self.parse_command()
            if isinstance(node, SimpleCommand):
                node.piped_in = True
            commands.append(node)
        return commands

    def parse_command(self):
        tok = self.tok
        word = self.reserved()
        if word == "{":
            return self._group()
        if self.is_op("("):
            if self.peek().kind == "op" and self.peek().value == "(":
                return self._skip_arith(tok, "test")
            return self._subshell()
        if word in ("if", "while", "until", "for", "case", "select", "function", "[["):
            return getattr(self, "_" + {"[[": "test"}.get(word, word))()
        if word is not None and word not in ("!",):
            raise self.error(f"unexpected {word!r}")
        if tok.kind == "word" and tok.word is not None and self.peek().kind == "op" \
                and self.peek().value == "(" and self.peek(2).kind == "op" and self.peek(2).value == ")":
            return self._function_def(tok)
        return self._simple()

    def _redirect(self) -> Redirect:
        tok = self.advance()
        value = tok.value
        m = re.match(r"(\d*)(.*)", value)
        fd, op = (m.group(1), m.group(2)) if m else ("", value)
        if self.tok.kind != "word":
            raise self.error(f"{value!r} needs a file name (or here-document word) after it")
        target = self.advance()
        span = Span(tok.span.file, tok.span.line, tok.span.column, target.span.end_line,
                    target.span.end_column)
        return Redirect(op, fd, target.word, span, tok.heredoc)

    def _simple(self) -> SimpleCommand:
        start = self.tok
        assignments: list[ShellWord] = []
        words: list[ShellWord] = []
        redirects: list[Redirect] = []
        last = start
        while True:
            tok = self.tok
            if tok.kind == "word":
                w = tok.word
                assert w is not None
                if not words and w.parts and w.parts[0].kind == "lit" and not w.parts[0].quoted and \
                        _ASSIGNMENT.match(w.parts[0].text):
                    assignments.append(w)
                else:
                    words.append(w)
                last = self.advance()
                continue
            if tok.kind == "op" and _strip_fd(tok.value) in REDIRECTS:
                redirects.append(self._redirect())
                last = self.tokens[self.i - 1]
                continue
            if tok.kind == "op" and tok.value == "(" and words:
                raise self.error("unexpected '(' in a command (a function definition is NAME() { ... })")
            break
        if not words and not assignments and not redirects:
            shown = "the end of the script" if self.tok.kind == "eof" else repr(self.tok.value)
            raise self.error(f"expected a command, found {shown}")
        span = Span(start.span.file, start.span.line, start.span.column, last.span.end_line,
                    last.span.end_column)
        return SimpleCommand(assignments, words, redirects, span, top_level=self.depth == 0)

    def _trailing_redirects(self, node: Compound) -> Compound:
        while self.tok.kind == "op" and _strip_fd(self.tok.value) in REDIRECTS:
            node.redirects.append(self._redirect())
        return node

    def _body(self, stop: frozenset[str], stop_ops: frozenset[str] = frozenset()) -> list:
        self.depth += 1
        try:
            return self.parse_list(stop, stop_ops)
        finally:
            self.depth -= 1

    def _group(self) -> Compound:
        tok = self.advance()
        body = self._body(frozenset({"}"}))
        self.expect_word("}")
        return self._trailing_redirects(Compound("group", tok.span, body))

    def _subshell(self) -> Compound:
        tok = self.advance()
        body = self._body(frozenset(), frozenset({")"}))
        if not self.is_op(")"):
            raise self.error("expected ')' to close the subshell")
        self.advance()
        return self._trailing_redirects(Compound("subshell", tok.span, body))

    def _skip_arith(self, tok: Token, kind: str) -> Compound:
        """``(( ... ))``: skipped to the matching ``))``."""
        depth = 0
        while self.tok.kind != "eof":
            t = self.advance()
            if t.kind == "op" and t.value == "(":
                depth += 1
            elif t.kind == "op" and t.value == ")":
                depth -= 1
                if depth == 0:
                    return self._trailing_redirects(Compound(kind, tok.span))
        raise self.error("no closing )) for this ((", tok)

    def _test(self) -> Compound:
        tok = self.advance()
        while self.reserved() != "]]":
            if self.tok.kind == "eof":
                raise self.error("no closing ]] for this [[", tok)
            self.advance()
        self.advance()
        return self._trailing_redirects(Compound("test", tok.span))

    def _if(self) -> Compound:
        tok = self.advance()
        body = self._body(frozenset({"then"}))
        self.expect_word("then")
        body += self._body(frozenset({"elif", "else", "fi"}))
        while self.reserved() == "elif":
            self.advance()
            body += self._body(frozenset({"then"}))
            self.expect_word("then")
            body += self._body(frozenset({"elif", "else", "fi"}))
        if self.reserved() == "else":
            self.advance()
            body += self._body(frozenset({"fi"}))
        self.expect_word("fi")
        return self._trailing_redirects(Compound("if", tok.span, body))

    def _while(self) -> Compound:
        return self._loop("while")

    def _until(self) -> Compound:
        return self._loop("until")

    def _loop(self, kind: str) -> Compound:
        tok = self.advance()
        body = self._body(frozenset({"do"}))
        self.expect_word("do")
        body += self._body(frozenset({"done"}))
        self.expect_word("done")
        return self._trailing_redirects(Compound(kind, tok.span, body))

    def _for(self) -> Compound:
        return self._for_or_select("for")

    def _select(self) -> Compound:
        return self._for_or_select("select")

    def _for_or_select(self, kind: str) -> Compound:
        tok = self.advance()
        if self.is_op("(") and self.peek().kind == "op" and self.peek().value == "(":
            self._skip_arith(tok, "arith")
            if self.is_op(";"):
                self.advance()
            self.skip_newlines()
            body = self._do_done()
            return self._trailing_redirects(Compound("arith-for", tok.span, body))
        name_tok = self.tok
        if name_tok.kind != "word" or name_tok.word is None or \
                not _NAME.fullmatch(name_tok.word.literal or ""):
            raise self.error(f"{kind} needs a variable name after it")
        self.advance()
        words: list[ShellWord] | None = None
        self.skip_newlines()
        if self.reserved() == "in":
            self.advance()
            words = []
            while self.tok.kind == "word":
                words.append(self.tok.word)  # type: ignore[arg-type]
                self.advance()
        if self.is_op(";"):
            self.advance()
        self.skip_newlines()
        body = self._do_done()
        return self._trailing_redirects(Compound(kind, tok.span, body, name_tok.word.literal or "",  # type: ignore[union-attr]
                                                 name_tok.span, words))

    def _do_done(self) -> list:
        if self.reserved() == "{":  # for x in ...; { ...; } is bash too
            group = self._group()
            return group.body
        self.expect_word("do")
        body = self._body(frozenset({"done"}))
        self.expect_word("done")
        return body

    def _case(self) -> Compound:
        tok = self.advance()
        if self.tok.kind != "word":
            raise self.error("case needs a word after it")
        subject = self.advance().word
        self.skip_newlines()
        self.expect_word("in")
        body: list = []
        while True:
            self.skip_newlines()
            if self.reserved() == "esac":
                self.advance()
                break
            if self.tok.kind == "eof":
                raise self.error("expected 'esac' to close the case", tok)
            if self.is_op("("):
                self.advance()
            # patterns: word ( | word )* )
            while True:
                if self.tok.kind != "word":
                    raise self.error("expected a case pattern")
                self.advance()
                if self.is_op("|"):
                    self.advance()
                    continue
                break
            if not self.is_op(")"):
                raise self.error("expected ')' after the case pattern")
            self.advance()
            body += self._body(frozenset({"esac"}), frozenset({";;", ";&", ";;&"}))
            if self.is_op(";;", ";&", ";;&"):
                self.advance()
        return self._trailing_redirects(Compound("case", tok.span, body, words=[subject]))  # type: ignore[list-item]

    def _function(self) -> Compound:
        self.advance()
        name_tok = self.tok
        if name_tok.kind != "word":
            raise self.error("function needs a name after it")
        self.advance()
        if self.is_op("(") and self.peek().kind == "op" and self.peek().value == ")":
            self.advance()
            self.advance()
        return self._function_body(name_tok)

    def _function_def(self, name_tok: Token) -> Compound:
        self.advance()
        self.advance()
        self.advance()
        return self._function_body(name_tok)

    def _function_body(self, name_tok: Token) -> Compound:
        self.skip_newlines()
        self.depth += 1
        try:
            inner = self.parse_command()
        finally:
            self.depth -= 1
        name = name_tok.word.literal if name_tok.word is not None else name_tok.value
        body = inner.body if isinstance(inner, Compound) else [inner]
        return Compound("function", name_tok.span, body, name or name_tok.value, name_tok.span)


def _strip_fd(value: str) -> str:
    return value.lstrip("0123456789")


@dataclass
class ParsedScript:
    nodes: list
    comments: list[Comment]
    error: ShellSyntaxError | None = None


def parse_script_text(text: str, file: str) -> ParsedScript:
    """The script as a tree of commands.  After a syntax error the rest of the script is still
    read, from the line after the error, so that what follows is not lost; the first error is
    returned with the nodes."""
    error: ShellSyntaxError | None = None
    lexer = Lexer(text, file)
    try:
        tokens = lexer.tokenize()
    except ShellSyntaxError as exc:
        error = exc
        # Lex what precedes the bad spot; the text from its line on is lost to quoting.
        tokens = lexer.tokens
        tokens.append(Token("eof", "", exc.span, start=len(text), end=len(text)))
    parser = Parser(tokens)
    nodes: list = []
    while parser.tok.kind != "eof":
        try:
            parser.skip_newlines()
            if parser.tok.kind == "eof":
                break
            if parser.is_op(";", "&") or parser.reserved() in _CLOSERS or parser.is_op(")"):
                raise parser.error(f"unexpected {parser.tok.value!r}")
            nodes.extend(parser.parse_and_or())
            if parser.is_op(";", "&"):
                parser.advance()
            elif parser.tok.kind not in ("newline", "eof"):
                raise parser.error(f"unexpected {parser.tok.value!r}")
        except ShellSyntaxError as exc:
            if error is None:
                error = exc
            parser.depth = 0
            # Read on from the next line.
            bad_line = exc.span.line
            while parser.tok.kind != "eof" and not (parser.tok.kind == "newline"
                                                    and parser.tok.span.line >= bad_line):
                parser.advance()
            if parser.tok.kind != "eof":
                parser.advance()
    return ParsedScript(nodes, lexer.comments, error)
