"""Restoring rulesets in a test's network namespace, and what the kernel counted.

Shared by the kernel tests that check rule case files against iptables-legacy-restore and the
ones that count packets with rules that have no target.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from fwlint.lint.engine import catalogue

CASES = Path(__file__).parents[1] / "rules" / "cases"
RESTORE_TOOL = {4: "iptables-legacy-restore", 6: "ip6tables-legacy-restore"}


def restore(netns, lines: list[str], family: int) -> subprocess.CompletedProcess:
    """``lines`` restored (and committed) by iptables-legacy-restore or its IPv6 twin in ``netns``."""
    return netns.run(RESTORE_TOOL[family], input="\n".join(lines) + "\n")


def case_params(codes: tuple[str, ...]) -> list:
    """A ``(code, kind, item)`` pytest parameter for each passing and failing case of the case
    files of ``codes``."""
    params = []
    for code in codes:
        data = yaml.safe_load((CASES / f"{code}.yml").read_text(encoding="utf-8"))
        for kind in ("passing", "failing"):
            for item in data.get(kind) or ():
                params.append(pytest.param(code, kind, item, id=f"{code}-{kind}-{item['name']}"))
    return params


def check_case_against_restore(netns, code: str, kind: str, item: dict, *,
                               kernel_refuses_warnings: bool) -> None:
    """A case agrees with iptables-legacy-restore: a passing case is accepted whole (refused when
    its ``kernel:`` key says why); without the finding lines a failing case is accepted, and with
    each finding's line put back alone it is refused when the finding is an error and accepted
    when it is a warning.  ``kernel_refuses_warnings``: a failing case's ``kernel:`` key means
    its warning lines are refused too."""
    family = 6 if str(item.get("path", "")).endswith(".v6") else 4
    lines = item["ruleset"].splitlines()
    if kind == "passing":
        done = restore(netns, lines, family)
        if item.get("kernel"):
            assert done.returncode != 0, f"expected a refusal ({item['kernel']}), but it was accepted"
        else:
            assert done.returncode == 0, done.stderr
        return
    default = str(catalogue().get(code).severity)
    marked = {f["line"] for f in item["findings"]}
    without = [text for n, text in enumerate(lines, 1) if n not in marked]
    done = restore(netns, without, family)
    assert done.returncode == 0, f"refused even without the finding lines: {done.stderr}"
    for finding in item["findings"]:
        alone = [text for n, text in enumerate(lines, 1) if n == finding["line"] or n not in marked]
        done = restore(netns, alone, family)
        if finding.get("severity", default) == "error" or (kernel_refuses_warnings and item.get("kernel")):
            assert done.returncode != 0, f"line {finding['line']} was accepted: " \
                                         f"{lines[finding['line'] - 1]}"
        else:
            assert done.returncode == 0, f"line {finding['line']} is a warning but was refused: " \
                                         f"{done.stderr}"


def packet_counts(netns, *save_args: str) -> dict[str, int]:
    """How many packets each rule of ``iptables-legacy-save -c`` (with ``save_args``) counted,
    by the rule as it saves it (``-A INPUT ...``)."""
    saved = netns.run("iptables-legacy-save", "-c", *save_args)
    assert saved.returncode == 0, saved.stderr
    return {m.group(2): int(m.group(1)) for line in saved.stdout.splitlines()
            if (m := re.match(r"\[(\d+):\d+\] (-A .*)", line))}
