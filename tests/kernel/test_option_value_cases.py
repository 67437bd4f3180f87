"""The option and value rules' case files, checked against iptables-legacy-restore and the kernel.

For FW102 (unknown-option), FW108 (invalid-value), FW111 (wrong-family), FW112
(repeated-option), FW113 (cidr-host-bits), FW114 (match-needs-protocol) and FW116
(missing-option) an error means "iptables-legacy-restore refuses the file, in userspace or
when the table is committed" and a warning means "it is accepted".  Each case ruleset is
restored (committed) in a throwaway namespace: a passing case is accepted whole; for a failing
case the ruleset without the lines that carry findings is accepted, and with each finding's line
put back alone it is refused when the finding is an error and accepted when it is a warning.  A
case's `kernel:` key says why iptables refuses it all the same: a passing case's because of
another rule's finding, a failing case's warnings because a host name does not resolve in a
namespace without DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fwlint.lint.engine import catalogue
from tests.kernel.conftest import require_root_and

CASES = Path(__file__).parents[1] / "rules" / "cases"
CODES = ("FW102", "FW108", "FW111", "FW112", "FW113", "FW114", "FW116")


def _params() -> list:
    params = []
    for code in CODES:
        data = yaml.safe_load((CASES / f"{code}.yml").read_text(encoding="utf-8"))
        for kind in ("passing", "failing"):
            for item in data.get(kind) or ():
                params.append(pytest.param(code, kind, item, id=f"{code}-{kind}-{item['name']}"))
    return params


def _restore(netns, lines: list[str], family: int):
    tool = "iptables-legacy-restore" if family == 4 else "ip6tables-legacy-restore"
    return netns.run(tool, input="\n".join(lines) + "\n")


@pytest.mark.parametrize(("code", "kind", "item"), _params())
def test_case_agrees_with_iptables(netns, code, kind, item):
    require_root_and("iptables-legacy-restore", "ip6tables-legacy-restore")
    family = 6 if str(item.get("path", "")).endswith(".v6") else 4
    lines = item["ruleset"].splitlines()
    if kind == "passing":
        done = _restore(netns, lines, family)
        if item.get("kernel"):
            assert done.returncode != 0, f"expected a refusal ({item['kernel']}), but it was accepted"
        else:
            assert done.returncode == 0, done.stderr
        return
    default = str(catalogue().get(code).severity)
    marked = {f["line"] for f in item["findings"]}
    without = [text for n, text in enumerate(lines, 1) if n not in marked]
    done = _restore(netns, without, family)
    assert done.returncode == 0, f"refused even without the finding lines: {done.stderr}"
    for finding in item["findings"]:
        alone = [text for n, text in enumerate(lines, 1) if n == finding["line"] or n not in marked]
        done = _restore(netns, alone, family)
        if finding.get("severity", default) == "error" or item.get("kernel"):
            assert done.returncode != 0, f"line {finding['line']} was accepted: " \
                                         f"{lines[finding['line'] - 1]}"
        else:
            assert done.returncode == 0, f"line {finding['line']} is a warning but was refused: " \
                                         f"{done.stderr}"
