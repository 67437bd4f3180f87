"""A JSON list of findings, with ruff's field names."""

from __future__ import annotations

from typing import TextIO

from fwlint.report import Report
from fwlint.report.indented_json import dumps


def write(report: Report, out: TextIO) -> None:
    # The list as json.dumps(..., indent=2) writes it, one finding at a time.
    out.write("[")
    separator = "\n  "
    for d in report.diagnostics:
        out.write(separator + dumps(d.to_json(), level=1))
        separator = ",\n  "
    out.write("\n]\n" if report.diagnostics else "]\n")
