"""What each subcommand does, apart from argument handling."""

from __future__ import annotations

import json
import sys
from typing import Sequence

from fwlint.check import UsageError, check_paths, fix_paths
from fwlint.lint.diagnostic import Severity
from fwlint.lint.engine import catalogue
from fwlint.report import FORMATS


def check(paths: Sequence[str], *, select: Sequence[str], ignore: Sequence[str],
          output_format: str, family: int | None, fail_level: str,
          stdin_filename: str | None = None, fix: bool = False, unsafe_fixes: bool = False) -> int:
    cat = catalogue()
    unknown = cat.unknown_selectors([*select, *ignore])
    if unknown:
        raise UsageError(f"unknown rule code or prefix: {', '.join(unknown)} (see `fwlint rules`)")
    rules = cat.select(select, ignore)
    if fix:
        result, fixed = fix_paths(paths, rules, family, unsafe=unsafe_fixes)
        if fixed:
            print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.", file=sys.stderr)
    else:
        result = check_paths(paths, rules, family, stdin_filename)
    FORMATS[output_format](result.diagnostics, sys.stdout)
    threshold = Severity.parse(fail_level)
    return 1 if any(d.severity >= threshold for d in result.diagnostics) else 0


def list_rules(output_format: str = "text") -> int:
    rules = list(catalogue())
    if output_format == "json":
        json.dump([{"code": r.code, "name": r.name, "severity": str(r.severity),
                    "fixable": r.fixable, "summary": r.summary(),
                    "plugin": r.__module__.split(".")[0]} for r in rules],
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(r.name) for r in rules), default=10)
    for r in rules:
        fix = r.fixable or "-"
        print(f"{r.code}  {r.name:<{width}}  {str(r.severity):<7}  fix:{fix:<6}  {r.summary()}")
    return 0


def show_rule(code: str) -> int:
    rule = catalogue().get(code)
    if rule is None:
        raise UsageError(f"no rule {code!r} (see `fwlint rules`)")
    print(f"# {rule.code} {rule.name}")
    print()
    print(f"Severity: {rule.severity}. Fix: {rule.fixable or 'none'}.")
    print()
    print(rule.documentation())
    return 0

