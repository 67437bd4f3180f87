"""A translation shared by two processes (fwlint.nft.halves) is the translation made in one:
the same output (block syntax and JSON), the same findings, the same names of table-wide
objects, whichever rules the child did."""

from __future__ import annotations

import os
import struct
import time

import pytest

from fwlint.nft import halves, translate
from fwlint.nft.emitter import Options
from fwlint.nft.render import to_json, to_json_data, to_text
from fwlint.parse import parse_text

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

# Plain rules, rules iptables refuses (FW601 with the validity rule's message), approximations
# (FW602), a rule that never matches (a comment), and rules that declare table-wide objects whose
# names depend on the rules before them (recent sets, hashlimit meters, named limits, helpers).
_LINES = [
    "-A INPUT -s 192.0.2.{i} -p tcp -m tcp --dport {port} -j ACCEPT",
    "-A INPUT -p tcp --dport 7{i}000 -j ACCEPT",
    "-A c1 -m conntrack --ctstate NEW -p udp --dport {port} -j c2",
    "-A c2 --no-such-option 1 -j DROP",
    '-A c2 -m comment --comment "rule {i}" -j RETURN',
    "-A FORWARD -i eth0 -o eth1 -s 198.51.100.0/24 -j REJECT --reject-with tcp-reset",
    "-A INPUT -p tcp --dport 22 -m recent --set --name S{n}",
    ("-A INPUT -p tcp --syn -m hashlimit --hashlimit-above 5/sec --hashlimit-mode srcip "
     "--hashlimit-name h{n} -j DROP"),
    "-A c1 -m ttl --ttl-gt 300 -j DROP",
    "-A c1 -p udp -m udp --dport 9:8 -j DROP",
    "-A c1 -m limit --limit 3/min -j LOG --log-prefix \"x{i} \"",
]


def _ruleset(count: int, table_wide_every: int = 1):
    lines = ["*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
             ":c1 - [0:0]", ":c2 - [0:0]", "-A INPUT -j c1"]
    for i in range(count):
        line = _LINES[i % len(_LINES)]
        if "{n}" in line and i % table_wide_every:
            line = _LINES[0]
        lines.append(line.format(i=i % 250, port=i % 65000 + 1, n=i % 7))
    lines.append("COMMIT")
    (rs,) = parse_text("\n".join(lines) + "\n", "halves.v4")
    return rs


def _patient(monkeypatch):
    """Two processes on any machine, and the translator waiting (up to a minute) until the child
    has claimed 1000 rules, so that the child's part does not depend on how busy the machine is."""
    monkeypatch.setattr(halves, "SPLIT_FROM", 0)
    monkeypatch.setattr(halves, "_processors", lambda: 2)
    parent = halves._parent

    def patient(translator, work, family, names, shared):
        deadline = time.monotonic() + 60
        while struct.unpack_from("q", shared, 8)[0] > len(work) - 1000 and time.monotonic() < deadline:
            time.sleep(0.01)
        return parent(translator, work, family, names, shared)

    monkeypatch.setattr(halves, "_parent", patient)


def _both(rs, **options):
    one = translate([rs], Options(**options))
    two = translate([rs], Options(parallel=True, **options))
    return one, two


def _findings(translation):
    return [(d.code, d.span, d.message, d.severity) for d in translation.diagnostics]


@pytest.mark.parametrize("options", [{}, {"allow_partial": True}, {"counters": True},
                                     {"output_format": "json"}])
def test_two_processes_translate_as_one(monkeypatch, options):
    _patient(monkeypatch)
    rs = _ruleset(3000)
    one, two = _both(rs, **options)
    if options.get("output_format") == "json":
        assert to_json(two.tables) == to_json(one.tables)
        assert to_json_data(two.tables) == to_json_data(one.tables)
        with pytest.raises(ValueError, match="rendered for --format json"):
            to_text(two.tables)
    else:
        assert to_text(two.tables, "h") == to_text(one.tables, "h")
        with pytest.raises(ValueError, match="rendered for --format nft"):
            to_json(two.tables)
    assert _findings(two) == _findings(one)
    assert (two.rules, two.untranslated) == (one.rules, one.untranslated) == (3001, 1091)
    assert {d.code for d in one.diagnostics} == {"FW601", "FW602"}
    rendered = [r for t in two.tables for c in t.chains for r in c.rules if r.rendered is not None]
    assert len(rendered) > 700  # the child did its part


def test_the_child_leaves_table_wide_objects_to_the_translator(monkeypatch):
    _patient(monkeypatch)
    rs = _ruleset(2500)
    one, two = _both(rs)
    text = to_text(two.tables, "h")
    assert text == to_text(one.tables, "h")
    assert "set recent_S6 {" in text and "meter hashlimit_h6_32 " in text  # names in rule order
    by_source = {id(r.source): r for t in two.tables for c in t.chains for r in c.rules}
    for t in two.tables:
        for c in t.chains:
            for r in c.rules:
                if "--name S" in r.source.text or "--hashlimit-name" in r.source.text:
                    assert r.rendered is None  # translated here, not in the child
    assert len(by_source) == len({id(r.source) for t in one.tables for c in t.chains for r in c.rules})
    assert sum(r.rendered is not None for r in by_source.values()) > 700


def test_a_failing_child_loses_nothing_but_its_help(monkeypatch):
    monkeypatch.setattr(halves, "SPLIT_FROM", 0)
    monkeypatch.setattr(halves, "_processors", lambda: 2)

    def fail(*args):
        raise RuntimeError("the child fails")

    monkeypatch.setattr(halves, "_child", fail)
    rs = _ruleset(2200)
    one, two = _both(rs)
    assert to_text(two.tables, "h") == to_text(one.tables, "h")
    assert _findings(two) == _findings(one)
    assert all(r.rendered is None for t in two.tables for c in t.chains for r in c.rules)


def test_small_rulesets_are_translated_in_one_process():
    assert not halves.can_split(halves.SPLIT_FROM - 1)
    rs = _ruleset(100)
    two = translate([rs], Options(parallel=True))
    assert all(r.rendered is None for t in two.tables for c in t.chains for r in c.rules)
