"""What rules do besides deciding (fwlint.analysis.effects), and the audit's other findings:
the model and the evaluator on -m ecn in later fragments and -m nfacct, the trace's path after
a DNAT, and --no-analysis saying which selected rules it does not run."""

from __future__ import annotations

import dataclasses

from fwlint.analysis import build_model
from fwlint.analysis.effects import counted_sets, effect_chains, match_effect
from fwlint.analysis.evaluate import Choices, TableEvaluator
from fwlint.analysis.packet import parse_packet
from fwlint.cli import main
from fwlint.extensions import default_registry
from fwlint.parse import parse_text


def ruleset(text: str):
    return parse_text(text, "rules.v4")[0]


def test_matches_with_effects_on_other_packets():
    rules = ruleset("""*filter
:INPUT ACCEPT [0:0]
-A INPUT -m recent --set --name a -j DROP
-A INPUT -m recent --rcheck --name a -j DROP
-A INPUT -m recent --update --seconds 5 --name a -j DROP
-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name h -j ACCEPT
-A INPUT -m limit --limit 1/s -j ACCEPT
-A INPUT -m quota --quota 100 -j ACCEPT
-A INPUT -m statistic --mode nth --every 2 -j ACCEPT
-A INPUT -m connlimit --connlimit-above 2 -j DROP
-A INPUT -m nfacct --nfacct-name n -j ACCEPT
-A INPUT -m set --match-set s src -j ACCEPT
-A INPUT -m set --match-set c src --packets-gt 3 -j ACCEPT
-A INPUT -m set --match-set c src ! --update-counters -j ACCEPT
-A INPUT -m set --match-set c src -j ACCEPT
COMMIT
""")
    counted = counted_sets(rules)
    assert counted == frozenset({"c"})
    got = [(r.span.line, match_effect(r.matches[-1], counted) is not None) for r in rules.rules()]
    assert got == [(3, True), (4, False), (5, True), (6, True), (7, False), (8, False), (9, False),
                   (10, False), (11, True), (12, False), (13, True), (14, False), (15, True)]


def test_chains_with_effects_count_what_they_jump_to():
    rules = ruleset("""*mangle
:PREROUTING ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
:C - [0:0]
-A PREROUTING -j A
-A A -j B
-A B -p tcp -j CONNMARK --set-mark 1
-A C -p tcp -j RETURN
-A C -j ACCEPT
COMMIT
""")
    assert effect_chains(rules.tables[0], default_registry(), frozenset()) == frozenset({"PREROUTING", "A", "B"})


def test_an_ecn_tcp_flag_in_a_later_fragment_is_unknown_to_both():
    rules = ruleset("""*raw
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m ecn --ecn-tcp-cwr -j DROP
COMMIT
""")
    model = build_model(rules)
    rule = next(iter(rules.rules()))
    rm = model.rule_model(rule)
    enc = model.encoding
    first = {"family": 4, "proto": 6, "frag": False, "tcpflags": {"CWR"}}
    later = {"family": 4, "proto": 6, "frag": True, "tcpflags": {"CWR"}}
    assert (enc.holds(rm.lower, first), enc.holds(rm.upper, first)) == (True, True)
    assert (enc.holds(rm.lower, later), enc.holds(rm.upper, later)) == (False, True)
    why = ("-m ecn --ecn-tcp-cwr/--ecn-tcp-ece on a later fragment (the kernel reads the "
           "fragment's payload as a TCP header, if it is long enough)")
    assert rm.approximations == (why,)
    evaluator = TableEvaluator(rules, rules.tables[0])
    packet = parse_packet("tcp 203.0.113.7:40000 -> 192.0.2.1:22 in eth0 state new flags CWR", 4).packet
    assert evaluator.run("PREROUTING", packet, Choices()).verdict == "DROP"
    later = dataclasses.replace(packet, frag=True)
    step = evaluator.run("PREROUTING", later, Choices()).events[1]
    assert [m.text for m in step.matches] == ["-p tcp", "-m ecn --ecn-tcp-cwr"]
    assert str(step.matched.reason).startswith("-m ecn --ecn-tcp-cwr/--ecn-tcp-ece on a later fragment")


def test_nfacct_is_approximated():
    rules = ruleset("""*filter
:INPUT ACCEPT [0:0]
-A INPUT -m nfacct --nfacct-name qy -j DROP
COMMIT
""")
    model = build_model(rules)
    rm = model.rule_model(next(iter(rules.rules())))
    assert rm.approximations == ("-m nfacct",)
    assert (rm.upper, rm.lower) == (model.encoding.true, model.encoding.false)


def test_trace_path_after_a_dnat_says_the_route_changed(tmp_path, capsys):
    path = tmp_path / "rules.v4"
    path.write_text("""*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 198.51.100.10:8080
COMMIT
""")
    main(["trace", str(path), "--local", "192.0.2.1",
          "--packet", "tcp 203.0.113.7:40000 -> 192.0.2.1:80 in eth0 state new"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("Path: to this host (192.0.2.1 is local) at first; the route changes after "
                        "PREROUTING (see Route below): PREROUTING -> FORWARD -> POSTROUTING")


def test_no_analysis_says_which_selected_rules_it_does_not_run(tmp_path, capsys):
    path = tmp_path / "rules.v4"
    path.write_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\n-A INPUT -j DROP\nCOMMIT\n")
    main(["check", "--no-analysis", "--select", "FW201", str(path)])
    captured = capsys.readouterr()
    assert captured.out == "All checks passed!\n"
    assert captured.err == "fwlint: warning: --no-analysis: FW201 not run (it needs the reachability analysis)\n"
    main(["check", "--no-analysis", "--select", "FW203", str(path)])
    assert capsys.readouterr().err == ""
