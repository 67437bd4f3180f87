"""A suppression in a rule's `-m comment` survives a round trip through the kernel, where `#`
lines do not: restore a ruleset into a throwaway namespace, save it back, lint what was saved."""

from __future__ import annotations

import json

from fwlint.cli import main
from tests.kernel.conftest import require_root_and

RULESET = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
# fwlint: ignore=FW204
-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -m comment --comment "fwlint: ignore=FW204" -j ACCEPT
COMMIT
"""


def test_rule_comment_suppression_survives_iptables_save(netns, tmp_path, monkeypatch, capsys):
    require_root_and("iptables-legacy-restore", "iptables-legacy-save")
    restored = netns.run("iptables-legacy-restore", input=RULESET)
    assert restored.returncode == 0, restored.stderr
    saved = netns.run("iptables-legacy-save", "-t", "filter")
    assert saved.returncode == 0, saved.stderr
    assert "# fwlint: ignore" not in saved.stdout
    assert '-m comment --comment "fwlint: ignore=FW204"' in saved.stdout

    monkeypatch.chdir(tmp_path)
    for name, text in (("before.v4", RULESET), ("after.v4", saved.stdout)):
        (tmp_path / name).write_text(text)
    # Before: both duplicates are suppressed.  After the round trip the `#` line is gone and
    # only the duplicate with the rule comment stays suppressed.
    assert main(["check", "--select", "FW204,FW901", "before.v4"]) == 0
    assert capsys.readouterr().out == "All checks passed!\n"
    assert main(["check", "--select", "FW204,FW901", "--output-format", "json", "after.v4"]) == 1
    out = capsys.readouterr().out
    saved_lines = saved.stdout.splitlines()
    first_dup = next(n for n, line in enumerate(saved_lines, 1)
                     if line == "-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT")
    assert [(d["code"], d["location"]["row"]) for d in json.loads(out)] == [("FW204", first_dup + 1)]
