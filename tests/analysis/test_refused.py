"""Every rule iptables refuses is left out of the model.

Each failing case of tests/rules/cases/FW1*.yml with an error-level finding on a rule's line
is built into a model: the rules at that line must be ``excluded`` (or not in a chain at all),
so no finding of FW201-FW204 ever rests on a rule the kernel would not load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fwlint.analysis import build_model
from fwlint.parse import parse_text
from fwlint.testing import load_cases

CASES = Path(__file__).parent.parent / "rules" / "cases"


def _refusals() -> list:
    out = []
    for path in sorted(CASES.glob("FW1*.yml")):
        for case in load_cases(path):
            if not case.findings:
                continue
            lines = sorted({f["line"] for f in case.findings if f.get("severity", "error") == "error"})
            if lines:
                out.append(pytest.param(case, lines, id=f"{path.stem}-{case.name}"))
    return out


@pytest.mark.parametrize(("case", "lines"), _refusals())
def test_refused_rule_left_out(case, lines):
    kept = []
    for ruleset in parse_text(case.ruleset, case.path, case.family):
        model = build_model(ruleset)
        for rule in ruleset.rules():
            if rule.span.line not in lines:
                continue
            rm = model.rule_model(rule)
            if rm is not None and rm.excluded is None:
                kept.append(rule.span.line)
    assert kept == [], f"rules the kernel refuses kept in the model at lines {kept}"


def test_same_options_refused_by_what_comes_before_them():
    """Whether a value is read with the rule's protocol (multiport's service names) depends on
    the -p written before the option: the same options after `-p tcp` are loaded, before it
    refused, in whatever order the rules come (nothing of one rule's check carries over)."""
    text = ("*filter\n:INPUT ACCEPT [0:0]\n"
            "-A INPUT -m multiport --dports ssh -p tcp -j DROP\n"
            "-A INPUT -p tcp -m multiport --dports ssh -j DROP\n"
            "-A INPUT -m multiport --dports ssh -p tcp -j DROP\n"
            "-A INPUT -p tcp -m multiport --dports ssh -j DROP\n"
            "COMMIT\n")
    (ruleset,) = parse_text(text, "order.v4")
    rules = build_model(ruleset).tables[0].rules["INPUT"]
    refused = ("-m multiport: --dports: multiport needs -p tcp, udp, udplite, sctp or dccp "
               "before its ports")
    assert [(rm.line, rm.excluded) for rm in rules] == [(3, refused), (4, None), (5, refused), (6, None)]
