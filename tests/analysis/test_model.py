"""The model of a ruleset: rules left out, chains and jumps, header changes, the sets it keeps."""

from __future__ import annotations

import gc

import pytest

from fwlint.analysis import build_model
from fwlint.analysis import model as model_module
from fwlint.analysis.meaning import Havoc, SetBits
from fwlint.parse import parse_text

PACKET = {"family": 4, "proto": 6, "src": "198.51.100.1", "dst": "192.0.2.1", "sport": 40000,
          "dport": 22, "iif": "eth0", "oif": "", "ctstate": "NEW", "snat": False, "dnat": False,
          "ctstatus": set(), "tcpflags": {"SYN"}, "icmptype": 0, "icmpcode": 0, "frag": False,
          "mark": 0, "ctmark": 0, "length": 60, "ttl": 64, "tos": 0, "pkttype": "unicast",
          "srctype": {"UNICAST"}, "dsttype": {"LOCAL"}, "hasmac": False, "mac": 0}


def packet(**changes):
    out = dict(PACKET)
    out.update(changes)
    return out


def model_of(*lines: str, path: str = "rules.v4"):
    return build_model(parse_text("\n".join(lines) + "\n", path)[0])


def reached(model, table: str, chain: str, index: int, **fields) -> bool:
    analysis = model.chain(table, chain)
    answer = model.encoding.holds(analysis.reach_at(index), packet(**fields))
    assert answer is not None
    return answer


# --- rules left out ---------------------------------------------------------------------------

@pytest.mark.parametrize("rule,why", [
    ("-A INPUT -m nosuch --foo 1 -j DROP", "unknown match -m nosuch"),
    ("-A INPUT -p tcp --dport 22 -j ACCESPT", "unknown target ACCESPT"),
    ("-A INPUT --bogus 1 -j DROP", "no match or target of the rule takes it"),
    ("-A OUTPUT -i eth0 -j DROP", "-i on OUTPUT"),
    ("-A INPUT -j DNAT --to-destination 192.0.2.1", "-j DNAT is not allowed here"),
    ("-A INPUT -j INPUT", "a jump to a built-in chain"),
    ("-A INPUT ! -p all -j DROP", "! -p all would never match"),
    ("-A INPUT -p tcp --dport 22 --dport 23 -j DROP", "given twice"),
    ("-A INPUT -m tcp --dport 22 -j DROP", "-m tcp needs -p"),
    ("-A INPUT -p tcp --dport 99999 -j DROP", "out of range"),
    ("-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j DROP", "exists for IPv6 only"),
    ("-A INPUT -m conntrack -j DROP", "needs at least one option"),
    ("-A INPUT -g ACCEPT", "-g ACCEPT: no such chain"),
])
def test_rules_the_kernel_refuses_are_left_out(rule, why):
    chain = rule.split()[1]
    model = model_of("*filter", ":INPUT ACCEPT [0:0]", rule, f"-A {chain} -j ACCEPT", "COMMIT")
    rm = model.table("filter").rules[chain][0]
    assert rm.excluded is not None and why in rm.excluded, rm.excluded
    # and it takes nothing from the rules after it
    assert model.encoding.holds(model.chain("filter", chain).reach_at(1), packet()) is True


def test_a_jump_that_closes_a_loop_is_left_out():
    model = model_of("*filter", ":INPUT ACCEPT [0:0]", ":A - [0:0]", ":B - [0:0]",
                     "-A INPUT -j A", "-A A -j B", "-A B -p tcp -j A", "-A B -j DROP", "COMMIT")
    rules = model.table("filter").rules
    assert rules["B"][0].excluded == "-j A closes a loop of chains"
    assert rules["A"][0].excluded is None and rules["INPUT"][0].excluded is None


# --- chains, jumps, returns, gotos ----------------------------------------------------------------

def test_builtin_chain_policy_and_reach():
    model = model_of("*filter", ":INPUT DROP [0:0]",
                     "-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -s 192.0.2.0/24 -j DROP",
                     "-A INPUT -j LOG", "COMMIT")
    assert reached(model, "filter", "INPUT", 1, dport=22) is False
    assert reached(model, "filter", "INPUT", 1, dport=80) is True
    assert reached(model, "filter", "INPUT", 2, dport=80, src="192.0.2.9") is False
    assert reached(model, "filter", "INPUT", 2, dport=80, src="203.0.113.9") is True
    analysis = model.chain("filter", "INPUT")
    assert analysis.return_label == "DROP"


def test_a_user_chain_is_summarised_once_and_used_at_every_jump():
    model = model_of("*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":BLOCK - [0:0]",
                     "-A INPUT -p tcp -j BLOCK", "-A INPUT -p tcp -j ACCEPT",
                     "-A FORWARD -p udp -j BLOCK", "-A FORWARD -p udp -j ACCEPT",
                     "-A BLOCK -s 192.0.2.0/24 -j DROP", "-A BLOCK -s 10.0.0.0/8 -j RETURN",
                     "-A BLOCK -j REJECT", "COMMIT")
    tm = model.table("filter")
    summary = tm.summaries["BLOCK"]
    enc = model.encoding
    assert set(summary.may_decide) == {"DROP", "REJECT --reject-with icmp-port-unreachable"}
    assert enc.holds(summary.may_return, packet(src="10.1.2.3")) is True
    assert enc.holds(summary.may_return, packet(src="203.0.113.1")) is False
    # only what RETURNs comes back to the callers
    assert reached(model, "filter", "INPUT", 1, src="10.1.2.3") is True
    assert reached(model, "filter", "INPUT", 1, src="203.0.113.1") is False
    assert reached(model, "filter", "FORWARD", 1, proto=17, src="10.9.9.9") is True
    # what the jumps' conditions let through enters the chain
    block = model.chain("filter", "BLOCK")
    assert [c.line for c in block.callers] == [5, 7]
    assert enc.holds(block.entry, packet(proto=6)) and enc.holds(block.entry, packet(proto=17))
    assert enc.holds(block.entry, packet(proto=1)) is False


def test_goto_returns_to_the_callers_caller():
    model = model_of("*filter", ":INPUT ACCEPT [0:0]", ":A - [0:0]", ":B - [0:0]",
                     "-A INPUT -j A", "-A INPUT -j LOG",
                     "-A A -p tcp -g B", "-A A -j DROP",
                     "-A B -p tcp --dport 22 -j DROP", "COMMIT")
    # tcp that B does not drop comes back to INPUT, past A's DROP; anything else A drops
    assert reached(model, "filter", "INPUT", 1, dport=80) is True
    assert reached(model, "filter", "INPUT", 1, dport=22) is False
    assert reached(model, "filter", "INPUT", 1, proto=17) is False
    assert reached(model, "filter", "A", 1, proto=6) is False


def test_goto_from_a_builtin_chain_ends_in_its_policy():
    model = model_of("*filter", ":INPUT DROP [0:0]", ":B - [0:0]", "-A INPUT -g B",
                     "-A INPUT -j ACCEPT", "-A B -p tcp -j ACCEPT", "COMMIT")
    analysis = model.chain("filter", "INPUT")
    enc = model.encoding
    assert enc.holds(analysis.reach_at(1), packet(proto=17)) is False
    assert [(f.code, f.rule.line) for f in model.findings] == [("FW203", 5)]


def test_a_goto_inside_a_user_chain_returns_for_that_chain():
    model = model_of("*filter", ":INPUT DROP [0:0]", ":A - [0:0]", ":B - [0:0]",
                     "-A INPUT -j A", "-A INPUT -j ACCEPT", "-A A -g B", "-A A -j DROP",
                     "-A B -p tcp -j ACCEPT", "COMMIT")
    summary = model.table("filter").summaries["A"]
    enc = model.encoding
    assert enc.holds(summary.may_decide["ACCEPT"], packet(proto=6)) is True
    assert enc.holds(summary.may_return, packet(proto=17)) is True
    assert enc.holds(summary.may_return, packet(proto=6)) is False
    assert "DROP" not in summary.labels  # A's DROP is never reached


def test_an_approximated_rule_keeps_every_packet_it_may_not_take():
    model = model_of("*filter", ":INPUT ACCEPT [0:0]",
                     "-A INPUT -p tcp -m hashlimit --hashlimit-above 5/s --hashlimit-name x -j DROP",
                     "-A INPUT -j ACCEPT", "COMMIT")
    assert reached(model, "filter", "INPUT", 1, dport=22) is True
    assert model.table("filter").rules["INPUT"][0].approximations == ("-m hashlimit",)


# --- header changes -------------------------------------------------------------------------------

def test_mark_set_then_tested():
    model = model_of("*mangle", ":PREROUTING ACCEPT [0:0]",
                     "-A PREROUTING -p tcp -j MARK --set-mark 0x5/0xff",
                     "-A PREROUTING -m mark --mark 0x5/0xff -j ACCEPT",
                     "-A PREROUTING -j LOG", "COMMIT")
    analysis = model.chain("mangle", "PREROUTING")
    assert analysis.segment == [0, 1, 1]  # a segment starts after the rule that changes headers
    assert reached(model, "mangle", "PREROUTING", 2, proto=6, mark=0x105) is False
    assert reached(model, "mangle", "PREROUTING", 2, proto=17, mark=0) is True


def test_image_and_preimage_of_bit_changes():
    model = model_of("*mangle", ":PREROUTING ACCEPT [0:0]", "COMMIT")
    enc = model.encoding
    xor = (SetBits("mark", 0x1, 0x0),)
    u = enc.masked("mark", 0x0, 0x1)  # even marks
    assert model.image(xor, u) == enc.masked("mark", 0x1, 0x1)
    assert model.preimage(xor, enc.masked("mark", 0x1, 0x1)) == u
    set_low = (SetBits("mark", 0x3, 0xF),)  # (mark & ~0xf) ^ 3
    after = model.image(set_low, enc.true)
    assert after == enc.masked("mark", 0x3, 0xF)
    assert model.preimage(set_low, after) == enc.true
    assert model.preimage(set_low, enc.masked("mark", 0x2, 0xF)) == enc.false
    havoc = (Havoc("ttl"),)
    assert model.image(havoc, enc.equals("ttl", 3)) == enc.true
    assert model.preimage(havoc, enc.equals("ttl", 3)) == enc.false


def test_restore_mark_and_notrack_may_change_what_later_rules_see():
    model = model_of("*mangle", ":PREROUTING ACCEPT [0:0]",
                     "-A PREROUTING -m mark --mark 1 -j ACCEPT",
                     "-A PREROUTING -j CONNMARK --restore-mark",
                     "-A PREROUTING -m mark --mark 1 -j ACCEPT", "COMMIT")
    assert reached(model, "mangle", "PREROUTING", 2, mark=1) is True
    model = model_of("*raw", ":PREROUTING ACCEPT [0:0]",
                     "-A PREROUTING -m state --state NEW -j ACCEPT",
                     "-A PREROUTING -j NOTRACK", "-A PREROUTING -j LOG", "COMMIT")
    assert reached(model, "raw", "PREROUTING", 2, ctstate="NEW") is True


def test_a_chain_that_changes_marks_is_summarised_with_its_changes():
    model = model_of("*mangle", ":PREROUTING ACCEPT [0:0]", ":SETMARK - [0:0]",
                     "-A PREROUTING -j SETMARK", "-A PREROUTING -m mark --mark 7 -j ACCEPT",
                     "-A PREROUTING -j LOG",
                     "-A SETMARK -j MARK --set-mark 7", "COMMIT")
    summary = model.table("mangle").summaries["SETMARK"]
    assert summary.modifies and all(v.startswith("mark") for v in summary.modifies)
    assert reached(model, "mangle", "PREROUTING", 2, mark=0) is False


# --- budgets ----------------------------------------------------------------------------------

def test_a_coarse_summary_never_hides_a_rule(monkeypatch):
    monkeypatch.setattr(model_module, "SUMMARY_BUDGET", 0)
    model = model_of("*filter", ":INPUT ACCEPT [0:0]", ":CHECK - [0:0]", "-A INPUT -j CHECK",
                     "-A INPUT -s 192.0.2.0/24 -j ACCEPT", "-A CHECK -s 10.0.0.0/8 -j RETURN",
                     "-A CHECK -j DROP", "COMMIT")
    assert model.table("filter").summaries["CHECK"].coarse
    assert reached(model, "filter", "INPUT", 1, src="192.0.2.1") is True  # a superset: sound


# --- the object graph -----------------------------------------------------------------------------

def test_models_are_freed_without_complaint(capfd):
    for _ in range(3):
        model = model_of("*filter", ":INPUT ACCEPT [0:0]", ":C - [0:0]", "-A INPUT -j C",
                         "-A C -p tcp -j DROP", "COMMIT")
        analysis = model.chain("filter", "C")
        assert analysis.reach_at(0) is not None
        del model, analysis
        gc.collect()
    assert capfd.readouterr().err == ""


def test_rule_model_lookup_and_documented_api():
    model = model_of("*filter", ":INPUT ACCEPT [0:0]", "-A INPUT -p tcp --dport 22 -j ACCEPT",
                     "COMMIT")
    rule = model.ruleset.table("filter").chain("INPUT").rules[0]
    rm = model.rule_model(rule)
    assert rm is not None and rm.line == 3 and rm.action.kind == "decide" and rm.action.outcome == "ACCEPT"
    analysis, found = model.analysis_of(rule)
    assert found is rm and analysis.name == "INPUT"
    enc = model.encoding
    assert enc.holds(rm.upper, packet(dport=22)) is True
    assert analysis.sure_after(0) is not None
    assert enc.holds(analysis.sure_after(0), packet(dport=22)) is True  # the ACCEPT policy
