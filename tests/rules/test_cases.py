"""Every rule's YAML cases (tests/rules/cases/FWnnn.yml)."""

from pathlib import Path

import pytest

from fwlint.rules import builtin_rules
from fwlint.lint.rule import sections
from fwlint.testing import case_params, check_case

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize("case", case_params(CASES))
def test_case(case):
    check_case(case)


# fwlint's own rules (an installed plugin brings its own cases and codes).
@pytest.mark.parametrize("rule", sorted(builtin_rules(), key=lambda r: r.code), ids=lambda r: r.code)
def test_rule_has_cases_and_docs(rule):
    assert (CASES / f"{rule.code}.yml").is_file(), f"{rule.code} has no case file"
    doc = sections(rule)
    for title in ("What it does", "Why is this bad", "Example", "Use instead", "In nftables"):
        assert doc.get(title), f"{rule.code}: docstring lacks a '{title}' section"
    assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
    assert rule.code.startswith("FW") and len(rule.code) == 5
    if rule.fixable:
        text = (CASES / f"{rule.code}.yml").read_text()
        assert "fixed:" in text, f"{rule.code} is fixable but has no fixed case"
