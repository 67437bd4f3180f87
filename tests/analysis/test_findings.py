"""FW201-FW204 on the model: related locations, precedence, --no-analysis, one model per ruleset."""

from __future__ import annotations

import json

import pytest

from fwlint.analysis import build_model, findings_for, without_analysis
from fwlint.analysis import model as model_module
from fwlint.analysis.findings import compute_findings
from fwlint.cli import main
from fwlint.lint.engine import catalogue, lint_rulesets
from fwlint.parse import parse_text

NOTES = """*filter
:INPUT ACCEPT [0:0]
-A INPUT -s 10.10.10.10 -j DROP
-A INPUT -p tcp --dport ssh -j DROP
-A INPUT -p tcp --dport ssh -s 10.10.10.10 -m state --state NEW,ESTABLISHED -j ACCEPT
-A INPUT -j DROP
COMMIT
"""


def findings(text: str, path: str = "rules.v4"):
    return compute_findings(build_model(parse_text(text, path)[0]))


def test_notes_example_in_json_names_both_rules(tmp_path, capsys):
    path = tmp_path / "rules.v4"
    path.write_text(NOTES)
    assert main(["check", "--select", "FW201", "--output-format", "json", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [(d["code"], d["location"]["row"]) for d in out] == [("FW201", 5)]
    related = out[0]["related"]
    assert [(r["location"]["row"], r["location"]["column"]) for r in related] == [(3, 1), (4, 1)]
    assert all(r["filename"] == str(path) for r in related)


def test_every_finding_carries_the_rules_that_cause_it():
    text = """*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 22 -j DROP
-A INPUT -p tcp --dport 22 -j DROP
-A INPUT -s 192.0.2.0/24 -j ACCEPT
-A INPUT -s 192.0.2.0/25 -j DROP
-A INPUT -j ACCEPT
-A INPUT -p udp -j ACCEPT
COMMIT
"""
    got = [(f.code, f.rule.line, [b.line for b in f.blockers]) for f in findings(text)]
    # line 7 is redundant by the policy alone: line 8, which it hides, is left out of the reason
    assert got == [("FW204", 4, [3]), ("FW201", 6, [5]), ("FW202", 7, []), ("FW203", 8, [7])]
    redundant = next(f for f in findings(text) if f.code == "FW202")
    assert redundant.to_policy and "an ACCEPT under an ACCEPT policy restricts nothing" in redundant.message


def test_one_rule_gets_one_finding_whatever_the_reasons():
    # line 4 repeats line 3, which takes every packet: FW203 only (not FW204, not FW201/202);
    # line 3 is redundant because of the policy, not because of its own copy
    text = """*filter
:INPUT DROP [0:0]
-A INPUT -j DROP
-A INPUT -p all -j DROP
COMMIT
"""
    got = [(f.code, f.rule.line) for f in findings(text)]
    assert got == [("FW202", 3), ("FW203", 4)]
    assert "by the DROP policy of INPUT" in findings(text)[0].message


def test_the_four_rules_share_one_model(monkeypatch):
    built = []
    real = model_module.build_model

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(model_module, "build_model", counting)
    rules = [catalogue().get(code)() for code in ("FW201", "FW202", "FW203", "FW204")]
    diagnostics = lint_rulesets(parse_text(NOTES, "rules.v4"), rules)
    assert len(built) == 1
    # the final DROP would drop what lines 3 and 4 drop
    assert [(d.code, d.span.line) for d in diagnostics] == [("FW202", 3), ("FW202", 4), ("FW201", 5)]


def test_no_analysis_drops_the_model_rules_and_keeps_the_written_checks(tmp_path, capsys):
    text = """*filter
:INPUT ACCEPT [0:0]
-A INPUT -p all -j DROP
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m tcp --dport ssh -j ACCEPT
COMMIT
"""
    path = tmp_path / "rules.v4"
    path.write_text(text)
    main(["check", "--select", "FW2", "--output-format", "json", str(path)])
    with_model = [(d["code"], d["location"]["row"]) for d in json.loads(capsys.readouterr().out)]
    assert with_model == [("FW203", 4), ("FW203", 5)]
    main(["check", "--select", "FW2", "--no-analysis", "--output-format", "json", str(path)])
    written = [(d["code"], d["location"]["row"]) for d in json.loads(capsys.readouterr().out)]
    assert written == [("FW203", 4), ("FW203", 5), ("FW204", 5)]


def test_without_analysis_leaves_required_rules_out_and_makes_new_instances():
    rules = catalogue().select(["FW2"])
    chosen = without_analysis(rules)
    assert [r.code for r in chosen] == ["FW203", "FW204"]
    assert all(not r.use_analysis for r in chosen)
    assert all(r.use_analysis for r in rules if r.code in ("FW203", "FW204"))  # untouched


def test_a_chain_nothing_jumps_to_gets_no_reachability_finding():
    text = """*filter
:INPUT ACCEPT [0:0]
:UNUSED - [0:0]
-A UNUSED -s 192.0.2.0/24 -j DROP
-A UNUSED -s 192.0.2.1 -j ACCEPT
COMMIT
"""
    assert findings(text) == []


def test_the_packets_of_a_shadowed_rule_never_reach_it():
    text = """*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 0:1023 -j DROP
-A INPUT -p tcp --dport 1024:65535 -j DROP
-A INPUT -p tcp -f -j REJECT
-A INPUT -p tcp -j ACCEPT
COMMIT
"""
    model = build_model(parse_text(text, "rules.v4")[0])
    (found,) = compute_findings(model)
    enc = model.encoding
    analysis = model.chain("filter", "INPUT")
    samples = enc.sample(found.packets, count=25, seed=7)
    assert samples
    for p in samples:
        assert enc.holds(found.rule.upper, p) is True
        assert enc.holds(analysis.reach_at(found.rule.index), p) is False
        takers = [b for b in found.blockers if enc.holds(b.lower, p)]
        assert takers, p  # some named rule surely takes it


@pytest.mark.parametrize("family,path,source", [
    (4, "rules.v4", "-s 203.0.113.0/24"),
    (6, "rules.v6", "-s 2001:db8:5::/48"),
])
def test_dual_family_rulesets_are_analysed_per_family(family, path, source):
    text = f"""*filter
:INPUT ACCEPT [0:0]
-A INPUT {source} -j DROP
-A INPUT {source} -p tcp -j ACCEPT
COMMIT
"""
    assert [(f.code, f.rule.line) for f in findings(text, path)] == [("FW201", 4)]


def test_findings_for_is_memoised_in_the_context():
    from fwlint.extensions import default_registry
    from fwlint.lint.rule import Context

    ctx = Context(parse_text(NOTES, "rules.v4")[0], default_registry())
    assert findings_for(ctx) is findings_for(ctx)


def test_a_long_segment_is_bisected_for_the_rules_that_hide_a_rule():
    filler = [f"-A INPUT -p udp -s 203.0.113.{k} -j ACCEPT" for k in range(1, 81)]
    text = "\n".join(["*filter", ":INPUT DROP [0:0]", *filler[:70],
                      "-A INPUT -p tcp --dport 0:1023 -j DROP", *filler[70:],
                      "-A INPUT -p tcp --dport 1024:65535 -j DROP",
                      "-A INPUT -p tcp -m tcp -j ACCEPT", "COMMIT"]) + "\n"
    (found,) = [f for f in findings(text) if f.code == "FW201"]
    assert (found.code, found.rule.line) == ("FW201", 85)
    assert [b.line for b in found.blockers] == [73, 84]


def test_a_check_process_exits_without_complaint(tmp_path):
    # values refused on the way (a misspelt protocol, a bad port) raise exceptions that other
    # code may keep; the model and its BDD manager must still be freed in order
    import subprocess
    import sys

    path = tmp_path / "rules.v4"
    path.write_text("*filter\n:INPUT DROP [0:0]\n-A INPUT -p upd --dport 53 -j ACCEPT\n"
                    "-A INPUT -p tcp --dport 99999 -j ACCEPT\n-A INPUT -s 192.0.2.0/24 -j DROP\n"
                    "-A INPUT -s 192.0.2.1 -j DROP\nCOMMIT\n")
    done = subprocess.run([sys.executable, "-m", "fwlint.cli", "check", "--select", "FW2", str(path)],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # FW202 is info: below the default fail level
    assert "FW202" in done.stdout
    assert done.stderr == ""


def test_a_long_chain_of_one_outcome_asks_no_question_per_pair_of_its_rules(monkeypatch):
    # 1,500 DROP rules of disjoint sources (an ACCEPT under the ACCEPT policy and a copy of the
    # first after them): whether a later rule with a rule's outcome meets its packets is asked
    # of at most FOLLOW_BUDGET of them per rule
    from fwlint.analysis import findings as findings_module
    from fwlint.analysis import native

    rules = [f"-A INPUT -s 10.{k // 256}.{k % 256}.0/24 -j DROP" for k in range(1500)]
    text = "\n".join(["*filter", ":INPUT ACCEPT [0:0]", *rules, "-A INPUT -p tcp -j ACCEPT",
                      "-A INPUT -s 10.0.0.0/24 -j DROP", "COMMIT"]) + "\n"
    asked = [0]
    real = native.Native.within_keys

    def counting(self, f, g):
        asked[0] += 1
        return real(self, f, g)

    monkeypatch.setattr(native.Native, "within_keys", counting)
    found = findings(text)
    assert [(f.code, f.rule.line) for f in found] == [("FW202", 1503), ("FW204", 1504)]
    assert asked[0] <= 1500 * (findings_module.FOLLOW_BUDGET + 2)  # one per pair: over a million
