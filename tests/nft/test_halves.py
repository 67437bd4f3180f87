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


# --- the parse shared too (fwlint.nft.split) ------------------------------------------------------

def _save_text(rule_lines: list[str], chains: str = ":c1 - [0:0]\n:c2 - [0:0]\n", table: str = "filter") -> str:
    head = {"filter": ":INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n",
            "nat": ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                   ":POSTROUTING ACCEPT [0:0]\n"}[table]
    return f"# a comment\n*{table}\n{head}{chains}" + "".join(line + "\n" for line in rule_lines) + "COMMIT\n"


def _generic_lines(count: int) -> list[str]:
    out = ["-A INPUT -j c1"]
    for i in range(count):
        out.append(_LINES[i % len(_LINES)].format(i=i % 250, port=i % 65000 + 1, n=i % 7))
    return out


def _split_patient(monkeypatch, claimed: int = 1000):
    """As _patient, for the split path: the translator waits until the child has claimed
    ``claimed`` rules."""
    from fwlint.nft import split

    monkeypatch.setattr(halves, "SPLIT_FROM", 0)
    monkeypatch.setattr(halves, "_processors", lambda: 2)
    parent = halves._parent

    def patient(translator, work, family, names, shared, rule_at=None, render=False):
        deadline = time.monotonic() + 60
        while shared[1] > len(work) - claimed and time.monotonic() < deadline:
            time.sleep(0.01)
        return parent(translator, work, family, names, shared, rule_at, render)

    monkeypatch.setattr(halves, "_parent", patient)
    return split


def _split_and_one(text: str, path: str = "split.v4", family: int | None = None, **options):
    from fwlint.nft import split

    done = split.translate_save(text, path, family, Options(parallel=True, **options))
    one = translate(parse_text(text, path, family), Options(**options))
    return done, one


def _same(two, one, output_format: str = "nft") -> None:
    if output_format == "json":
        assert to_json(two.tables) == to_json(one.tables)
    else:
        assert to_text(two.tables, "h") == to_text(one.tables, "h")
    assert _findings(two) == _findings(one)
    assert (two.rules, two.untranslated) == (one.rules, one.untranslated)


@pytest.mark.parametrize("parsed_here", [0.5, 0.15, 0.85])
@pytest.mark.parametrize("options", [{}, {"allow_partial": True}, {"counters": True},
                                     {"output_format": "json"}])
def test_a_shared_parse_translates_as_one_process(monkeypatch, options, parsed_here):
    split = _split_patient(monkeypatch)
    monkeypatch.setattr(split, "PARSED_HERE", parsed_here)
    text = _save_text(_generic_lines(3000))
    done, one = _split_and_one(text, **options)
    assert done is not None
    two, ruleset = done
    _same(two, one, options.get("output_format", "nft"))
    assert (two.rules, two.untranslated) == (3001, 1091)
    rendered = [r for t in two.tables for c in t.chains for r in c.rules if r.rendered is not None]
    assert len(rendered) > 700  # the child did its part
    assert ruleset.path == "split.v4" and sum(1 for _ in ruleset.rules()) == 3001


def test_late_declarations_jumps_before_them_and_loops(monkeypatch):
    """A chain declared after rules of it (those rules are never declared: FW601), jumps to
    chains declared later, a loop of chains closed in the child's part, a jump that is not a
    loop in the translator's part."""
    _split_patient(monkeypatch, claimed=600)
    rules = ["-A INPUT -j c1", "-A late -p tcp -j ACCEPT", "-A c1 -j c3", "-A c1 -j c4"]
    rules += _generic_lines(2000)[1:]
    rules += ["-A c3 -p udp -j c4", "-A c4 -s 192.0.2.1 -j c1", "-A c4 -j RETURN"]
    # declarations among the rules: c3 and c4 after the jumps to them, late at the end
    lines = ["*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
             ":c1 - [0:0]", ":c2 - [0:0]", *rules[:4], ":c3 - [0:0]", ":c4 - [0:0]", *rules[4:],
             ":late - [0:0]", "COMMIT"]
    text = "\n".join(lines) + "\n"
    done, one = _split_and_one(text)
    assert done is not None
    _same(done[0], one)
    messages = [d.message for d in one.diagnostics if d.code == "FW601"]
    assert any("chain late is never declared" in m for m in messages)
    assert any("closes a loop of chains" in m for m in messages)
    assert sum(r.rendered is not None for t in done[0].tables for c in t.chains for r in c.rules) > 300


def test_conntrack_in_the_childs_part_only(monkeypatch):
    """Whether conntrack is in use changes how `-p tcp -m tcp` alone is translated: a conntrack
    match only among the rules the child builds still counts for the translator's."""
    _split_patient(monkeypatch, claimed=200)
    rules = ["-A INPUT -p tcp -m tcp -j ACCEPT"] + [f"-A INPUT -s 192.0.2.{i % 250} -j ACCEPT"
                                                   for i in range(2500)]
    with_ct = rules + ["-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT"]
    first_rules = []
    for lines in (rules, with_ct):
        done, one = _split_and_one(_save_text(lines))
        assert done is not None
        _same(done[0], one)
        first_rules.append(to_text(one.tables).split("policy drop;\n", 1)[1].split("\n", 1)[0])
    assert first_rules[0] != first_rules[1]  # the test means something


@pytest.mark.parametrize("bad", ["-A c2 -s 192.0.2.1 -j ACCEPT -t nat", "-A c2 -p tcp --dport 22 -h",
                                 "-A c2 -s 192.0.2.1 -w -j ACCEPT", '-A c2 -m comment --comment "x',
                                 "-A c2 -A c1 -j DROP"])
@pytest.mark.parametrize("where", [100, 2400])
def test_a_problem_in_either_part_gives_the_whole_parse(monkeypatch, bad, where):
    """A line the parser reports a problem for, in the translator's part or the child's."""
    _split_patient(monkeypatch, claimed=0)
    rules = _generic_lines(2500)
    rules.insert(where, bad)
    done, _ = _split_and_one(_save_text(rules))
    assert done is None  # the one-process path takes it


def test_an_error_the_validity_rules_find_in_the_childs_part(monkeypatch):
    """A rule iptables refuses that parses (FW601 from the validity pass) stays on the path."""
    _split_patient(monkeypatch, claimed=0)
    rules = _generic_lines(2500)
    rules.insert(2400, "-A c2 -p tcp --dport")
    rules.insert(2450, "-A c2 -p tcp --dport 99999 -j ACCEPT")
    rules.insert(2460, "-A c2 --no-such-option-at-all")
    done, one = _split_and_one(_save_text(rules))
    assert done is not None
    _same(done[0], one)
    lines = {d.span.line for d in one.diagnostics if d.code == "FW601"}
    assert {2400 + 7 + 1, 2450 + 7 + 1, 2460 + 7 + 1} <= lines


@pytest.mark.parametrize("change", [
    lambda rules: rules[:100] + ["-I INPUT 1 -j ACCEPT"] + rules[100:],
    lambda rules: rules[:100] + ["-D INPUT -j c1"] + rules[100:],
    lambda rules: rules[:100] + ["-N c9"] + rules[100:],
    lambda rules: rules[:100] + ["not a rule at all"] + rules[100:],
    lambda rules: rules[:100] + ["  :c5 - [0:0]"] + rules[100:],
    lambda rules: rules + ["COMMIT", "*filter"],
    lambda rules: [r.replace("-A c2", "-A INPUT", 1) if i == 5 else r for i, r in enumerate(rules)]
    + ["-4 -A INPUT -j ACCEPT"],
])
def test_files_the_prepass_is_not_sure_of_are_parsed_whole(monkeypatch, change):
    _split_patient(monkeypatch, claimed=0)
    done, _ = _split_and_one(_save_text(change(_generic_lines(2500))))
    assert done is None


def test_blanks_before_a_rule_and_counters(monkeypatch):
    """iptables-restore takes blanks before a rule's words, and counters before them."""
    _split_patient(monkeypatch, claimed=200)
    rules = _generic_lines(2500)
    rules[100] = "  " + rules[100]
    rules[2300] = "[5:300] " + rules[2300]
    done, one = _split_and_one(_save_text(rules), counters=True)
    assert done is not None
    _same(done[0], one)
    assert "counter packets 5 bytes 300" in to_text(one.tables)


def test_a_builtin_chain_declared_after_its_rules_is_parsed_whole(monkeypatch):
    _split_patient(monkeypatch, claimed=0)
    lines = ["*filter", "-A INPUT -j ACCEPT", ":INPUT DROP [0:0]", *_generic_lines(2500), "COMMIT"]
    done, _ = _split_and_one("\n".join(lines).replace(":c1", ":c0") + "\n")
    assert done is None


def test_a_failing_child_in_a_shared_parse(monkeypatch):
    split = _split_patient(monkeypatch, claimed=0)

    def fail(*args):
        raise RuntimeError("the child fails")

    monkeypatch.setattr(halves, "_child", fail)
    monkeypatch.setattr(split, "PARSED_HERE", 0.3)
    done, one = _split_and_one(_save_text(_generic_lines(2200)))
    assert done is not None
    _same(done[0], one)
    # every rule translated here: from its own rule (the child's come with a stand-in, no text)
    assert all(r.source.text for t in done[0].tables for c in t.chains for r in c.rules)


def test_a_shared_parse_of_an_ipv6_nat_file(monkeypatch):
    _split_patient(monkeypatch, claimed=300)
    rules = [f"-A PREROUTING -d 2001:db8::{i % 500:x} -p tcp -m tcp --dport {i % 60000 + 1} "
             f"-j DNAT --to-destination [2001:db8:1::{i % 90:x}]:80" for i in range(2500)]
    rules += ["-A POSTROUTING -o eth0 -j MASQUERADE"]
    text = _save_text(rules, chains="", table="nat")
    done, one = _split_and_one(text, "split.v6")
    assert done is not None
    _same(done[0], one)
    assert "table ip6 fwlint" in to_text(done[0].tables)


@pytest.mark.parametrize("source", ["save", "script"])
@pytest.mark.parametrize("flags", [[], ["--allow-partial"], ["--format", "json"], ["--family", "4"]])
def test_translate_command_with_a_shared_parse(monkeypatch, tmp_path, capsys, source, flags):
    """`fwlint translate` (standard output, standard error, exit status) is the same with the
    parse shared as without."""
    from fwlint.nft import command

    _split_patient(monkeypatch, claimed=0)
    monkeypatch.setattr(command, "SPLIT_BYTES", 0)
    if source == "save":
        path = tmp_path / "rules.v4"
        path.write_text(_save_text(_generic_lines(2300)))
    else:
        path = tmp_path / "firewall.sh"
        path.write_text("#!/bin/sh\n" + "".join(f"iptables -A INPUT -s 192.0.2.{i % 250} -j ACCEPT\n"
                                                 for i in range(2100)))
    taken = []
    real = command._translate_big

    def recording(*args):
        found = real(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(command, "_translate_big", recording)
    status = command.translate_command([str(path)], **_command_options(flags))
    shared = capsys.readouterr()
    monkeypatch.setattr(command, "_translate_big", lambda *args: None)
    assert command.translate_command([str(path)], **_command_options(flags)) == status
    whole = capsys.readouterr()
    assert (shared.out, shared.err) == (whole.out, whole.err)
    assert taken == [source == "save"]


def _command_options(flags: list[str]) -> dict:
    options: dict = {"quiet": False}
    if "--allow-partial" in flags:
        options["allow_partial"] = True
    if "--format" in flags:
        options["output_format"] = "json"
    if "--family" in flags:
        options["family"] = "4"
    return options
