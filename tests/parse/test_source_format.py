"""fwlint.parse.source_format reads a save file's head only: the answer is that of the whole text."""

from __future__ import annotations

import itertools

from fwlint.parse import _head, source_format
from fwlint.parse.script import looks_like_script

PIECES = ["", "\n", "# c\n", "#!/bin/sh\n", "*filter\n", ":INPUT ACCEPT\n", "iptables -A INPUT -j ACCEPT\n",
          "  \n", "echo hi\n", "-A INPUT\n", "COMMIT\n", "x\r", "\x0c", "# iptables -L\n", "\n" * 3000]


def test_the_head_gives_the_answer_of_the_whole_text():
    for combo in itertools.product(PIECES, repeat=3):
        text = "".join(combo)
        for path in ("rules.v4", "firewall.sh", "x"):
            assert looks_like_script(path, _head(text)) == looks_like_script(path, text), (text[:60], path)


def test_a_save_file_is_read_up_to_its_first_line():
    text = "# made by hand\n\n*filter\n:INPUT ACCEPT [0:0]\n" + "-A INPUT -j ACCEPT\n" * 1000 + "COMMIT\n"
    assert _head(text) == "# made by hand\n\n*filter\n"
    assert source_format("rules.v4", text) == "save"
    script = "#!/bin/sh\niptables -A INPUT -j ACCEPT\n"
    assert _head(script) == script and source_format("rules", script) == "script"
