"""Output formats: one module each."""

from __future__ import annotations

from typing import Callable, Sequence, TextIO

from fwlint.lint.diagnostic import Diagnostic
from fwlint.report import json_format, text

FORMATS: dict[str, Callable[[Sequence[Diagnostic], TextIO], None]] = {
    "text": text.write,
    "json": json_format.write,
}
