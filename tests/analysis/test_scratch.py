"""Leaf chains worked out in scratch managers (fwlint.analysis.scratch): the same findings,
messages, related rules, packets, summaries and per-rule sets as the main manager finds alone,
however the scratch managers are collected, replaced or reached (native calls or dd's)."""

from __future__ import annotations

import random

import pytest

from fwlint.analysis import build_model, native, parallel, scratch
from fwlint.analysis.fields import Encoding, InterfaceSymbols
from fwlint.analysis.findings import RemoteFinding
from fwlint.parse import parse_text
from tests.analysis.test_native import generated_ruleset, random_sets
from tests.analysis.test_parallel import described, special_ruleset


def dumped(model, u):
    return None if u is None else parallel.dump_bdd(model.encoding.bdd, u)


def build(text: str, monkeypatch, *, apart: bool):
    """The model of ``text`` in one process, every leaf chain in a scratch manager or none."""
    with monkeypatch.context() as m:
        m.setattr(parallel, "PARALLEL_FROM", 10**9)
        m.setattr(scratch, "SCRATCH_FROM", 1 if apart else 10**9)
        return build_model(parse_text(text, "rules.v4")[0])


def assert_same(alone, apart, chains: list[str], table: str = "filter") -> None:
    assert described(apart) == described(alone)
    for mine, theirs in zip(alone.findings, apart.findings, strict=True):
        assert dumped(alone, mine.packets) == dumped(apart, theirs.packets)
    ta, tb = alone.table(table), apart.table(table)
    assert set(ta.summaries) == set(tb.summaries)
    for name, summary in ta.summaries.items():
        other = tb.summaries[name]
        assert (summary.labels, summary.coarse, summary.small, summary.approximations, summary.modifies) == \
            (other.labels, other.coarse, other.small, other.approximations, other.modifies)
        assert dumped(alone, summary.may_return) == dumped(apart, other.may_return)
        assert dumped(alone, summary.returned) == dumped(apart, other.returned)
        assert {k: dumped(alone, u) for k, u in summary.may_decide.items()} == \
            {k: dumped(apart, u) for k, u in other.may_decide.items()}
    for name in chains:
        a, b = alone.chain(table, name), apart.chain(table, name)
        assert dumped(alone, a.entry) == dumped(apart, b.entry)
        assert [r.line for r in a.callers] == [r.line for r in b.callers]
        for i, (ra, rb) in enumerate(zip(a.rules, b.rules, strict=True)):
            assert (ra.excluded, ra.approximations, ra.action, ra.protocol, ra.line) == \
                (rb.excluded, rb.approximations, rb.action, rb.protocol, rb.line)
            assert dumped(alone, ra.upper) == dumped(apart, rb.upper)
            assert dumped(alone, ra.lower) == dumped(apart, rb.lower)
            assert dumped(alone, a.reach_at(i)) == dumped(apart, b.reach_at(i))
            assert dumped(alone, a.hit(i)) == dumped(apart, b.hit(i))
            assert apart.rule_model(rb.rule) is rb


def test_leaf_chains_worked_out_apart_give_what_the_main_manager_gives(monkeypatch):
    text = special_ruleset(11)
    alone = build(text, monkeypatch, apart=False)
    apart = build(text, monkeypatch, apart=True)
    assert not any(isinstance(f, RemoteFinding) for f in alone.findings)
    remote = {f.rule.chain for f in apart.findings if isinstance(f, RemoteFinding)}
    # hidden by the union of two earlier rules, by a RETURN, and a BOX chain's findings
    assert {"UNION", "RET"} <= remote and any(name.startswith("BOX-") for name in remote)
    lines = text.splitlines()
    by_line = {f.rule.line: f for f in apart.findings}

    def line_of(rule: str) -> int:
        return lines.index(rule) + 1

    union = by_line[line_of("-A UNION -p tcp --dport 1000:2000 -j ACCEPT")]
    assert union.code == "FW201" and [b.line for b in union.blockers] == [
        line_of("-A UNION -p tcp --dport 0:1023 -j DROP"),
        line_of("-A UNION -p tcp --dport 1024:65535 -j DROP")]
    assert by_line[line_of("-A RET -s 192.0.2.7 -p tcp -j DROP")].code == "FW201"
    # an approximated match (-m limit) leaves the ACCEPT after it reachable: no finding
    assert line_of("-A APPROX -p tcp --dport 443 -j ACCEPT") not in by_line
    # a caller's finding that needs the summary moved back: SSH decides every tcp/22 packet
    caller = by_line[line_of("-A INPUT -p tcp --dport 22 -j ACCEPT")]
    assert caller.code == "FW201" and not isinstance(caller, RemoteFinding)
    assert_same(alone, apart, ["SSH", "RET", "APPROX", "UNION", "BOX-0", "BOX-5"])


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_rulesets_give_the_same_either_way(monkeypatch, seed):
    text = generated_ruleset(seed, chains=8, per_chain=40)
    alone = build(text, monkeypatch, apart=False)
    apart = build(text, monkeypatch, apart=True)
    assert {"FW201", "FW202"} <= {f.code for f in alone.findings}
    assert_same(alone, apart, [f"BOX-{k}" for k in range(8)])


def test_scratch_managers_collected_and_replaced_at_every_chain(monkeypatch):
    text = special_ruleset(12)
    alone = build(text, monkeypatch, apart=False)
    made = []
    real = Encoding.__init__

    def counting(self, *args, **kwargs):
        made.append(kwargs.get("scratch", False))
        real(self, *args, **kwargs)

    collected = []
    real_collect = native.Native.collect

    def collect(self):
        collected.append(self.nodes())
        return real_collect(self)

    monkeypatch.setattr(Encoding, "__init__", counting)
    monkeypatch.setattr(native.Native, "collect", collect)
    monkeypatch.setattr(scratch, "SCRATCH_NODES", 1)  # collect before each chain, then start anew
    apart = build(text, monkeypatch, apart=True)
    leaves = sum(1 for name in apart.table("filter").chains if name.startswith(("BOX-", "SSH", "RET")))
    assert collected and made.count(True) >= leaves
    assert_same(alone, apart, ["SSH", "UNION", "BOX-1"])


def test_collected_scratch_managers_keep_what_is_referenced(monkeypatch):
    monkeypatch.setattr(scratch, "SCRATCH_NODES", 10**9)  # only collected when asked here
    enc = Encoding(4, InterfaceSymbols(["eth0", "eth1", "ppp+"]), scratch=True)
    assert enc.ask.native
    kept = random_sets(enc, 30, seed=7)
    before = [parallel.dump_bdd(enc.bdd, u) for u in kept]
    for u in random_sets(enc, 30, seed=8):  # garbage
        del u
    dead = enc.ask.nodes()
    assert enc.ask.collect()
    assert enc.ask.nodes() < dead
    assert [parallel.dump_bdd(enc.bdd, u) for u in kept] == before
    assert all((u & ~u) == enc.false and (u | ~u) == enc.true for u in kept)


def test_sets_moved_between_managers_are_the_same_sets():
    interfaces = InterfaceSymbols(["eth0", "eth1", "ppp+"])
    main, apart = Encoding(4, interfaces), Encoding(4, interfaces, scratch=True)
    assert main.bdd.var_levels == apart.bdd.var_levels
    assert main.ask._move is not None and apart.ask._move is not None  # CUDD's transfer, not dd's copy
    sets = random_sets(main, 40, seed=9)
    rng = random.Random(2)
    for u in sets:
        there = main.ask.transfer(u, apart.ask, apart.bdd)
        assert parallel.dump_bdd(apart.bdd, there) == parallel.dump_bdd(main.bdd, u)
        assert there == main.bdd.copy(u, apart.bdd)  # dd's own transfer agrees
        back = apart.ask.transfer(there, main.ask, main.bdd)
        assert back == u
        other = rng.choice(sets)
        moved = main.ask.transfer(other, apart.ask, apart.bdd)
        assert (there & moved == apart.false) == main.ask.disjoint(u, other)
    # dd's operators (no native calls): the same sets by dd's copy
    plain = native.Plain(main.bdd)
    assert plain.nodes() is None and not plain.collect()
    for u in sets[:10]:
        assert plain.transfer(u, apart.ask, apart.bdd) == main.ask.transfer(u, apart.ask, apart.bdd)


def test_without_native_calls_scratch_managers_give_the_same(monkeypatch):
    text = special_ruleset(13)
    alone = build(text, monkeypatch, apart=False)
    monkeypatch.setattr(native, "questions", lambda bdd, variables: native.Plain(bdd))
    monkeypatch.setattr(scratch, "SCRATCH_CHAINS", 2)  # node counts unknown: replaced every 2 chains
    apart = build(text, monkeypatch, apart=True)
    assert not apart.encoding.ask.native
    assert any(isinstance(f, RemoteFinding) for f in apart.findings)
    assert described(apart) == described(alone)
    for mine, theirs in zip(alone.findings, apart.findings, strict=True):
        assert dumped(alone, mine.packets) == dumped(apart, theirs.packets)


def test_which_chains_are_worked_out_apart(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10**9)
    monkeypatch.setattr(scratch, "SCRATCH_FROM", 4)
    monkeypatch.setattr(scratch, "SCRATCH_UPTO", 5)
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":SHORT - [0:0]", ":FITS - [0:0]", ":LONG - [0:0]",
             ":JUMPS - [0:0]", "-A INPUT -j SHORT", "-A INPUT -j FITS", "-A INPUT -j LONG",
             "-A INPUT -j JUMPS"]
    for name, count in (("SHORT", 2), ("FITS", 4), ("LONG", 6)):
        lines += [f"-A {name} -p tcp --dport {20 + k} -j DROP" for k in range(count)]
        lines.append(f"-A {name} -p tcp --dport 20 -j ACCEPT")  # shadowed: one finding per chain
    lines += ["-A JUMPS -p udp -j SHORT", "-A JUMPS -p tcp --dport 21 -j DROP",
              "-A JUMPS -p tcp --dport 21 -j DROP", "-A JUMPS -p tcp --dport 22 -j DROP",
              "-A JUMPS -p tcp --dport 22 -j ACCEPT", "COMMIT"]
    model = build_model(parse_text("\n".join(lines) + "\n", "rules.v4")[0])
    kinds = {f.rule.chain: isinstance(f, RemoteFinding) for f in model.findings}
    # SHORT (3 rules) and LONG (7) in the main manager, FITS (5) apart; JUMPS jumps: no leaf
    assert kinds == {"SHORT": False, "FITS": True, "LONG": False, "JUMPS": False}
    assert [f.code for f in model.findings] == ["FW201", "FW201", "FW201", "FW204", "FW201"]
