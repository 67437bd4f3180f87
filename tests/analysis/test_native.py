"""CUDD's inclusion test through ctypes (fwlint.analysis.native) against dd's operators."""

from __future__ import annotations

import random

import pytest

from fwlint.analysis import build_model, native
from fwlint.analysis.fields import Encoding, InterfaceSymbols
from fwlint.parse import parse_text


def encoding() -> Encoding:
    return Encoding(4, InterfaceSymbols(["eth0", "eth1", "ppp+"]))


def random_sets(enc: Encoding, count: int, seed: int) -> list:
    """Boxes over a few fields, their unions, intersections and complements."""
    rng = random.Random(seed)
    boxes = []
    for _ in range(count):
        u = enc.true
        if rng.random() < 0.6:
            u &= enc.equals("proto", rng.choice([6, 17, 1]))
        if rng.random() < 0.6:
            low = rng.randrange(0, 65536)
            u &= enc.range("dport", low, min(65535, low + rng.choice([0, 10, 1000, 30000])))
        if rng.random() < 0.5:
            u &= enc.prefix("src", rng.getrandbits(32), rng.choice([8, 16, 24, 32]))
        if rng.random() < 0.3:
            u &= enc.interface("iif", rng.choice(["eth0", "eth1", "ppp+"]))
        boxes.append(u)
    sets = list(boxes) + [enc.true, enc.false, enc.universe]
    for _ in range(count):
        a, b = rng.choice(boxes), rng.choice(boxes)
        sets += [a | b, a & ~b, ~a & enc.universe]
    return sets


def test_the_native_questions_are_found_on_this_dd():
    # the speed of the analysis depends on it: dd.cudd's layout or CUDD's exports changed if not
    ask = encoding().ask
    assert ask.native and isinstance(ask, native.Native)


def test_native_answers_agree_with_dd_operators():
    enc = encoding()
    ask, plain = enc.ask, native.Plain(enc.bdd)
    assert ask.native
    sets = random_sets(enc, 40, seed=3)
    rng = random.Random(5)
    pairs = [(rng.choice(sets), rng.choice(sets)) for _ in range(1500)] + [(s, s) for s in sets]
    within = [(ask.within(f, g), plain.within(f, g)) for f, g in pairs]
    disjoint = [(ask.disjoint(f, g), plain.disjoint(f, g)) for f, g in pairs]
    assert all(a == b for a, b in within) and all(a == b for a, b in disjoint)
    # both answers occur, so the comparison can fail
    assert {a for a, _ in within} == {True, False} and {a for a, _ in disjoint} == {True, False}


def test_the_three_set_question_agrees_with_dd_operators():
    enc = encoding()
    ask, plain = enc.ask, native.Plain(enc.bdd)
    assert ask._leq_unless is not None  # CUDD's Cudd_bddLeqUnless, found and checked
    sets = random_sets(enc, 40, seed=7)
    rng = random.Random(9)
    triples = [(rng.choice(sets), rng.choice(sets), rng.choice(sets)) for _ in range(2000)]
    triples += [(s, t, ~s) for s, t in zip(sets, reversed(sets))]
    answers = [(ask.disjoint3(f, g, h), plain.disjoint3(f, g, h)) for f, g, h in triples]
    assert all(a == b for a, b in answers)
    assert {a for a, _ in answers} == {True, False}


def test_a_three_set_question_cudd_answers_wrongly_falls_back(monkeypatch):
    enc = encoding()
    monkeypatch.setattr(native.Native, "disjoint3", lambda self, f, g, h: True)
    ask = native.questions(enc.bdd, enc.variable_count)
    assert ask.native and ask._leq_unless is None  # the start-up check caught it


def test_anything_unexpected_falls_back_to_dd_operators():
    enc = encoding()
    assert not native.questions(enc.bdd, enc.variable_count + 1).native  # not the manager counted
    from dd.autoref import BDD  # dd's pure-Python BDDs: not CUDD

    python_bdd = BDD()
    python_bdd.declare("x", "y")
    assert not native.questions(python_bdd, 2).native
    plain = native.questions(enc.bdd, enc.variable_count + 1)
    x = enc.equals("proto", 6)
    assert plain.within(x, enc.true) and not plain.within(enc.true, x)
    assert plain.disjoint(x, ~x) and not plain.disjoint(x, enc.true)


def generated_ruleset(seed: int, chains: int = 6, per_chain: int = 30) -> str:
    """User chains of random boxes (the shapes gen_ruleset.py uses), jumped to from INPUT."""
    rng = random.Random(seed)
    lines = ["*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]"]
    names = [f"BOX-{k}" for k in range(chains)]
    lines += [f":{n} - [0:0]" for n in names]
    lines += ["-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
    lines += [f"-A INPUT -j {n}" for n in names]
    for n in names:
        for _ in range(per_chain):
            kind = rng.randrange(6)
            port = rng.randrange(1, 200)
            net = f"198.51.100.{rng.randrange(0, 256, 16)}/{rng.choice([28, 30, 32])}"
            if kind == 0:
                lines.append(f"-A {n} -s {net} -j DROP")
            elif kind == 1:
                lines.append(f"-A {n} -p tcp -m conntrack --ctstate NEW -m tcp --dport {port} -j ACCEPT")
            elif kind == 2:
                lines.append(f"-A {n} -s {net} -p tcp -m tcp --dport {port} -j ACCEPT")
            elif kind == 3:
                lines.append(f"-A {n} -d {net} -p udp -m multiport --dports {port}:{port + 40} -j DROP")
            elif kind == 4:
                lines.append(f"-A {n} -o eth{rng.randrange(2)} -p tcp -m tcp --dport {port} -j RETURN")
            else:
                lines.append(f"-A {n} -p tcp -m tcp --dport {port}:{port + 20} -j REJECT")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def described(model) -> list[tuple]:
    return [(f.code, f.kind, f.rule.line, f.message, [b.line for b in f.blockers], [b.line for b in f.also])
            for f in model.findings]


@pytest.mark.parametrize("seed", [1, 2])
def test_findings_are_the_same_with_dd_operators(monkeypatch, seed):
    text = generated_ruleset(seed)
    fast = described(build_model(parse_text(text, "rules.v4")[0]))
    monkeypatch.setattr(native, "questions", lambda bdd, variables: native.Plain(bdd))
    slow_model = build_model(parse_text(text, "rules.v4")[0])
    assert not slow_model.encoding.ask.native
    assert described(slow_model) == fast
    codes = {c for c, *_ in fast}
    assert {"FW201", "FW202"} <= codes  # the rulesets do exercise both findings


def test_meets_is_whether_within_is_empty():
    model = build_model(parse_text(generated_ruleset(3, chains=2, per_chain=25), "rules.v4")[0])
    enc = model.encoding
    rng = random.Random(11)
    checked = set()
    for name in ("BOX-0", "BOX-1", "INPUT"):
        analysis = model.chain("filter", name)
        for i, rm in enumerate(analysis.rules):
            for q in (rm.upper, rm.upper & enc.equals("proto", 6), rng.choice(analysis.rules).upper):
                got = analysis.meets(i, q)
                assert got == (analysis.within(i, q) != enc.false)
                checked.add(got)
    assert checked == {True, False}
