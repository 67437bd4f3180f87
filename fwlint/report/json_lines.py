"""One JSON object a line, one line a finding (the objects of the json format, unindented)."""

from __future__ import annotations

import json
from typing import TextIO

from fwlint.report import Report


def write(report: Report, out: TextIO) -> None:
    for d in report.diagnostics:
        out.write(json.dumps(d.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n")
