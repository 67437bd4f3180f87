"""The placement rules' case files, checked against the kernel.

For FW105 (target-not-allowed-here), FW107 (chain-loop) and FW110 (match-not-allowed-here) an
error means "iptables-legacy-restore fails when the table is committed" and a warning means "it
is accepted".  Each case ruleset is restored in a throwaway namespace: without the lines that
carry findings it must be accepted; with each finding's line put back alone it must be refused
when the finding is an error and accepted when it is a warning.  A passing case is accepted
whole, unless its `kernel:` key says why the kernel refuses it for another reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fwlint.lint.engine import catalogue
from fwlint.testing import run_rule
from tests.kernel.conftest import require_root_and

CASES = Path(__file__).parents[1] / "rules" / "cases"
CODES = ("FW105", "FW107", "FW110")


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
def test_case_agrees_with_the_kernel(netns, code, kind, item):
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
        if finding.get("severity", default) == "error":
            assert done.returncode != 0, f"line {finding['line']} is an error but was accepted"
        else:
            assert done.returncode == 0, f"line {finding['line']} is a warning but was refused: " \
                                         f"{done.stderr}"


CORPUS_FILE = Path(__file__).parents[2] / "corpus" / "router-mistakes.v4"


def test_corpus_errors_are_the_kernels_refusals(netns):
    """corpus/router-mistakes.v4: without the lines fwlint calls errors (FW105, FW107, FW110)
    the kernel takes the file; with any one of them back, it refuses it."""
    require_root_and("iptables-legacy-restore")
    text = CORPUS_FILE.read_text(encoding="utf-8")
    errors = sorted({d.span.line for code in CODES for d in run_rule(code, text, CORPUS_FILE.name)
                     if str(d.severity) == "error"})
    assert errors == [16, 27, 38, 47]
    lines = text.splitlines()
    without = [line for n, line in enumerate(lines, 1) if n not in errors]
    done = _restore(netns, without, 4)
    assert done.returncode == 0, done.stderr
    for error in errors:
        alone = [line for n, line in enumerate(lines, 1) if n == error or n not in errors]
        assert _restore(netns, alone, 4).returncode != 0, f"line {error} was accepted"
