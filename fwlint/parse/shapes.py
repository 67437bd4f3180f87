"""Rule lines that share a shape are built once: the builder's work done per shape, not per rule.

A big ruleset repeats a few dozen shapes (``-A C -s X -p tcp -m tcp --dport P -j ACCEPT``) with
different values.  What fwlint.parse.builder makes of a line depends on its option words, on its
``!`` words, on where its values stand, and on the text of some of its values (a ``-m`` or
``-j`` name, a protocol, a position); the values of options, the chain a rule goes in and the
user chain it jumps to are copied into the AST as they are, never looked at.  So the builder
builds the first lines of each shape, and from one of them this module derives a small Python
function that makes the same objects for any line of that shape, putting the line's own values,
names and columns in.

A shape is the line's option and ``!`` words and where its values stand (the first key); then the
text of every value the AST does not merely copy, and whether the -j/-g name is one of fwlint's
targets (the second key).  Each derived function is checked before it is kept: on the line it
came from, and on that line with every copied value changed, it must give exactly what the
builder gives (an equal CommandLine: equal Rule, equal spans); else the shape is always left to
the builder.  Lines the builder reports problems for, lines with getopt forms (``--dport=22``,
``-ptcp``), values starting with ``-`` and lines whose words do not split plainly are always
built by the builder.  Files under ``SHAPES_FROM`` rule lines are built line by line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from fwlint.ast import Counters, Match, Option, Rule, Span, Target, Word
from fwlint.extensions import Registry
from fwlint.parse.builder import CommandLine, build_command
from fwlint.parse.words import WordError, scanner, split_words, unquote

_UNCACHEABLE = object()
_PERTURB = "\x7f"  # appended to every copied value for the check

# How often a shape is seen before a function is made for it: compiling costs about as much as
# building a few dozen lines, and most shapes of a small file occur once.
_SEEN_BEFORE_COMPILE = 2
_MAX_SHAPES = 4096
_MAX_TEMPLATES = 64  # functions per shape (one per -m name, target ... combination)

SHAPES_FROM = 200
"""Rule lines of a file after which its shapes are learnt: a small file is built line by line
(learning a shape costs about as much as building a few dozen lines)."""


@dataclasses.dataclass
class _Shape:
    """What the lines with one word skeleton have in common."""

    struct: tuple[int, ...] | None  # positions of the values whose text matters (None: never cache)
    jump: int  # position of the -j/-g name, or -1
    templates: dict[tuple, Any] = dataclasses.field(default_factory=dict)  # function or _UNCACHEABLE
    seen: dict[tuple, int] = dataclasses.field(default_factory=dict)


class CommandCache:
    """Builds the command of each rule line of one file, once per shape.

    ``build`` gives what ``build_command(split_words(...), ...)`` gives, or None when the words
    do not split (the caller then splits them itself and reports why)."""

    def __init__(self, registry: Registry, path: str, family: int | None = None) -> None:
        self.registry = registry
        self.path = path
        self.family = family
        self.shapes: dict[tuple, _Shape] = {}
        self.option_words: dict[str, bool] = {}
        self.hits = 0
        self.built = 0
        self.lines = 0

    # --- the fast split -----------------------------------------------------------------------

    def _is_option(self, word: str) -> bool:
        """Whether a blank-free, quote-free word starting with - or ! is an option or a `!`
        (and not a value such as ``-1``), as the word scanner reads it."""
        known = self.option_words.get(word)
        if known is None:
            m = scanner().match(word)
            known = m is not None and m.end() == len(word) and m.lastgroup in ("OPTION", "BANG")
            self.option_words[word] = known
        return known

    def build(self, raw: str, line: int, column: int, line_span: Span, text: str,
              counters: Counters | None) -> CommandLine | None:
        """The command of the rule line whose words token ``raw`` starts at ``line``:``column``;
        ``text`` is ``raw`` without trailing blanks, ``line_span`` its span (from its counters,
        if it has any)."""
        self.lines += 1
        if self.lines <= SHAPES_FROM:
            return self._slow(raw, line, column, line_span, text, counters, learn=False)
        plain = _plain_words(text) if _blank_tail(raw, text) else None
        if plain is None:
            return self._scanned(raw, line, column, line_span, text, counters)
        texts, raws = plain
        key: list = [counters is not None]
        starts = []
        ends = []
        at = column
        option_words = self.option_words
        for w in raws:
            first = w[0]
            if first == "-" or first == "!":
                known = option_words.get(w)
                if known is None:
                    known = self._is_option(w)
                if not known:
                    return self._slow(raw, line, column, line_span, text, counters)
                key.append(w)
            elif first == '"' and (len(w) == 2 or w[1] == "-"):
                return self._slow(raw, line, column, line_span, text, counters)  # "" or "-x"
            else:
                key.append(None)
            starts.append(at)
            at += len(w)
            ends.append(at)
            at += 1
        return self._from_shape(tuple(key), texts, raws, starts, ends, raw, line, column, line_span,
                                text, counters)

    def _scanned(self, raw: str, line: int, column: int, line_span: Span, text: str,
                 counters: Counters | None) -> CommandLine | None:
        """``build`` for a line whose words the word scanner must find."""
        texts = []
        raws = []
        starts = []
        ends = []
        key: list = [counters is not None]
        for m in scanner().finditer(raw):
            kind = m.lastgroup
            if kind == "WS":
                continue
            if kind == "BAD":
                return None  # the caller reports it
            word = m.group()
            if kind == "VALUE":
                value = unquote(word) if '"' in word else word
                if not value or value[0] == "-":
                    return self._slow(raw, line, column, line_span, text, counters)
                key.append(None)
            else:
                value = word
                key.append(word)
            start, end = m.span()
            texts.append(value)
            raws.append(word)
            starts.append(column + start)
            ends.append(column + end)
        return self._from_shape(tuple(key), texts, raws, starts, ends, raw, line, column, line_span,
                                text, counters)

    def _from_shape(self, key: tuple, texts: list[str], raws: list[str], starts: list[int],
                    ends: list[int], raw: str, line: int, column: int, line_span: Span, text: str,
                    counters: Counters | None) -> CommandLine | None:
        shape = self.shapes.get(key)
        if shape is not None and shape.struct is not None:
            jump = shape.jump
            found = shape.templates.get(
                (*[texts[p] for p in shape.struct],
                 (texts[jump] if self.registry.target(texts[jump]) is not None else None)
                 if jump >= 0 else None))
            if found is not None and found is not _UNCACHEABLE:
                self.hits += 1
                return found(texts, raws, starts, ends, line, line_span, text, counters)
        return self._slow(raw, line, column, line_span, text, counters)

    # --- the builder, and learning from it -----------------------------------------------------

    def _slow(self, raw: str, line: int, column: int, line_span: Span, text: str,
              counters: Counters | None, learn: bool = True) -> CommandLine | None:
        try:
            words = split_words(raw, self.path, line, column)
        except WordError:
            return None
        cmd = build_command(words, self.registry, line_span, text, counters, self.family)
        self.built += 1
        if learn and (len(self.shapes) < _MAX_SHAPES or self._shape_key(words, counters) in self.shapes):
            self._learn(words, cmd, line, line_span, text, counters)
        return cmd

    @staticmethod
    def _shape_key(words: list[Word], counters: Counters | None) -> tuple | None:
        key: list = [counters is not None]
        for w in words:
            if w.kind == "value":
                if not w.text or w.text[0] == "-":
                    return None  # getopt reads a word starting with - as options
                key.append(None)
            else:
                key.append(w.text)
        return tuple(key)

    def _learn(self, words: list[Word], cmd: CommandLine, line: int, line_span: Span, text: str,
               counters: Counters | None) -> None:
        key = self._shape_key(words, counters)
        if key is None:
            return
        shape = self.shapes.get(key)
        if shape is None:
            recipe = _derive(words, cmd, line, line_span, text, counters, self.path, self.registry)
            if recipe is None:
                self.shapes[key] = _Shape(None, -1)
                return
            shape = self.shapes[key] = _Shape(recipe.struct, recipe.jump)
        if shape.struct is None:
            return
        texts = [w.text for w in words]
        jump = shape.jump
        if jump >= 0 and jump >= len(texts):
            return
        template_key = (*[texts[p] for p in shape.struct],
                        (texts[jump] if self.registry.target(texts[jump]) is not None else None)
                        if jump >= 0 else None)
        if template_key in shape.templates or len(shape.templates) >= _MAX_TEMPLATES:
            return
        seen = shape.seen.get(template_key, 0) + 1
        if seen < _SEEN_BEFORE_COMPILE:
            shape.seen[template_key] = seen
            return
        shape.templates[template_key] = self._template(shape, words, cmd, line, line_span, text,
                                                       counters)

    def _template(self, shape: _Shape, words: list[Word], cmd: CommandLine, line: int,
                  line_span: Span, text: str, counters: Counters | None) -> Any:
        recipe = _derive(words, cmd, line, line_span, text, counters, self.path, self.registry)
        if recipe is None or recipe.struct != shape.struct or recipe.jump != shape.jump:
            return _UNCACHEABLE
        make = recipe.compile()
        texts = [w.text for w in words]
        raws = [w.raw for w in words]
        starts = [w.span.column for w in words]
        ends = [w.span.end_column for w in words]
        if make(texts, raws, starts, ends, line, line_span, text, counters) != cmd:
            return _UNCACHEABLE
        # Every copied value changed: the builder must still only copy it.
        changed = list(words)
        for p in recipe.data:
            w = words[p]
            changed[p] = Word(w.text + _PERTURB, w.raw + _PERTURB, w.span, w.kind)
        expected = build_command(changed, self.registry, line_span, text, counters, self.family)
        got = make([w.text for w in changed], [w.raw for w in changed], starts, ends, line, line_span,
                   text, counters)
        if got != expected:
            return _UNCACHEABLE
        return make


def _blank_tail(raw: str, text: str) -> bool:
    """Whether what follows the words of ``raw`` is blanks and CRs only (the word scanner's
    separators), as it is on a line the scanner splits without complaint."""
    return len(raw) == len(text) or not raw[len(text):].strip(" \t\r")


def _plain_words(text: str) -> tuple[list[str], list[str]] | None:
    """The words of ``text`` (their texts and as written) when they are plain: printable,
    single blanks between them, a quoted word standing alone between blanks, with no backslash
    in it.  Such words are what the word scanner finds; anything else is left to it (None)."""
    if not text.isprintable() or "  " in text:
        return None
    if '"' not in text:
        words = text.split(" ")
        return words, words
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return None
    last = len(parts) - 1
    texts: list[str] = []
    raws: list[str] = []
    for i, part in enumerate(parts):
        if i % 2:
            if "\\" in part or not parts[i - 1].endswith(" ") or (i + 1 < last or parts[i + 1]) and \
                    not parts[i + 1].startswith(" "):
                return None
            texts.append(part)
            raws.append(f'"{part}"')
            continue
        if i > 0:
            part = part[1:]
        if i < last:
            part = part[:-1]
        if part:
            words = part.split(" ")
            texts.extend(words)
            raws.extend(words)
    if " ".join(raws) != text:
        return None
    return texts, raws


# --- deriving a shape's function ---------------------------------------------------------------

_NODES = (Rule, Match, Target, Option)


class _Fail(Exception):
    """The command has something a shape function cannot reproduce."""


class _Recipe:
    """Python source that rebuilds one command from its words, and what it reads of them."""

    def __init__(self, words: list[Word], line: int, line_span: Span, text: str,
                 counters: Counters | None, path: str, registry: Registry) -> None:
        self.words = words
        self.line = line
        self.line_span = line_span
        self.text = text
        self.counters = counters
        self.path = path
        self.registry = registry
        self.starts = {w.span.column: i for i, w in enumerate(words)}
        self.ends = {w.span.end_column: i for i, w in enumerate(words)}
        self.body: list[str] = []
        self.spans: dict[tuple[int, int], str] = {}
        self.names: dict[str, Any] = {"_tn": tuple.__new__, "_Span": Span, "_path": path,
                                      "_Word": Word, "_new": object.__new__, "_CL": CommandLine}
        self.data: set[int] = set()
        self.jump = -1
        self.struct: tuple[int, ...] = ()
        self.counter = 0

    def var(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def word_at(self, span: Span) -> int:
        """The index of the one word ``span`` covers exactly."""
        i = self.starts.get(span.column)
        if i is None or self.ends.get(span.end_column) != i or span.line != self.line:
            raise _Fail
        return i

    def span(self, span: Span) -> str:
        if span is self.line_span:
            return "line_span"
        if span.file != self.path or span.line != self.line or span.end_line != self.line:
            raise _Fail
        i = self.starts.get(span.column)
        j = self.ends.get(span.end_column)
        if i is None or j is None:
            raise _Fail
        name = self.spans.get((i, j))
        if name is None:
            name = self.spans[(i, j)] = f"s{i}_{j}"
            self.body.append(f"    {name} = _tn(_Span, (_path, line, s[{i}], line, e[{j}]))")
        return name

    def copied(self, value: str, span: Span) -> str:
        """A value the AST copies from the word at ``span``."""
        i = self.word_at(span)
        if self.words[i].kind != "value" or self.words[i].text != value:
            raise _Fail
        self.data.add(i)
        return f"t[{i}]"

    def value(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, int, str)) and type(value) in (bool, int, str):
            if value is self.text and isinstance(value, str):
                return "text"
            return repr(value)
        if value is self.counters:
            return "counters"
        if value is self.line_span:
            return "line_span"
        if isinstance(value, Span):
            return self.span(value)
        if isinstance(value, Word):
            for i, w in enumerate(self.words):
                if w is value:
                    return f"_tn(_Word, (t[{i}], r[{i}], {self.span(w.span)}, {w.kind!r}))"
            raise _Fail
        if type(value) is tuple:
            return "(" + "".join(self.value(v) + ", " for v in value) + ")"
        if type(value) in _NODES:
            return self.node(value)
        raise _Fail

    def node(self, obj: Any) -> str:
        cls = type(obj)
        fields = dataclasses.fields(cls)
        exprs: dict[str, str] = {}
        for f in fields:
            value = getattr(obj, f.name)
            if cls is Option and f.name == "values" and obj.name != "protocol":
                if len(obj.value_spans) != len(value):
                    raise _Fail
                exprs[f.name] = "(" + "".join(self.copied(v, sp) + ", "
                                              for v, sp in zip(value, obj.value_spans)) + ")"
            elif cls is Rule and f.name == "chain" and obj.chain_span is not None and value:
                exprs[f.name] = self.copied(value, obj.chain_span)
            elif cls is Target and f.name == "name":
                self.jump = self.word_at(obj.name_span)
                if self.registry.target(value) is None:
                    exprs[f.name] = self.copied(value, obj.name_span)
                else:
                    exprs[f.name] = repr(value)
            else:
                exprs[f.name] = self.value(value)
        return self.construct(cls, [(f.name, exprs[f.name]) for f in fields])

    def construct(self, cls: type, exprs: list[tuple[str, str]]) -> str:
        name = self.var()
        cls_name = f"_{cls.__name__}"
        self.names[cls_name] = cls
        fast = not hasattr(cls, "__post_init__") and all(
            type(cls.__dict__.get(f)).__name__ == "member_descriptor" for f, _ in exprs)
        if fast:
            self.body.append(f"    {name} = _new({cls_name})")
            for field_name, expr in exprs:
                setter = f"_set_{cls.__name__}_{field_name.replace('-', '_')}"
                self.names[setter] = cls.__dict__[field_name].__set__
                self.body.append(f"    {setter}({name}, {expr})")
        else:
            args = ", ".join(f"{f}={e}" for f, e in exprs)
            self.body.append(f"    {name} = {cls_name}({args})")
        return name

    def command(self, cmd: CommandLine) -> None:
        fields: list[tuple[str, str]] = []
        for f in dataclasses.fields(CommandLine):
            value = getattr(cmd, f.name)
            if f.name == "rule":
                expr = self.node(value) if value is not None else "None"
            elif f.name == "chain" and value is not None and cmd.chain_span is not None:
                expr = self.copied(value, cmd.chain_span)
            elif isinstance(value, list):
                if f.name != "args" and value:
                    raise _Fail  # problems, warnings ...: left to the builder
                expr = "[" + "".join(self.value(v) + ", " for v in value) + "]"
            else:
                expr = self.value(value)
            fields.append((f.name, expr))
        if hasattr(CommandLine, "__post_init__") or hasattr(CommandLine, "__slots__") or \
                not all(f.init for f in dataclasses.fields(CommandLine)):
            self.body.append(f"    return _CL({', '.join(f'{n}={e}' for n, e in fields)})")
            return
        # a plain dataclass: its __dict__ holds exactly its fields, in order
        self.body.append("    cmd = _new(_CL)")
        self.body.append("    cmd.__dict__ = {" + ", ".join(f"{n!r}: {e}" for n, e in fields) + "}")
        self.body.append("    return cmd")

    def compile(self) -> Callable[..., CommandLine]:
        source = "def make(t, r, s, e, line, line_span, text, counters):\n" + "\n".join(self.body) + "\n"
        namespace = dict(self.names)
        exec(compile(source, "<fwlint shape>", "exec"), namespace)  # noqa: S102 - made from the AST above
        make = namespace["make"]
        make.source = source
        return make


def _derive(words: list[Word], cmd: CommandLine, line: int, line_span: Span, text: str,
            counters: Counters | None, path: str, registry: Registry) -> _Recipe | None:
    """The function that rebuilds ``cmd`` from words of the same shape, or None."""
    if cmd.rule is None:
        return None
    recipe = _Recipe(words, line, line_span, text, counters, path, registry)
    try:
        recipe.command(cmd)
    except _Fail:
        return None
    recipe.struct = tuple(i for i, w in enumerate(words)
                          if w.kind == "value" and i not in recipe.data and i != recipe.jump)
    return recipe
