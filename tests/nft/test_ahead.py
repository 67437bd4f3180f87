"""The validity pass worked out ahead in a forked child (fwlint.nft.ahead) answers exactly as
ValidityRefusal does, and a translation made with it is the translation made without it."""

from __future__ import annotations

import os

import pytest

import fwlint.nft.ahead as ahead
from fwlint.nft import translate
from fwlint.nft.emitter import Options, _chains, _tables
from fwlint.nft.render import to_text
from fwlint.parse import parse_text
from fwlint.parse.script_lint import ValidityRefusal

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

# Rules the validity rules pass and rules they refuse (a port out of range, an option no loaded
# match takes, a match outside its table), repeated into a ruleset big enough to fork for.
_LINES = [
    "-A INPUT -s 192.0.2.{i} -p tcp -m tcp --dport {port} -j ACCEPT",
    "-A INPUT -p tcp --dport 7{i}000 -j ACCEPT",
    "-A c1 -m conntrack --ctstate NEW -p udp --dport {port} -j c2",
    "-A c2 --no-such-option 1 -j DROP",
    '-A c2 -m comment --comment "rule {i}" -j RETURN',
    "-A FORWARD -i eth0 -o eth1 -s 198.51.100.0/24 -j REJECT --reject-with tcp-reset",
]


def _ruleset(count: int):
    lines = ["*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
             ":c1 - [0:0]", ":c2 - [0:0]", "-A INPUT -j c1"]
    for i in range(count):
        lines.append(_LINES[i % len(_LINES)].format(i=i % 250, port=i % 65000 + 1))
    lines.append("COMMIT")
    (rs,) = parse_text("\n".join(lines) + "\n", "ahead.v4")
    return rs


def _order(rs):
    return [(rule, table, chain) for table in _tables(rs) for chain in _chains(table) for rule in chain.rules]


def test_the_childs_answers_are_the_validity_rules(monkeypatch):
    monkeypatch.setattr(ahead, "AHEAD_FROM", 0)
    rs = _ruleset(600)
    order = _order(rs)
    local = ValidityRefusal()
    expected = [local(rule, table, chain, 4) for rule, table, chain in order]
    refused = sum(answer is not None for answer in expected)
    assert 0 < refused < len(expected)  # of six lines, the second and the fourth are refused
    answering = ahead.refusals_ahead(ValidityRefusal(), rs, order)
    assert isinstance(answering, ahead.RefusalsAhead)
    answering.finish()
    assert answering.answers == expected  # all of them from the child
    assert [answering(rule, table, chain, 4) for rule, table, chain in order] == expected


def test_a_rule_the_child_was_not_given_is_answered_here(monkeypatch):
    monkeypatch.setattr(ahead, "AHEAD_FROM", 0)
    rs = _ruleset(60)
    order = _order(rs)
    answering = ahead.refusals_ahead(ValidityRefusal(), rs, order[:10])
    rule, table, chain = next(item for item in order[10:] if item[0].unclaimed)  # --no-such-option
    assert answering(rule, table, chain, 4) is not None
    assert answering(rule, table, chain, 4) == ValidityRefusal()(rule, table, chain, 4)
    answering.close()


def test_the_child_is_stopped_and_reaped(monkeypatch):
    monkeypatch.setattr(ahead, "AHEAD_FROM", 0)
    rs = _ruleset(600)
    answering = ahead.refusals_ahead(ValidityRefusal(), rs, _order(rs))
    pid = answering.pid
    answering.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_small_rulesets_do_not_fork():
    rs = _ruleset(ahead.AHEAD_FROM - 100)
    refusal = ValidityRefusal()
    assert ahead.refusals_ahead(refusal, rs, _order(rs)) is refusal


@pytest.mark.parametrize("allow_partial", [False, True])
def test_a_translation_with_the_child_is_the_translation_without(monkeypatch, allow_partial):
    rs = _ruleset(400)
    options = Options(allow_partial=allow_partial)
    monkeypatch.setattr(ahead, "AHEAD_FROM", 10**9)
    alone = translate([rs], options)
    monkeypatch.setattr(ahead, "AHEAD_FROM", 0)
    helped = translate([rs], options)
    assert alone.untranslated == helped.untranslated > 0
    assert [d.to_json() for d in helped.diagnostics] == [d.to_json() for d in alone.diagnostics]
    assert to_text(helped.tables, "x") == to_text(alone.tables, "x")
