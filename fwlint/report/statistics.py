"""`--statistics`: how many findings each rule has, instead of the findings themselves.

```
2 FW204 [ ] duplicate-rule
1 FW101 [*] unknown-target
```

Most frequent first (then by code); ``[*]`` marks a rule whose findings have safe fixes (the mark
column is left out when none has one).  With ``--output-format json`` the same as a JSON list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence, TextIO

from fwlint.lint.diagnostic import Diagnostic
from fwlint.report import Report
from fwlint.report.style import Style
from fwlint.report.text import has_safe_fix, write_summary


@dataclass
class Statistic:
    code: str
    name: str
    count: int
    fixable: bool

    def to_json(self) -> dict:
        return {"code": self.code, "name": self.name, "count": self.count, "fixable": self.fixable}


def statistics(diagnostics: Sequence[Diagnostic]) -> list[Statistic]:
    by_code: dict[str, Statistic] = {}
    for d in diagnostics:
        stat = by_code.setdefault(d.code, Statistic(d.code, d.name, 0, False))
        stat.count += 1
        stat.fixable = stat.fixable or has_safe_fix(d)
    return sorted(by_code.values(), key=lambda s: (-s.count, s.code))


def write(report: Report, out: TextIO) -> None:
    style = Style(report.color)
    stats = statistics(report.diagnostics)
    count_width = max((len(str(s.count)) for s in stats), default=1)
    code_width = max((len(s.code) for s in stats), default=1)
    any_fixable = any(s.fixable for s in stats)
    for s in stats:
        mark = (style.paint("[*]", "cyan") + " " if s.fixable else "[ ] ") if any_fixable else ""
        code = style.paint(f"{s.code:<{code_width}}", "bold-red")
        out.write(f"{s.count:>{count_width}} {code} {mark}{s.name}\n")
    write_summary(report, out)


def write_json(report: Report, out: TextIO) -> None:
    json.dump([s.to_json() for s in statistics(report.diagnostics)], out, indent=2, ensure_ascii=False)
    out.write("\n")
