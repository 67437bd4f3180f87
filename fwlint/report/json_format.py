"""A JSON list of findings, with ruff's field names."""

from __future__ import annotations

import json
from typing import TextIO

from fwlint.report import Report


def write(report: Report, out: TextIO) -> None:
    json.dump([d.to_json() for d in report.diagnostics], out, indent=2, ensure_ascii=False)
    out.write("\n")
