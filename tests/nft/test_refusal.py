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


# Rules of one shape in places where the shape rules decide differently: a built-in chain that
# refuses -i, user chains reached from different hooks, a jump to a chain or to no chain, a
# target outside its table, and values (FW108) that differ between rules of one shape.
_SHAPES = """*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:pre - [0:0]
:post - [0:0]
-A PREROUTING -j pre
-A POSTROUTING -j post
{nat}COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:c1 - [0:0]
:c2 - [0:0]
-A INPUT -j c1
-A OUTPUT -j c2
{filter}COMMIT
"""
_NAT = ["-A {chain} -p tcp -m tcp --dport {port} -j DNAT --to-destination 192.0.2.{i}:{port}",
        "-A {chain} -s 192.0.2.{i}/32 -p udp -j MASQUERADE",
        "-A {chain} -d 198.51.100.{i} -j {jump}"]
_FILTER = ["-A {chain} -i eth{i} -p tcp -m tcp --sport {port} -j ACCEPT",
           "-A {chain} -o eth{i} -p udp -m tcp --dport {port} -j DROP",
           "-A {chain} -p tcp -m tcp --dport {port} --dport 80 -j ACCEPT",
           "-A {chain} -s 203.0.113.{i} -j {jump}",
           "-A {chain} -p tcp -j DNAT --to-destination 192.0.2.{i}",
           "-A {chain} -p icmp -m icmp --icmp-type {i} -j REJECT --reject-with icmp-port-unreachable"]


def test_rules_of_one_shape_in_different_places_are_answered_each_as_validity_refusal_answers():
    nat, filter_ = [], []
    for i in range(120):
        port = (i * 7919) % 70000 + 1  # some out of range
        for chain in ("PREROUTING", "POSTROUTING", "OUTPUT", "pre", "post"):
            jump = ("pre", "post", "nosuch", "ACCEPT")[i % 4]
            nat.append(_NAT[i % len(_NAT)].format(chain=chain, port=port, i=i % 250, jump=jump) + "\n")
        for chain in ("INPUT", "FORWARD", "OUTPUT", "c1", "c2"):
            jump = ("c1", "c2", "nosuch", "INPUT")[i % 4]
            filter_.append(_FILTER[i % len(_FILTER)].format(chain=chain, port=port, i=i % 250, jump=jump) + "\n")
    rulesets = parse_text(_SHAPES.format(nat="".join(nat), filter="".join(filter_)), "shapes.v4", 4)
    refusal = TranslationRefusal()
    expected = _answers(ValidityRefusal(), rulesets)
    assert _answers(refusal, rulesets) == expected
    codes = {answer.split()[0] for answer in expected if answer is not None}
    assert {"FW103", "FW105", "FW106", "FW108", "FW112", "FW114"} <= codes
    assert sum(answer is None for answer in expected) > 200
    assert len(refusal._clean) < 300  # shapes (-i and -o names count), not 1200 rules


def test_values_clean_says_clean_only_where_fw108_and_fw111_find_no_error():
    """values_clean lets the translator skip FW108 and FW111: it must never say clean where either
    finds an error, on every case of those two rules and of the other validity rules."""
    from fwlint.lint import Context, Severity
    from fwlint.nft.refusal import values_clean
    from fwlint.rules.validity.invalid_value import InvalidValue
    from fwlint.rules.validity.wrong_family import WrongFamily

    said_clean = with_error = 0
    for name, text, family in _case_rulesets():
        for rs in parse_text(text, "case.rules", family):
            for table in _tables(rs):
                ctx = Context(rs, TranslationRefusal().registry, table=table)
                for chain in _chains(table):
                    for rule in chain.rules:
                        errors = [d for r in (InvalidValue(), WrongFamily()) for d in r.check_rule(rule, ctx)
                                  if d.severity >= Severity.ERROR]
                        clean = values_clean(rule, rs.family, ctx.registry)
                        assert not (clean and errors), (name, rule.text, errors)
                        said_clean += clean
                        with_error += bool(errors)
    assert said_clean > 300 and with_error > 40
