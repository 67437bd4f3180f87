"""The pre-pass of a big save file (fwlint.parse.save.save_skeleton, build_rule): with each rule
line built, its skeleton is the ruleset the whole-file parse makes, exactly; a file it is not
sure of gives None."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from fwlint.extensions import default_registry
from fwlint.parse import detect_family, parse_text, read_source
from fwlint.parse.save import (
    _REFUSED_BLANKS,
    CommandCache,
    _blank_problems,
    build_rule,
    filled,
    rule_span,
    save_skeleton,
)

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "real"


def _built(text: str, path: str, family: int | None = None):
    family = family if family is not None else detect_family(path, text)
    skeleton = save_skeleton(text, path, family)
    if skeleton is None:
        return None
    commands = CommandCache(default_registry(), path)
    rules = [build_rule(commands, skeleton, n) for n in range(len(skeleton.lines))]
    if any(rule is None for rule in rules):
        return "not plain"
    assert [rule_span(skeleton, n) for n in range(len(rules))] == [rule.span for rule in rules]
    return filled(skeleton.ruleset, rules.__getitem__)


def _files() -> list[Path]:
    corpus = [p for p in (ROOT / "corpus").iterdir() if p.suffix in (".v4", ".v6", ".rules")]
    real = [p for p in REAL.iterdir() if p.name != "SOURCES.tsv"] if REAL.is_dir() else []
    return sorted(corpus + real)


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_the_skeleton_built_is_the_whole_parse(path):
    text = read_source(str(path))
    found = _built(text, str(path))
    if found is None or found == "not plain":
        return  # the whole parse takes it (what that gives is tests/test_corpus.py's)
    assert [found] == parse_text(text, str(path), source_format_name="save")


def test_most_corpus_files_have_a_skeleton():
    taken = [p.name for p in _files() if _built(read_source(str(p)), str(p)) not in (None, "not plain")]
    assert len(taken) >= 15


GOOD = ("# made by hand\n*nat\n:PREROUTING ACCEPT [1:2]\n:POSTROUTING ACCEPT [0:0]\n"
        "-A PREROUTING -d 192.0.2.1 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.1:8080\n"
        "COMMIT\n*filter\n:INPUT DROP [0:0]\n:  c1   -   [7:8]\n-A INPUT -j c1\n"
        "[5:300] -A INPUT -s 192.0.2.1 -j ACCEPT\n  [1:2]   -A c1 -j c2\n-A c2 -j RETURN\n"
        "-A c1 -p tcp --dport 22 -j ACCEPT  \n\n# between\n-A c1 -j c2\n:c2 - [0:0]\n-A c2 -j DROP\n"
        "-A FORWARD -m comment --comment \"a b\" -j ACCEPT\nCOMMIT")


@pytest.mark.parametrize("family", [4, 6])
def test_a_file_with_counters_blanks_late_chains_and_comments(family):
    ruleset = _built(GOOD, "hand.rules", family)
    assert ruleset not in (None, "not plain")
    assert [ruleset] == parse_text(GOOD, "hand.rules", family)
    filter_table = ruleset.tables[1]
    assert [r.text for r in filter_table.undeclared_rules] == ["-A c2 -j RETURN"]  # before :c2


@pytest.mark.parametrize("change", [
    ("-A INPUT -j c1\n", "-I INPUT -j c1\n"),
    ("-A INPUT -j c1\n", "-N c9\n"),
    ("-A INPUT -j c1\n", "--append INPUT -j c1\n"),
    ("-A INPUT -j c1\n", "-4 -A INPUT -j c1\n"),
    ("-A INPUT -j c1\n", "-A \"INPUT\" -j c1\n"),
    ("-A INPUT -j c1\n", "-A INPUT -j c1\r\n"),
    ("-A INPUT -j c1\n", "what is this\n"),
    ("-A INPUT -j c1\n", " :c3 - [0:0]\n"),
    ("-A INPUT -j c1\n", "   \n"),
    (":INPUT DROP [0:0]\n", ":INPUT DENY [0:0]\n"),
    (":INPUT DROP [0:0]\n", ":INPUT DROP [0:0]\n:INPUT DROP [0:0]\n"),
    (":INPUT DROP [0:0]\n", "-A INPUT -j ACCEPT\n:INPUT DROP [0:0]\n"),
    (":  c1   -   [7:8]\n", ":c1 ACCEPT [0:0]\n"),
    ("*filter\n", "*filters\n"),
    ("*filter\n", "*nat\n"),
    ("COMMIT\n*filter", "*filter"),
    ("\"a b\" -j ACCEPT\nCOMMIT", "\"a b\" -j ACCEPT\n"),
])
def test_what_the_prepass_is_not_sure_of(change):
    old, new = change
    assert old in GOOD
    assert _built(GOOD.replace(old, new, 1), "hand.v4") is None


@pytest.mark.parametrize("line", ["-A c2 -s 192.0.2.1 -j ACCEPT -t nat", "-A c2 -p tcp --dport 22 -h",
                                  "-A c2 -w -j ACCEPT", "-A c2 -m comment --comment \"x",
                                  "-A c2 -A c1 -j DROP", "-A c1 -j c2 -4"])
def test_a_rule_line_that_is_not_a_plain_append_does_not_build(line):
    assert _built(GOOD.replace("-A c2 -j DROP", line), "hand.v4") == "not plain"


def test_the_blank_check_agrees_with_the_problems_it_stands_for():
    pieces = ["", " ", "\t", "  ", "COMMIT", "-A", "!", "[", "#", "*", ":", "x", " -A", " COMMIT", "COMMIT ",
              " [1:2]", "\t!", "COMMITX", " #"]
    for a, b, c in itertools.product(pieces, repeat=3):
        for text in (a + b + c, f"{a}{b}\n{c}", f"{a}\n{b}{c}\n", f"{a}{b}{c}\n{a}"):
            assert bool(_blank_problems(text, "x")) == bool(_REFUSED_BLANKS.search(text)), repr(text)
