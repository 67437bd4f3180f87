"""The translator's validity pass (fwlint.nft.refusal) answers as ValidityRefusal does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fwlint.lint.engine import catalogue
from fwlint.nft.emitter import _chains, _tables
from fwlint.nft.refusal import TranslationRefusal
from fwlint.parse import parse_text
from fwlint.parse.script_lint import ValidityRefusal

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "rules" / "cases"
SOURCES = sorted(p for p in [*(ROOT.parent / "shared" / "corpus" / "real").glob("*"), *(ROOT / "corpus").glob("*")]
                 if p.is_file() and p.suffix not in (".expected", ".nft", ".md", ".tsv", ".sh")
                 and not p.name.endswith((".expected", ".nft")))


def _case_rulesets():
    """The rulesets of the validity rules' cases (FW1xx), passing and failing."""
    for path in sorted(CASES.glob("FW1*.yml")):
        data = yaml.safe_load(path.read_text())
        for case in [*data.get("passing", []), *data.get("failing", [])]:
            text = case.get("ruleset")
            if text:
                yield f"{path.stem}: {case.get('name')}", text, 6 if "6" in str(case.get("family", "")) else 4


def _answers(refusal, rulesets):
    return [refusal(rule, table, chain, rs.family) for rs in rulesets for table in _tables(rs)
            for chain in _chains(table) for rule in chain.rules]


def test_the_answers_are_validity_refusals_on_every_case_of_the_validity_rules():
    checked = refused = 0
    for name, text, family in _case_rulesets():
        rulesets = parse_text(text, "case.rules", family)
        expected = _answers(ValidityRefusal(), rulesets)
        assert _answers(TranslationRefusal(), rulesets) == expected, name
        checked += len(expected)
        refused += sum(a is not None for a in expected)
    assert checked > 300 and refused > 100


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_answers_are_validity_refusals_on_the_corpus(path):
    rulesets = parse_text(path.read_text(errors="surrogateescape"), str(path))
    assert _answers(TranslationRefusal(), rulesets) == _answers(ValidityRefusal(), rulesets)


def test_rules_said_to_report_only_warnings_do():
    only = [r for r in catalogue() if getattr(r, "only_warnings", False)]
    assert [r.code for r in only] == ["FW113"]
    for rule in only:
        data = yaml.safe_load((CASES / f"{rule.code}.yml").read_text())
        severities = {f["severity"] for case in data["failing"] for f in case["findings"]}
        assert severities == {"warning"}
        assert "Severity.ERROR" not in Path(__import__(rule.__module__, fromlist=["x"]).__file__).read_text()
    assert "FW113" not in {r.code for r in TranslationRefusal().rules}
    assert "FW113" in {r.code for r in ValidityRefusal().rules}
