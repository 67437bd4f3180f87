"""Diagnostics, fixes and edits, shaped as ruff's are."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from fwlint.ast import Span


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: expected error, warning or info") from None


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based, end exclusive) with ``content``."""

    content: str
    span: Span

    def to_json(self) -> dict:
        return {"content": self.content,
                "location": {"row": self.span.line, "column": self.span.column},
                "end_location": {"row": self.span.end_line, "column": self.span.end_column}}


@dataclass(frozen=True)
class Fix:
    applicability: str  # "safe", "unsafe" or "display-only"
    message: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict:
        return {"applicability": self.applicability, "message": self.message,
                "edits": [e.to_json() for e in self.edits]}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    severity: Severity
    span: Span
    fix: Fix | None = None
    related: tuple[Span, ...] = field(default=())
    restates: tuple[tuple[str, Span], ...] = field(default=(), compare=False)
    """Findings of other rules that this one says again, as (code, span): when both rules run,
    only this one is reported (FW503 says what FW109 says of a `!` after its option, and more)."""

    @property
    def sort_key(self) -> tuple:
        s = self.span
        return (s.file, s.line, s.column, self.code, self.message)

    def to_json(self) -> dict:
        s = self.span
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": str(self.severity),
            "filename": s.file,
            "location": {"row": s.line, "column": s.column},
            "end_location": {"row": s.end_line, "column": s.end_column},
            "fix": self.fix.to_json() if self.fix else None,
            "related": [{"filename": r.file, "location": {"row": r.line, "column": r.column},
                         "end_location": {"row": r.end_line, "column": r.end_column}}
                        for r in self.related],
        }
