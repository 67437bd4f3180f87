"""The parser's fast paths give exactly what the slow paths give.

- fwlint.parse.lines reads plain lines without Lark and hands the others to it: its tokens and
  its syntax problems must be those of Lark run over the whole file.
- fwlint.parse.shapes builds each shape of rule line once: every Ruleset must equal the one the
  builder makes line by line.
- fwlint.parse.no_gc freezes what a big block made.

Each comparison runs over the project's corpus, the real rulesets in ../shared/corpus/real (when
present), rulesets from ../shared/bench/gen_ruleset.py and hypothesis-generated ones.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fwlint.parse.save as save
import fwlint.parse.shapes as shapes
from fwlint.parse import no_gc, parse_text, read_source
from fwlint.parse.lines import read_lines

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "corpus" / "real"
GEN = SHARED / "bench" / "gen_ruleset.py"

_skip_no_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real-world corpus not found at {REAL}")
_skip_no_gen = pytest.mark.skipif(not GEN.is_file(), reason=f"benchmark generator not found at {GEN}")


def _corpus_files() -> list[Path]:
    return sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix not in (".expected", ".nft")
                  and p.name != "README.md")


def _real_files() -> list[Path]:
    if not REAL.is_dir():
        return []
    return sorted(p for p in REAL.iterdir() if p.is_file() and p.name != "SOURCES.tsv")


def _generated(rules: int, family: int, seed: int) -> str:
    spec = importlib.util.spec_from_file_location("gen_ruleset", GEN)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.generate(rules, family, seed)


# --- lines ----------------------------------------------------------------------------------------

def _tokens(lines: list[tuple]) -> list[tuple]:
    out = []
    for kind, payload in lines:
        toks = payload if isinstance(payload, list) else [payload]
        out.append((kind, [(t.type, str(t), t.line, t.column, t.end_line, t.end_column) for t in toks]))
    return out


def _lines_agree(text: str, path: str = "rules.v4") -> None:
    text_nl = text if text.endswith("\n") else text + "\n"
    slow_lines, slow_problems = save._lark_lines(text_nl, path)
    fast_lines, fast_problems = read_lines(text_nl, path, save._lark_lines)
    assert _tokens(fast_lines) == _tokens(slow_lines)
    assert fast_problems == slow_problems


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_lines_of_corpus_files_are_the_grammars(path):
    _lines_agree(read_source(str(path)), str(path))


@_skip_no_real
@pytest.mark.parametrize("path", _real_files(), ids=lambda p: p.name)
def test_lines_of_real_files_are_the_grammars(path):
    _lines_agree(read_source(str(path)), str(path))


LINE_PIECES = [
    "*filter", "*nat", "* mangle", "*", "*fil ter", "*raw\r", "*filter x",
    ":INPUT ACCEPT [0:0]", ":X - [1:2]", ":X -", ":X", ":X ACC", ":", ": X -", ":a:b - [0:0]",
    ":INPUT ACCEPT[0:0]", ":INPUT\tDROP \t[3:4] \r", ":INPUT ACCEPT [0:0] x", ":INPUT ACCEPT2",
    "COMMIT", "COMMIT x", "COMMITx", "COMMIT\r", " COMMIT", "# comment", " # c ", "#",
    "-A INPUT -j ACCEPT", "[0:0] -A X -j DROP", "[0:0]-A X", "[1:2]", "[1:2] x", "\t-A x\r",
    "-A x  -s 1 ", '-A x -m comment --comment "a b"', '-A "x', "!x", "! -s 1 -A x",
    "", "  ", "\r", " \t \r", "foo", "{{ x }}", "iptables -A INPUT", "\x0c", "-A x\x0b", "\x0b-A x",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=8), st.booleans())
def test_lines_of_any_text_are_the_grammars(pieces, final_newline):
    text = "\n".join(pieces) + ("\n" if final_newline else "")
    _lines_agree(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="*:#-![]0123456789ACDIMNOPTabcx \t\r\n\"\x0c", max_size=80))
def test_lines_of_random_characters_are_the_grammars(text):
    _lines_agree(text)


def test_plain_lines_never_reach_the_lalr_parser(monkeypatch):
    def refuse(*args):
        raise AssertionError(f"the parser was run on {args[0]!r}")

    monkeypatch.setattr(save, "_lark_lines", refuse)
    text = "# x\n\n*filter\n:INPUT DROP [1:2]\n[3:4] -A INPUT -p tcp -j ACCEPT\n  \r\nCOMMIT\n"
    (rs,) = parse_text(text, "rules.v4")
    assert [r.text for r in rs.rules()] == ["-A INPUT -p tcp -j ACCEPT"]


def test_a_bad_line_goes_to_the_parser_with_what_puts_it_in_the_right_state(monkeypatch):
    seen = []
    real = save._lark_lines

    def spy(text, path, base=0):
        seen.append((text, base))
        return real(text, path, base)

    monkeypatch.setattr(save, "_lark_lines", spy)
    text = "*filter\n\n:INPUT\n\n:FORWARD ACCEPT [0:0]\nbad\nCOMMIT\n"
    (rs,) = parse_text(text, "rules.v4")
    # after a good line: a stand-in comment, then the blank line and the bad one; after an
    # error the parser starts afresh, as it does on the whole file
    assert seen == [("#\n\n:INPUT\n", 0), ("#\nbad\n", 4)]
    assert [(p.span.line, p.span.column, p.message) for p in rs.problems] == [
        (3, 7, "unexpected the end of the line: expected a policy (ACCEPT, DROP, or - for a user chain)"),
        (6, 1, "unexpected 'bad': expected :CHAIN POLICY, a # comment, COMMIT, counters "
               "[packets:bytes], a rule (-A CHAIN ...) or *table"),
    ]
    with _line_by_line():
        assert parse_text(text, "rules.v4") == [rs]


# --- shapes ---------------------------------------------------------------------------------------

@contextlib.contextmanager
def _line_by_line():
    """The reference: Lark over the whole file and the builder on every line."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(shapes.CommandCache, "build", lambda self, *args: None)
        mp.setattr(save, "read_lines", lambda text, path, lark_lines: lark_lines(text, path, 0))
        yield


@contextlib.contextmanager
def _counting_caches():
    made: list[shapes.CommandCache] = []
    real_init = shapes.CommandCache.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(shapes, "SHAPES_FROM", 0)
        mp.setattr(shapes.CommandCache, "__init__", init)
        yield made


def _same_rulesets(text: str, path: str, **kwargs) -> int:
    """Parse both ways; they must be equal.  The number of lines built from a shape."""
    with _counting_caches() as made:
        fast = parse_text(text, path, **kwargs)
    with _line_by_line():
        slow = parse_text(text, path, **kwargs)
    for fast_rs, slow_rs in zip(fast, slow):
        for fast_rule, slow_rule in zip(fast_rs.rules(), slow_rs.rules()):
            assert fast_rule == slow_rule
        assert fast_rs.problems == slow_rs.problems
    assert fast == slow
    return sum(c.hits for c in made)


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_shapes_of_corpus_files_give_the_builders_rules(path):
    _same_rulesets(read_source(str(path)), str(path))


@_skip_no_real
@pytest.mark.parametrize("path", _real_files(), ids=lambda p: p.name)
def test_shapes_of_real_files_give_the_builders_rules(path):
    _same_rulesets(read_source(str(path)), str(path))


@_skip_no_gen
@pytest.mark.parametrize("family", [4, 6])
def test_shapes_of_a_generated_dump_give_the_builders_rules(family):
    text = _generated(3000, family, 7)
    hits = _same_rulesets(text, f"bench.v{family}")
    assert hits > 2900  # nearly every line from a shape: the fast path is taken


def test_a_shape_is_keyed_by_the_values_the_builder_reads():
    lines = []
    for i in range(6):
        lines += [f"-A INPUT -p tcp --dport {i + 20} -j ACCEPT",      # implies -m tcp
                  f"-A INPUT -p udp --dport {i + 50} -j ACCEPT",      # implies -m udp
                  f"-A INPUT -p icmp --dport {i + 80} -j ACCEPT",     # nothing takes --dport
                  f"-A INPUT -p tcp --dport {i + 20} -j c{i % 2}",    # a user chain: copied
                  f"-A INPUT -p tcp --dport {i + 20} -j LOG",         # a target: not copied
                  f"-I INPUT {i % 3 + 1} -s 192.0.2.{i} -j DROP",      # the position is read
                  f"-A c{i % 2} -m foo --bar {i} baz -j ACCEPT"]      # an unknown match
    text = "*filter\n:INPUT ACCEPT [0:0]\n:c0 - [0:0]\n:c1 - [0:0]\n" + "\n".join(lines) + "\nCOMMIT\n"
    assert _same_rulesets(text, "rules.v4") > 20
    (rs,) = parse_text(text, "rules.v4")
    inp = rs.tables[0].chain("INPUT")
    assert [m.name for m in inp.rules[-1].matches] == ["builtin", "tcp"]
    assert inp.rules[-3].unclaimed[0].written == "--dport"


def test_a_shape_whose_values_the_builder_reads_is_left_to_it(monkeypatch):
    """The check on each shape function: were the builder to read a copied value, the shape
    would be built line by line (here: the rule's position made from --dport's length)."""
    import dataclasses

    real_build = shapes.build_command

    def reading(words, registry, line_span, text, counters=None, family=None):
        cmd = real_build(words, registry, line_span, text, counters, family)
        dport = next((w.text for i, w in enumerate(words) if i and words[i - 1].text == "--dport"), None)
        if cmd.rule is not None and dport is not None:
            cmd.rule = dataclasses.replace(cmd.rule, position=len(dport))
        return cmd

    monkeypatch.setattr(shapes, "build_command", reading)
    lines = [f"-A INPUT -p tcp --dport {'1' * (i % 5 + 1)} -j ACCEPT" for i in range(40)]
    text = "*filter\n:INPUT ACCEPT [0:0]\n" + "\n".join(lines) + "\nCOMMIT\n"
    with _counting_caches() as made:
        (rs,) = parse_text(text, "rules.v4")
    assert [r.position for r in rs.rules()] == [i % 5 + 1 for i in range(40)]
    assert sum(c.hits for c in made) == 0


# Shapes with holes for values; hypothesis fills them, repeating shapes so that functions are
# made and used, and mixing in what is left to the builder.
SHAPES = [
    "-A {chain} -s {addr} -p tcp -m tcp --dport {port} -j ACCEPT",
    "-A {chain} -p {proto} --dport {port} -j {target}",
    '-A {chain} -m comment --comment "{text}" -j {target}',
    "-I {chain} {pos} -s {addr} -j DROP",
    "-A {chain} ! -s {addr} -j {target}",
    "-A {chain} -p tcp --dport ! {port} -j ACCEPT",
    "-A {chain} -m {match} --{option} {value} -j {target}",
    '-A {chain} -j LOG --log-prefix "{text}"',
    "-4 -A {chain} -s {addr} -j ACCEPT",
    "-6 -A {chain} -d {addr} -j ACCEPT",
    "[{pos}:{port}] -A {chain} -j {target}",
    "-A {chain} -p tcp --dport={port} -j ACCEPT",
    "-A {chain} -ptcp --dport {port} -j ACCEPT",
    "-A {chain} -m multiport --dports {port},{port} -j {target}",
    "-A {chain} -g {chain}",
    "-A {chain} -s {value} -j {target}",
    "-A {chain} -p tcp -m tcp --dport {port} -c {pos} {port} -j ACCEPT",
    "-A {chain} -m state --state {states} -j ACCEPT",
    "-A {chain} -m conntrack ! --ctstate {states} -j {target}",
    "-D {chain} {pos}",
    "-R {chain} {pos} -j ACCEPT",
    "-A {chain}\t-s {addr}  -j {target} ",
    "-A {chain} --protocol {proto} --dpo {port} -j {target}",
    "-A {chain} -p {proto} -j {target} --reject-with {value}",
    "-A {chain} -j DNAT --to-destination {addr}:{port}",
    "-A {chain} -m mark --mark {value} -j MARK --set-mark {value}",
    "-A {chain} -i {iface} -o {iface} -j {target}",
    "-A {chain} {value}",
    "-A {chain} -p tcp --dport {port} -j {target} !",
]
VALUES = {
    "chain": ["INPUT", "FORWARD", "c1", "c2", "weird-chain"],
    "addr": ["192.0.2.1", "198.51.100.0/24", "203.0.113.7/32", "2001:db8::1", "host.example", "10.0.0.0/8"],
    "port": ["22", "80", "443", "1:1024", "65535", "ssh", "0"],
    "proto": ["tcp", "udp", "icmp", "sctp", "TCP", "all", "6"],
    "target": ["ACCEPT", "DROP", "RETURN", "c1", "c2", "FOO", "LOG", "REJECT"],
    "text": ["allow", "a b", 'quote \\" in', "", "x y z", "é"],
    "pos": ["1", "2", "3", "0", "10"],
    "match": ["tcp", "foo", "limit", "recent"],
    "option": ["dport", "limit", "bar", "name", "set"],
    "value": ["1", "x", "-1", "!x", '""', "0x10/0xff", "tcp-reset", "a,b"],
    "states": ["NEW", "ESTABLISHED,RELATED", "INVALID", "new", "DNAT,NEW"],
    "iface": ["eth0", "eth+", "lo", "wg0"],
}


@st.composite
def rule_lines(draw) -> list[str]:
    shapes_used = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4, unique=True))
    out = []
    for _ in range(draw(st.integers(min_value=5, max_value=40))):
        shape = draw(st.sampled_from(shapes_used))
        values = {name: draw(st.sampled_from(choices)) for name, choices in VALUES.items()}
        out.append(shape.format(**values))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_lines(), st.sampled_from(["rules.v4", "rules.v6", "dual.rules"]))
def test_shapes_of_generated_rules_give_the_builders_rules(lines, path):
    text = ("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            ":c1 - [0:0]\n:c2 - [0:0]\n:weird-chain - [0:0]\n" + "\n".join(lines) + "\nCOMMIT\n")
    _same_rulesets(text, path)


def test_shapes_of_shuffled_real_lines_give_the_builders_rules():
    """Every rule line of the corpus, in a random order, in one table."""
    rng = random.Random(6)
    lines = []
    for path in _corpus_files() + _real_files():
        lines += [line for line in read_source(str(path)).splitlines() if line.startswith(("-A", "-I"))]
    lines = lines * 3
    rng.shuffle(lines)
    chains = sorted({line.split()[1] for line in lines if len(line.split()) > 1})
    text = "*filter\n" + "".join(f":{c} - [0:0]\n" for c in chains) + "\n".join(lines) + "\nCOMMIT\n"
    assert _same_rulesets(text, "rules.v4") > len(lines) // 2


# --- no_gc ----------------------------------------------------------------------------------------

def test_a_big_no_gc_block_freezes_what_it_made():
    before = gc.get_freeze_count()
    try:
        with no_gc():
            kept = [[i] for i in range(300_000)]
        assert gc.get_freeze_count() >= before + len(kept)
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_small_no_gc_block_freezes_nothing():
    gc.unfreeze()
    with no_gc():
        kept = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0
    assert len(kept) == 1000
