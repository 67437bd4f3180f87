"""Keeping the live BDD nodes few: rules encoded when their chain's turn comes, released after."""

from __future__ import annotations

import gc

from fwlint.analysis import build_model
from fwlint.analysis import model as model_module
from fwlint.parse import parse_text
from tests.analysis.test_native import described, generated_ruleset

TEXT = """*filter
:INPUT DROP [0:0]
:PLAIN - [0:0]
:MARKS - [0:0]
:JUMPS - [0:0]
-A INPUT -j PLAIN
-A INPUT -j MARKS
-A INPUT -j JUMPS
-A PLAIN -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT
-A PLAIN -p udp -j LOG
-A PLAIN -s 192.0.2.7 -p tcp --dport 22 -j DROP
-A MARKS -p tcp -j MARK --set-mark 1
-A MARKS -m mark --mark 1 -j ACCEPT
-A JUMPS -p icmp -j PLAIN
COMMIT
"""


def packet(**changes):
    base = {"family": 4, "proto": 6, "src": "192.0.2.9", "sport": 40000, "dst": "198.51.100.1",
            "dport": 22, "iif": "", "oif": "", "ctstate": "NEW", "frag": False}
    base.update(changes)
    return base


def test_which_chains_wait_for_their_turn():
    ruleset = parse_text(TEXT, "rules.v4")[0]
    model = build_model(ruleset)
    tm = model.table("filter")
    chains = {c.name: c for c in ruleset.table("filter").chains}
    deferrable = {name: model_module._deferrable(tm, chain) for name, chain in chains.items()}
    # a built-in chain, a chain that changes marks and one that jumps are encoded first
    assert deferrable == {"INPUT": False, "FORWARD": False, "OUTPUT": False, "PLAIN": True,
                          "MARKS": False, "JUMPS": False}


def test_nat_chains_that_only_rewrite_wait_too():
    ruleset = parse_text("""*nat
:PREROUTING ACCEPT [0:0]
:SVC - [0:0]
:SEP - [0:0]
-A PREROUTING -d 192.0.2.1 -p tcp --dport 80 -j SVC
-A SVC -j SEP
-A SEP -p tcp -j DNAT --to-destination 198.51.100.7:8080
-A SEP -p tcp -j DNAT --to-destination 198.51.100.8:8080
COMMIT
""", "rules.v4")[0]
    model = build_model(ruleset)
    tm = model.table("nat")
    chains = {c.name: c for c in ruleset.table("nat").chains}
    assert model_module._deferrable(tm, chains["SEP"]) and not model_module._deferrable(tm, chains["SVC"])
    (found,) = model.findings
    assert (found.code, found.rule.line, [b.line for b in found.blockers]) == ("FW201", 8, [7])


def test_released_rules_are_encoded_again_when_read():
    model = build_model(parse_text(TEXT, "rules.v4")[0])
    enc = model.encoding
    first = model.chain("filter", "PLAIN").rules[0]
    assert first._upper is None and first._lower is None  # released after the build
    upper = first.upper
    assert first._upper is not None and first.lower == upper  # an exact rule
    assert enc.holds(upper, packet()) is True
    assert enc.holds(upper, packet(dport=23)) is False
    assert enc.holds(upper, packet(src="198.51.100.9")) is False
    # the shadowed rule's blocker is the first rule, whose sets were read again for it
    (found,) = [f for f in model.findings if f.code == "FW201"]
    assert found.rule.line == 11 and [b.line for b in found.blockers] == [9]
    analysis = model.chain("filter", "PLAIN")
    assert enc.holds(analysis.reach_at(2), packet(src="192.0.2.7")) is False


def test_findings_are_the_same_without_deferring_or_releasing(monkeypatch):
    text = generated_ruleset(4, chains=5, per_chain=30)
    usual = described(build_model(parse_text(text, "rules.v4")[0]))
    monkeypatch.setattr(model_module, "_deferrable", lambda tm, chain: False)
    monkeypatch.setattr(model_module.RuleModel, "release", lambda self, encode: None)
    monkeypatch.setattr(model_module.Model, "MATCH_CACHE_LIMIT", 10**9)
    kept = build_model(parse_text(text, "rules.v4")[0])
    assert kept.chain("filter", "BOX-0").rules[0]._upper is not None
    assert described(kept) == usual
    assert {"FW201", "FW202"} <= {code for code, *_ in usual}


def test_small_cache_limits_change_no_finding(monkeypatch):
    text = generated_ruleset(5, chains=4, per_chain=25)
    usual = described(build_model(parse_text(text, "rules.v4")[0]))
    monkeypatch.setattr(model_module.Model, "MATCH_CACHE_LIMIT", 0)
    monkeypatch.setattr(model_module.Model, "ENCODING_CACHE_LIMIT", 0)
    assert described(build_model(parse_text(text, "rules.v4")[0])) == usual


def test_a_model_whose_rules_were_encoded_again_is_freed_without_complaint(capfd):
    for _ in range(3):
        model = build_model(parse_text(TEXT, "rules.v4")[0])
        rule = model.chain("filter", "PLAIN").rules[2]
        assert rule.upper is not None
        del model, rule
        gc.collect()
    assert capfd.readouterr().err == ""


def test_a_rule_outliving_its_model_says_so():
    model = build_model(parse_text(TEXT, "rules.v4")[0])
    rule = model.chain("filter", "PLAIN").rules[0]
    del model
    gc.collect()
    try:
        rule.upper  # noqa: B018
    except RuntimeError as err:
        assert "gone" in str(err)
    else:
        raise AssertionError("a released rule read without its model")
