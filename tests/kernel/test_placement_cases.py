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

from fwlint.testing import run_rule
from tests.kernel._restore import case_params, check_case_against_restore, restore
from tests.kernel.conftest import require_root_and

CODES = ("FW105", "FW107", "FW110")


@pytest.mark.parametrize(("code", "kind", "item"), case_params(CODES))
def test_case_agrees_with_the_kernel(netns, code, kind, item):
    require_root_and("iptables-legacy-restore", "ip6tables-legacy-restore")
    check_case_against_restore(netns, code, kind, item, kernel_refuses_warnings=False)


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
    done = restore(netns, without, 4)
    assert done.returncode == 0, done.stderr
    for error in errors:
        alone = [line for n, line in enumerate(lines, 1) if n == error or n not in errors]
        assert restore(netns, alone, 4).returncode != 0, f"line {error} was accepted"
