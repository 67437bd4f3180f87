"""A file that is not text (a program, a compressed file, UTF-16) gives one FW109 at 1:1, not a
syntax error full of escaped bytes for every line."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

from tests._cli import run

BINARY = (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) + b"\n") * 200
NOT_TEXT = ("FW109 [error] not a text file: it holds NUL bytes (a program, an archive or a compressed "
            "file?); fwlint checks iptables-save output and firewall scripts")


@pytest.mark.parametrize("name", ["rules.v4", "rules.v6", "firewall.sh"])
def test_binary_file_is_one_finding(tmp_path: Path, capsys, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BINARY)
    code, out, err = run(capsys, "check", "--no-analysis", str(path))
    assert (code, err) == (1, "")
    assert out == f"{path}:1:1: {NOT_TEXT}\nFound 1 finding (1 error).\n"


def test_compressed_ruleset(tmp_path: Path, capsys) -> None:
    path = tmp_path / "rules.v4"
    path.write_bytes(gzip.compress(b"*filter\n-A INPUT -j ACCEPT\nCOMMIT\n" * 50, mtime=0))
    code, out, _ = run(capsys, "check", "--no-analysis", "--output-format", "concise", str(path))
    assert code == 1
    assert out.splitlines()[0] == f"{path}:1:1: " + NOT_TEXT.replace(" [error]", "")
    assert out.splitlines()[1:] == ["Found 1 finding (1 error)."]


def test_utf16_ruleset_says_how_to_convert_it(tmp_path: Path, capsys) -> None:
    path = tmp_path / "rules.v4"
    path.write_bytes("*filter\n:INPUT DROP [0:0]\nCOMMIT\n".encode("utf-16"))
    code, out, _ = run(capsys, "check", "--no-analysis", str(path))
    assert code == 1
    assert out == (f"{path}:1:1: FW109 [error] not a text file iptables can read: it is UTF-16 "
                   f"(Windows \"Unicode\"); iptables-restore and the shell read ASCII or UTF-8: convert "
                   f"it (iconv -f UTF-16 -t UTF-8)\nFound 1 finding (1 error).\n")


def test_binary_on_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(BINARY.decode("latin-1")))
    code, out, _ = run(capsys, "check", "--no-analysis", "--stdin-filename", "rules.v4", "-")
    assert code == 1
    assert out == f"rules.v4:1:1: {NOT_TEXT}\nFound 1 finding (1 error).\n"


def test_binary_file_with_fix_is_left_alone(tmp_path: Path, capsys) -> None:
    path = tmp_path / "rules.v4"
    path.write_bytes(BINARY)
    code, out, _ = run(capsys, "check", "--no-analysis", "--fix", "--unsafe-fixes", str(path))
    assert code == 1
    assert path.read_bytes() == BINARY
    assert out == f"{path}:1:1: {NOT_TEXT}\nFound 1 finding (1 error).\n"


def test_a_control_character_in_a_text_file_is_still_read_as_text(tmp_path: Path, capsys) -> None:
    path = tmp_path / "rules.v4"
    path.write_bytes(b"*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\x0c\nCOMMIT\n")
    code, out, _ = run(capsys, "check", "--no-analysis", "--select", "FW109", str(path))
    assert code == 1
    assert out == f"{path}:3:25: FW109 [error] unexpected character '\\x0c'\nFound 1 finding (1 error).\n"


def test_a_folder_search_passes_over_binaries(tmp_path: Path, capsys) -> None:
    (tmp_path / "sbin").mkdir()
    (tmp_path / "sbin" / "iptables-save").write_bytes(BINARY)
    (tmp_path / "rules.v4.gz").write_bytes(gzip.compress(b"*filter\nCOMMIT\n", mtime=0))
    (tmp_path / "iptables.rules").write_bytes(BINARY)
    rules = tmp_path / "rules.v4"
    rules.write_text("*filter\n:INPUT DROP [0:0]\n-A INPUT -s ! 192.0.2.1 -j ACCEPT\nCOMMIT\n")
    code, out, _ = run(capsys, "check", "--no-analysis", "--select", "FW109,FW503",
                       "--output-format", "concise", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [
        (f"{rules}:3:10: FW503 [*] -s ! 192.0.2.1: a `!` after the option is refused by current "
         f"iptables; write ! -s 192.0.2.1"),
        "Found 1 finding (1 error).",
        "[*] 1 fixable with --fix.",
    ]
