"""ANSI colours for the text formats, applied only when a report asks for colour."""

from __future__ import annotations

from fwlint.lint.diagnostic import Severity

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "cyan": "36",
    "bold-red": "1;31",
}

SEVERITY_STYLE = {Severity.ERROR: "bold-red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


class Style:
    """``style.paint(text, "red")`` gives ``text`` in red when colour is on, else ``text``."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

    def severity(self, severity: Severity, text: str) -> str:
        return self.paint(text, SEVERITY_STYLE.get(severity, "bold"))
