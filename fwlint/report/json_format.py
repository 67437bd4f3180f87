"""A JSON list of findings, with ruff's field names."""

from __future__ import annotations

import json
from typing import Sequence, TextIO

from fwlint.lint.diagnostic import Diagnostic


def write(diagnostics: Sequence[Diagnostic], out: TextIO) -> None:
    json.dump([d.to_json() for d in diagnostics], out, indent=2, ensure_ascii=False)
    out.write("\n")
