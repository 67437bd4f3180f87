"""Suppression comments: findings the ruleset's author has looked at and accepted.

Four forms, read from the Ruleset (its ``#`` comments, the ``-m comment`` of its rules and its
source lines), so that every front end gets them:

``# fwlint: ignore=FW201,FW204``
    on the line above a rule (or anywhere in a run of comment lines right above it): findings of
    those codes whose first line lies in that rule (all its lines, for a rule continued over
    several) are suppressed.  At the end of a line that holds a rule (a shell script's trailing
    comment) it covers that rule.
``# fwlint: disable=FW4`` ... ``# fwlint: enable=FW4``
    from the disable down to the enable (or the end of the file).  For each finding the last
    disable or enable above it that names its code decides, so ``enable=FW401`` inside a
    ``disable=FW4`` range turns FW401 back on and leaves the rest of FW4 off.
``# fwlint: noqa`` (or ``noqa=CODES``)
    above the first table or rule: the whole file.
``-m comment --comment "fwlint: ignore=FW201"``
    inside the rule itself (this one survives ``iptables-save``, which drops ``#`` lines).

Codes are rule codes, prefixes (``FW4``), rule names or ``all``; without ``=CODES`` a directive
covers every rule.  Text after the code list (``ignore=FW204 kept for the audit``) is a reason and
is left alone.  A finding is suppressed when its first line is covered.

What nothing used, and what can never work (an unknown code, a misplaced noqa, an ignore with a
blank line under it ...), becomes a :class:`SuppressionProblem`; rules with a
``check_suppression`` hook (FW901 ``unused-suppression``) turn those into findings.  Whether a
code was "used" is only judged when every rule it names has run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

from fwlint.ast import Match, Rule as AstRule, Ruleset, Span
from fwlint.lint.diagnostic import Diagnostic, Edit

if TYPE_CHECKING:
    from fwlint.lint.rule import Rule

KINDS = ("ignore", "disable", "enable", "noqa")

MARKER = "fwlint:"

# "fwlint:" as a word of its own, then the directive's word.
_DIRECTIVE = re.compile(r"(?<![\w-])fwlint:[ \t]*(?P<kind>[A-Za-z][A-Za-z0-9_-]*)")
_CODE_LIST = re.compile(r"[ \t]*=[ \t]*(?P<codes>[A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*)")
_ITEM = re.compile(r"[A-Za-z0-9_-]+")
_AFTER_CODES = ")]}.'\""  # what may close a code list besides a blank: "(fwlint: ignore=FW204)"
_SEPARATOR = re.compile(r"[ \t]*,[ \t]*")
_TRAILING_SEPARATORS = " \t;,:-\u2013\u2014|/"


@dataclass(frozen=True)
class Code:
    """One code of a directive's list, as written, with its columns (end exclusive)."""

    text: str
    column: int
    end_column: int


@dataclass(eq=False)
class Directive:
    """One ``fwlint:`` directive, where it stands and what it covers."""

    kind: str  # ignore, disable, enable, noqa, or the unknown word written
    codes: tuple[Code, ...]  # empty: every rule
    span: Span  # "fwlint:" through the code list
    place: str  # "comment" (a # comment) or "rule" (a rule's -m comment)
    codes_span: Span | None = None  # the code list; None without one or when its place is unknown
    separator: str = ","
    removal: Edit | None = None  # deleting the whole directive (its comment, its -m comment)
    covers: tuple[int, int] | None = None  # an ignore's first and last line
    problem: str | None = None  # why it can never suppress anything
    next_line: int | None = None  # for a dangling ignore: the line under it (None: end of file)
    used: set[int] = field(default_factory=set)  # indexes of codes that suppressed something

    @property
    def text(self) -> str:
        """The directive as a reader would quote it: ``ignore=FW201,FW204``."""
        if not self.codes:
            return self.kind
        return f"{self.kind}=" + self.separator.join(c.text for c in self.codes)

    def selectors(self) -> list[tuple[int, str | None]]:
        """(index, code) for each code; (-1, None) for a directive that names no code."""
        if not self.codes:
            return [(-1, None)]
        return [(i, c.text) for i, c in enumerate(self.codes)]

    def removing(self, indexes: Iterable[int]) -> Edit | None:
        """The edit that deletes those codes, or the whole directive when no code would be left."""
        drop = set(indexes)
        kept = [c.text for i, c in enumerate(self.codes) if i not in drop]
        if not kept or not self.codes:
            return self.removal
        if self.codes_span is None:
            return None
        return Edit(self.separator.join(kept), self.codes_span)


@dataclass(frozen=True)
class SuppressionProblem:
    """A directive (or some of its codes) that suppresses nothing.

    ``kind`` is one of ``unused`` (nothing for these codes to suppress where it stands),
    ``unknown-code``, ``enables-nothing`` (an enable with no disable in force before it),
    ``unknown-directive``, ``malformed``, ``misplaced-noqa`` (after the first table or rule),
    ``dangling-ignore`` (no rule right under it) and ``not-for-rules`` (a disable, enable or
    noqa inside a rule's -m comment).  ``codes`` are indexes into ``directive.codes``; empty for
    a directive that names no code (or when the problem is the whole directive).
    """

    kind: str
    directive: Directive
    codes: tuple[int, ...] = ()
    first_statement: int | None = None  # for misplaced-noqa: the line of the first table or rule

    @property
    def code_texts(self) -> tuple[str, ...]:
        return tuple(self.directive.codes[i].text for i in self.codes)

    @property
    def fix(self) -> Edit | None:
        """The edit that deletes what suppresses nothing (None for problems needing a person)."""
        if self.kind not in ("unused", "unknown-code", "enables-nothing"):
            return None
        return self.directive.removing(self.codes)


# --- finding directives ----------------------------------------------------------------------

def parse_directive(text: str, line: int, column: int, file: str, place: str) -> Directive | None:
    """The directive in ``text`` (which starts at ``line``:``column``), or None when there is none.

    An unknown word after ``fwlint:`` counts only when ``=`` follows it (``ignroe=FW204``), so
    that prose such as "managed by fwlint: do not edit" is left alone."""
    m = _DIRECTIVE.search(text)
    if m is None:
        return None
    kind = m.group("kind")
    end = m.end()
    codes: list[Code] = []
    codes_span = None
    separator = ","
    listed = _CODE_LIST.match(text, end)
    if listed is not None:
        start = listed.start("codes")
        for item in _ITEM.finditer(listed.group("codes")):
            codes.append(Code(item.group(), column + start + item.start(), column + start + item.end()))
        sep = _SEPARATOR.search(listed.group("codes"))
        if sep is not None:
            separator = sep.group()
        end = listed.end()
        codes_span = Span(file, line, column + start, line, column + end)
    problem = None
    rest = text[end:]
    if kind.lower() not in KINDS:
        if listed is None:
            return None
        problem = "unknown-directive"
    else:
        kind = kind.lower()
        if rest and not rest[0].isspace() and not (listed is not None and rest[0] in _AFTER_CODES):
            problem = "malformed"  # noqa:FW204, ignore=, ignore=FW204;FW203
    span = Span(file, line, column + m.start(), line, column + end)
    return Directive(kind, tuple(codes), span, place, codes_span, separator, problem=problem)


@dataclass
class _Source:
    """What suppression needs to know about one source file, from all its rulesets."""

    path: str
    lines: list[str]
    comments: dict[Span, str]
    rules: dict[tuple[Span, str], AstRule]
    statement_ends: dict[int, int]  # first line of a statement -> its last line
    first_statement: int | None

    def statement_at(self, line: int) -> tuple[int, int]:
        """The first and last line of the statement that holds ``line`` (a rule continued over
        several lines in a script), or just that line."""
        for first, last in self.statement_ends.items():
            if first <= line <= last:
                return first, last
        return line, line


def _gather(rulesets: Sequence[Ruleset]) -> _Source:
    path = rulesets[0].path
    source = next((rs.source for rs in rulesets if rs.source), "")
    comments: dict[Span, str] = {}
    rules: dict[tuple[Span, str], AstRule] = {}
    ends: dict[int, int] = {}
    first: int | None = None
    for rs in rulesets:
        for c in rs.comments:
            comments[c.span] = c.text
        for table in rs.tables:
            first = table.span.line if first is None else min(first, table.span.line)
            for chain in table.chains:
                if chain.span is not None:
                    first = min(first, chain.span.line)
            for rule in [*table.rules(), *table.undeclared_rules]:
                rules[(rule.span, rule.text)] = rule
                first = min(first, rule.span.line)
                if ends.get(rule.span.line, 0) < rule.span.end_line:
                    ends[rule.span.line] = rule.span.end_line
    return _Source(path, source.split("\n"), comments, rules, ends, first)


def _comment_directive(src: _Source, span: Span, raw_text: str) -> Directive | None:
    text = raw_text.rstrip("\r")
    d = parse_directive(text, span.line, span.column, src.path, "comment")
    if d is None:
        return None
    line_text = src.lines[span.line - 1].rstrip("\r") if span.line <= len(src.lines) else text
    before = line_text[:span.column - 1]
    trailing = bool(before.strip())  # code before the # on this line
    # What deleting the whole directive removes.
    index = d.span.column - span.column  # where "fwlint:" starts in the comment text
    prefix = text[:index].lstrip("#")
    comment_end = span.column + len(text)
    if prefix.strip(_TRAILING_SEPARATORS):
        keep = len(text[:index].rstrip(_TRAILING_SEPARATORS))
        d.removal = Edit("", Span(src.path, span.line, span.column + keep, span.line, comment_end))
    elif trailing:
        start = len(before.rstrip()) + 1
        d.removal = Edit("", Span(src.path, span.line, start, span.line, comment_end))
    else:
        d.removal = Edit("", _whole_line(src, span.line))
    # What an ignore covers.
    if d.kind == "ignore" and d.problem is None:
        if trailing:
            d.covers = src.statement_at(span.line)
        else:
            n = span.line + 1
            while n <= len(src.lines) and src.lines[n - 1].lstrip().startswith("#"):
                n += 1
            last = len(src.lines) - (1 if src.lines[-1] == "" else 0)
            if n > last or not src.lines[n - 1].strip():
                d.problem = "dangling-ignore"
                d.next_line = n if n <= last else None
            else:
                d.covers = (n, src.statement_ends.get(n, n))
    elif d.kind == "noqa" and d.problem is None and src.first_statement is not None \
            and span.line > src.first_statement:
        d.problem = "misplaced-noqa"
    return d


def _whole_line(src: _Source, line: int) -> Span:
    """The span of a line with its line end (or, for the last line, the line end before it)."""
    if line < len(src.lines):
        return Span(src.path, line, 1, line + 1, 1)
    end = len(src.lines[line - 1]) + 1
    if line > 1:
        return Span(src.path, line - 1, len(src.lines[line - 2]) + 1, line, end)
    return Span(src.path, line, 1, line, end)


def _rule_directives(src: _Source, rule: AstRule) -> Iterable[Directive]:
    for match in rule.matches:
        if match.name != "comment":
            continue
        for opt in match.options:
            if opt.name != "comment" or not opt.values or MARKER not in opt.values[0]:
                continue
            d = _rule_comment_directive(src, rule, match, opt.values[0],
                                        opt.value_spans[0] if opt.value_spans else opt.span)
            if d is not None:
                yield d


def _rule_comment_directive(src: _Source, rule: AstRule, match: Match, text: str,
                            value_span: Span) -> Directive | None:
    # Where the unquoted text stands in the source: known when the word is written plainly or
    # in plain quotes; otherwise (escapes) the finding points at the whole value, without a fix.
    raw = ""
    if value_span.line == value_span.end_line and value_span.line <= len(src.lines):
        raw = src.lines[value_span.line - 1][value_span.column - 1:value_span.end_column - 1]
    if raw == text:
        base = value_span.column
    elif raw in (f'"{text}"', f"'{text}'"):
        base = value_span.column + 1
    else:
        base = None
    d = parse_directive(text, value_span.line, base or 1, src.path, "rule")
    if d is None:
        return None
    if base is None:
        d.span, d.codes_span = value_span, None
    else:
        index = d.span.column - base
        prefix = text[:index]
        if prefix.strip(_TRAILING_SEPARATORS):
            keep = len(prefix.rstrip(_TRAILING_SEPARATORS))
            d.removal = Edit("", Span(src.path, value_span.line, base + keep, value_span.line,
                                      base + len(text)))
        elif len(match.options) == 1 and match.span.line == match.span.end_line:
            line_text = src.lines[match.span.line - 1]
            start, end = match.span.column, match.span.end_column
            # A front end may give a quoted value's span without its quotes (the script one does).
            if value_span.end_column == end and value_span.column >= 2:
                quote = line_text[value_span.column - 2]
                if quote in "\"'" and end <= len(line_text) and line_text[end - 1] == quote:
                    end += 1
            if start > 1 and line_text[start - 2] in " \t":
                start -= 1
            elif end <= len(line_text) and line_text[end - 1] in " \t":
                end += 1
            d.removal = Edit("", Span(src.path, match.span.line, start, match.span.line, end))
    if d.problem is None:
        if d.kind == "ignore":
            d.covers = (rule.span.line, rule.span.end_line)
        else:
            d.problem = "not-for-rules"
    return d


def collect(rulesets: Sequence[Ruleset]) -> tuple[_Source, list[Directive]]:
    """Every directive of one source (all the rulesets given are of the same file)."""
    src = _gather(rulesets)
    found: list[Directive] = []
    for span, text in src.comments.items():
        if MARKER in text:
            d = _comment_directive(src, span, text)
            if d is not None:
                found.append(d)
    for rule in src.rules.values():
        found.extend(_rule_directives(src, rule))
    found.sort(key=lambda d: (d.span.line, d.span.column))
    return src, found


# --- applying them ---------------------------------------------------------------------------

def _names(selector: str | None, code: str, name: str) -> bool:
    if selector is None:
        return True
    upper = selector.upper()
    return upper == "ALL" or code.startswith(upper) or selector == name


class Suppressions:
    """The directives of one source file and what they have suppressed so far."""

    def __init__(self, path: str, directives: list[Directive], known: dict[str, str],
                 first_statement: int | None = None) -> None:
        self.path = path
        self.directives = directives
        self.known = known  # code -> name of every rule fwlint knows (loaded or run)
        self.first_statement = first_statement
        self.by_line: dict[int, list[Directive]] = {}
        self.noqa: list[Directive] = []
        self.ranges: list[Directive] = []  # disable and enable, in source order
        for d in directives:
            if d.problem is not None:
                continue
            if d.kind == "ignore" and d.covers is not None:
                for n in range(d.covers[0], d.covers[1] + 1):
                    self.by_line.setdefault(n, []).append(d)
            elif d.kind == "noqa":
                self.noqa.append(d)
            elif d.kind in ("disable", "enable"):
                self.ranges.append(d)

    def _matching_codes(self, selector: str | None) -> set[str]:
        return {code for code, name in self.known.items() if _names(selector, code, name)}

    def _covering(self, diagnostic: Diagnostic,
                  exclude: Directive | None = None) -> list[tuple[Directive, int]]:
        """The (directive, code index) pairs that suppress ``diagnostic``."""
        line, code, name = diagnostic.span.line, diagnostic.code, diagnostic.name
        hits: list[tuple[Directive, int]] = []
        for d in [*self.noqa, *self.by_line.get(line, ())]:
            if d is exclude:
                continue
            for i, selector in d.selectors():
                if _names(selector, code, name):
                    hits.append((d, i))
        decisive: tuple[Directive, int] | None = None
        for d in self.ranges:
            if d.span.line > line:
                break
            if d is exclude:
                continue
            for i, selector in d.selectors():
                if _names(selector, code, name):
                    decisive = (d, i)
        if decisive is not None and decisive[0].kind == "disable":
            hits.append(decisive)
        return hits

    def known_selector(self, selector: str) -> bool:
        return bool(self._matching_codes(selector))

    def suppress(self, diagnostic: Diagnostic, exclude: Directive | None = None) -> bool:
        """True (and the directives marked used) when ``diagnostic`` is suppressed."""
        if diagnostic.span.file != self.path:
            return False
        hits = self._covering(diagnostic, exclude)
        for d, i in hits:
            d.used.add(i)
        return bool(hits)

    def problems(self, selected: set[str]) -> list[SuppressionProblem]:
        """What suppresses nothing, judged for the codes of ``selected`` (the rules that ran)."""
        out: list[SuppressionProblem] = []
        everything_ran = set(self.known) <= selected
        for d in self.directives:
            if d.problem is not None:
                out.append(SuppressionProblem(d.problem, d, (), self.first_statement))
                continue
            unknown = tuple(i for i, c in enumerate(d.codes) if not self.known_selector(c.text))
            if unknown:
                out.append(SuppressionProblem("unknown-code", d, unknown))
            if d.kind == "enable":
                idle = [i for i, selector in d.selectors()
                        if i not in unknown and not self._enables_something(d, selector)]
                if idle:
                    out.append(SuppressionProblem("enables-nothing", d, tuple(i for i in idle if i >= 0)))
                continue
            if not d.codes:
                if everything_ran and -1 not in d.used:
                    out.append(SuppressionProblem("unused", d, ()))
                continue
            unused = tuple(i for i, c in enumerate(d.codes)
                           if i not in unknown and i not in d.used
                           and self._matching_codes(c.text) <= selected)
            if unused:
                out.append(SuppressionProblem("unused", d, unused))
        return out

    def _enables_something(self, enable: Directive, selector: str | None) -> bool:
        """True when some code ``selector`` names is disabled just before ``enable``."""
        for code in self._matching_codes(selector):
            name = self.known[code]
            state = None
            for d in self.ranges:
                if d is enable:
                    break
                for _, other in d.selectors():
                    if _names(other, code, name):
                        state = d.kind
            if state == "disable":
                return True
        return False


def apply_suppressions(rulesets: Sequence[Ruleset], diagnostics: list[Diagnostic],
                       rules: Sequence["Rule"], known: dict[str, str] | None = None) -> list[Diagnostic]:
    """``diagnostics`` less the suppressed ones, plus what the rules' ``check_suppression``
    hooks (FW901) say about the directives.  ``rulesets`` are those of one source file."""
    if not rulesets:
        return diagnostics
    if all(rs.source and MARKER not in rs.source for rs in rulesets):
        return diagnostics  # the common case: no directive at all
    src, directives = collect(rulesets)
    if not directives:
        return diagnostics
    if known is None:
        from fwlint.lint.engine import catalogue

        known = {code: rule.name for code, rule in catalogue().by_code.items()}
    known = {**known, **{r.code: r.name for r in rules}}
    table = Suppressions(src.path, directives, known, src.first_statement)
    kept = [d for d in diagnostics if not table.suppress(d)]
    hooks = [r for r in rules if r.checks_suppressions()]
    if not hooks:
        return kept
    selected = {r.code for r in rules}
    while True:
        marks = sum(len(d.used) for d in directives)
        about: list[Diagnostic] = []
        for problem in table.problems(selected):
            for rule in hooks:
                for found in rule.check_suppression(problem):
                    if not table.suppress(found, exclude=problem.directive):
                        about.append(found)
        if sum(len(d.used) for d in directives) == marks:
            return kept + about
