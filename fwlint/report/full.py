"""Each finding with its source: the line, a caret under the span, related rules, the fix as a diff.

```
rules.v4:6:31: FW101 [error] [*] unknown target -j ACCESPT: did you mean ACCEPT? ...
  |
6 | -A INPUT -p tcp --dport 22 -j ACCESPT
  |                               ^^^^^^^
  = fix (safe): replace ACCESPT with ACCEPT
  @@ -5,3 +5,3 @@
   -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  --A INPUT -p tcp --dport 22 -j ACCESPT
  +-A INPUT -p tcp --dport 22 -j ACCEPT
   COMMIT
```

The text comes from the report (what was checked, stdin included) or, failing that, the file.
Control characters in the source are shown as their Unicode control pictures (a CR as U+240D), so
a hostile file cannot drive the terminal and a CR LF fix has something to show.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence, TextIO

from fwlint.ast import Span
from fwlint.lint.diagnostic import Diagnostic, Edit, Fix
from fwlint.lint.fix import line_starts
from fwlint.report import Report
from fwlint.report.style import SEVERITY_STYLE, Style
from fwlint.report.text import format_line, write_summary

MAX_SPAN_LINES = 4
"""A span over more lines shows its first lines, an ellipsis and its last line."""
DIFF_CONTEXT = 1
MAX_DIFF_LINES = 24
"""A longer diff (a fix rewriting the whole file) shows its first lines and how many more there are."""


_VISIBLE = {**{code: 0x2400 + code for code in range(0x20) if code != 0x09}, 0x7F: 0x2421,
            **{code: 0xFFFD for code in range(0x80, 0xA0)}}
"""Control characters (not tab) -> a printable character of width one: the Unicode control
pictures for C0 and DEL, the replacement character for C1."""
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_ASCII_BLANKS = {code: " " for code in range(0x80) if code != 0x09}


def visible(text: str) -> str:
    """``text`` with control characters (not tab) replaced by something printable of width one."""
    if _CONTROL.search(text) is None:
        return text
    return text.translate(_VISIBLE)


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def pad_under(text: str) -> str:
    """Blanks as wide as ``text`` on a terminal (its tabs kept, so tab stops line up)."""
    if text.isascii():
        return " " * len(text) if "\t" not in text else text.translate(_ASCII_BLANKS)
    return "".join("\t" if ch == "\t" else " " * char_width(ch) for ch in text)


def mark_width(text: str) -> int:
    if text.isascii():
        return len(text) + 7 * text.count("\t")
    return sum(8 if ch == "\t" else char_width(ch) for ch in text)


class Source:
    """A file's text split into lines, with the offset each line starts at."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)
        if self.starts[-1] == len(text) and len(self.starts) > 1:
            self.starts.pop()  # the text ends in a newline: no empty last line

    @property
    def line_count(self) -> int:
        return len(self.starts) if self.text else 0

    def line(self, number: int) -> str:
        """Line ``number`` (1-based) without its newline; "" past the end."""
        if not 1 <= number <= self.line_count:
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end].removesuffix("\n")

    def offset(self, line: int, column: int) -> int:
        if line - 1 >= len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + column - 1, len(self.text))


def last_line_of(span: Span) -> int:
    """The last line a span covers: one ending at column 1 of a later line ends before it."""
    if span.end_line > span.line and span.end_column <= 1:
        return span.end_line - 1
    return max(span.line, span.end_line)


class FullWriter:
    def __init__(self, report: Report, out: TextIO) -> None:
        self.report = report
        self.out = out
        self.style = Style(report.color)
        self.sources: dict[str, Source | None] = {}

    def source(self, name: str) -> Source | None:
        if name not in self.sources:
            text = self.report.source(name)
            self.sources[name] = Source(text) if text is not None else None
        return self.sources[name]

    def emit(self, line: str = "") -> None:
        self.out.write(line + "\n")

    def gutter(self, width: int, number: int | None = None) -> str:
        label = "" if number is None else str(number)
        return self.style.paint(f"{label:>{width}} |", "blue")

    def snippet(self, span: Span, mark: str, mark_style: str, width: int) -> None:
        """The lines of ``span`` with ``mark`` characters under the part it covers."""
        source = self.source(span.file)
        if source is None:
            return
        first, last = span.line, last_line_of(span)
        numbers: list[int | None]
        if last - first + 1 > MAX_SPAN_LINES:
            numbers = [*range(first, first + MAX_SPAN_LINES - 1), None, last]
        else:
            numbers = list(range(first, last + 1))
        self.emit(self.gutter(width))
        for number in numbers:
            if number is None:
                self.emit(self.style.paint(f"{'...':>{width}}", "blue"))
                continue
            text = source.line(number)
            start = span.column if number == first else 1
            end = span.end_column if number == span.end_line else len(text) + 1
            start = max(start, 1)
            before = visible(text[:start - 1]) + " " * max(0, start - 1 - len(text))
            covered = visible(text[start - 1:max(end, start) - 1])
            marks = mark * max(1, mark_width(covered))
            self.emit(self.gutter(width, number) + (f" {visible(text)}" if text else ""))
            self.emit(f"{self.gutter(width)} {pad_under(before)}{self.style.paint(marks, mark_style)}")

    def fix_diff(self, fix: Fix, width: int) -> None:
        by_file: dict[str, list] = {}
        for edit in fix.edits:
            by_file.setdefault(edit.span.file, []).append(edit)
        indent = " " * (width + 1)
        for name, edits in by_file.items():
            source = self.source(name)
            if source is None:
                continue
            if len(by_file) > 1:
                self.emit(f"{indent}{self.style.paint(f'--- {name}', 'bold')}")
            first, lines = fix_hunk(source, edits)
            old_count = sum(1 for tag, _ in lines if tag != "+")
            new_count = sum(1 for tag, _ in lines if tag != "-")
            self.emit(f"{indent}{self.style.paint(hunk_header(first, old_count, new_count), 'cyan')}")
            colour = {"-": "red", "+": "green", " ": None}
            for tag, text in lines[:MAX_DIFF_LINES]:
                shown = tag + visible(text)
                self.emit(indent + (self.style.paint(shown, colour[tag]) if colour[tag] else shown))
            if len(lines) > MAX_DIFF_LINES:
                more = len(lines) - MAX_DIFF_LINES
                self.emit(indent + self.style.paint(f"... {more} more line{'s' if more != 1 else ''}",
                                                    "blue"))

    def finding(self, d: Diagnostic) -> None:
        spans = [d.span, *d.related]
        width = max(len(str(last_line_of(s))) for s in spans)
        self.emit(format_line(d, self.style))
        self.snippet(d.span, "^", SEVERITY_STYLE[d.severity], width)
        note = " " * width + " " + self.style.paint("=", "blue")
        for span in d.related:
            self.emit(f"{note} related: {span}")
            self.snippet(span, "-", "cyan", width)
        if d.fix is not None:
            message = f": {d.fix.message}" if d.fix.message else ""
            self.emit(f"{note} fix ({d.fix.applicability}){message}")
            self.fix_diff(d.fix, width)
        self.emit()


def split_lines(text: str) -> list[str]:
    return text.removesuffix("\n").split("\n") if text else []


def fix_hunk(source: Source, edits: Sequence[Edit],
             context: int = DIFF_CONTEXT) -> tuple[int, list[tuple[str, str]]]:
    """The lines the edits change as one diff hunk: its first line number, and (tag, text) pairs
    with tag " " (context), "-" (old) or "+" (new).  The changed lines are those the edits touch,
    less any leading and trailing lines the edits leave as they were."""
    first = min(e.span.line for e in edits)
    last = min(max(last_line_of(e.span) for e in edits), max(source.line_count, first))

    def edited(first: int, last: int) -> tuple[str, str]:
        region_start = source.offset(first, 1)
        old = source.text[region_start:source.offset(last + 1, 1)]
        new = old
        for edit in sorted(edits, key=lambda e: (e.span.line, e.span.column), reverse=True):
            start = source.offset(edit.span.line, edit.span.column) - region_start
            end = max(source.offset(edit.span.end_line, edit.span.end_column) - region_start, start)
            new = new[:start] + edit.content + new[end:]
        return old, new

    old, new = edited(first, last)
    while old.endswith("\n") and new and not new.endswith("\n") and last < source.line_count:
        last += 1  # the edit joins the next line to the last one it touches: show that line too
        old, new = edited(first, last)
    old_lines, new_lines = split_lines(old), split_lines(new)
    same_head = 0
    while same_head < min(len(old_lines), len(new_lines)) and old_lines[same_head] == new_lines[same_head]:
        same_head += 1
    same_tail = 0
    while (same_tail < min(len(old_lines), len(new_lines)) - same_head
           and old_lines[-1 - same_tail] == new_lines[-1 - same_tail]):
        same_tail += 1
    before_start = max(1, first - context)
    lines = [(" ", source.line(n)) for n in range(before_start, first)]
    lines += [(" ", text) for text in old_lines[:same_head]]
    lines += [("-", text) for text in old_lines[same_head:len(old_lines) - same_tail]]
    lines += [("+", text) for text in new_lines[same_head:len(new_lines) - same_tail]]
    lines += [(" ", text) for text in old_lines[len(old_lines) - same_tail:]]
    lines += [(" ", source.line(n)) for n in range(last + 1, min(last + context, source.line_count) + 1)]
    return before_start, lines


def hunk_header(first: int, old_count: int, new_count: int) -> str:
    def side(count: int) -> str:
        if count == 1:
            return str(first)
        return f"{first - 1 if count == 0 else first},{count}"

    return f"@@ -{side(old_count)} +{side(new_count)} @@"


def write(report: Report, out: TextIO) -> None:
    writer = FullWriter(report, out)
    for d in report.diagnostics:
        writer.finding(d)
    write_summary(report, out)
