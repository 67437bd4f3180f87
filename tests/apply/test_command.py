"""fwlint.apply.command without a kernel: libnftables' errors pointed at the user's lines, the root check,
and the usage errors that come before anything is asked of the kernel."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from fwlint.apply import command
from fwlint.apply.command import apply_command, has_net_admin, kernel_errors
from fwlint.apply.source import prepare
from fwlint.check import UsageError
from fwlint.nft.libnft import Result

ROOT = Path(__file__).resolve().parents[2]
BATCH = "/tmp/fwlint-apply-1234/ruleset.nft"  # the file run_transaction hands libnftables
PREFIX = 4  # "# fwlint apply" and three lines of replace_prefix: the user's line N is the batch's N + 4

NFT_FILE = """\
#!/usr/sbin/nft -f
flush ruleset
table inet mine {
	chain output {
		type filter hook output priority filter; policy accept;
		tcp dport 22 accept
		fib saddr . iif oif missing drop
		tcp dport 23 accept
	}
}
"""


def refused_at(batch_line: int, columns: str, message: str, source: str, carets: str) -> str:
    return f"{BATCH}:{batch_line}:{columns}: Error: {message}\n{source}\n{carets}\n"


@pytest.fixture
def nft_prepared(tmp_path):
    path = tmp_path / "k.nft"
    path.write_text(NFT_FILE)
    return str(path), prepare([str(path)], force=False)


@pytest.fixture
def iptables_prepared(tmp_path):
    path = tmp_path / "clean-host.v4"
    path.write_text((ROOT / "corpus" / "clean-host.v4").read_text())
    return str(path), prepare([str(path)], force=False)


# --- kernel_errors -----------------------------------------------------------------------------------

def test_a_rule_the_kernel_refuses_in_an_nft_file_and_the_errors_behind_it_dropped(nft_prepared):
    path, prepared = nft_prepared
    error = (refused_at(11, "3-34", "Could not process rule: Operation not supported",
                        "\t\tfib saddr . iif oif missing drop", "\t\t" + "^" * 32)
             + refused_at(12, "3-21", "Could not process rule: Operation not supported",
                          "\t\ttcp dport 23 accept", "\t\t" + "^" * 19))
    assert kernel_errors(Result(1, "", error), BATCH, PREFIX, prepared) == [
        f"{path}:7:3: error: the kernel refuses it: Could not process rule: Operation not supported",
        "    \t\tfib saddr . iif oif missing drop",
        "    \t\t" + "^" * 32]


def test_a_syntax_error_an_error_on_fwlints_own_line_and_one_without_place(nft_prepared):
    path, prepared = nft_prepared
    error = (refused_at(10, "3-5", "syntax error, unexpected junk", "\t\ttcp dport 22 accept", "\t\t^^^")
             + refused_at(10, "17-22", "syntax error, unexpected accept", "\t\ttcp dport 22 accept",
                          "\t\t              ^^^^^^")
             + refused_at(2, "1-10", "Could not process rule: No such file or directory", "delete table ip x",
                          "^" * 10)
             + "Error: Could not process rule: Device or resource busy\n"
             + "/etc/nftables.d/other.nft:1:1-2: Error: syntax error\nxx\n^^\n")  # another file: not ours
    assert kernel_errors(Result(1, "", error), BATCH, PREFIX, prepared) == [
        f"{path}:6:3: error: libnftables refuses it: syntax error, unexpected junk",
        "    \t\ttcp dport 22 accept",
        "    \t\t^^^",
        f"{path}:6:17: error: libnftables refuses it: syntax error, unexpected accept",
        "    \t\ttcp dport 22 accept",
        "    \t\t              ^^^^^^",
        ("fwlint: the kernel refuses it (fwlint's own command, line 2): Could not process rule: No such file "
         "or directory"),
        "fwlint: libnftables: Could not process rule: Device or resource busy"]


def test_a_second_refused_rule_after_a_syntax_error_is_the_first_refusal(nft_prepared):
    path, prepared = nft_prepared
    error = (refused_at(10, "3-5", "syntax error, unexpected junk", "\t\ttcp dport 22 accept", "\t\t^^^")
             + refused_at(11, "3-34", "Could not process rule: Operation not supported",
                          "\t\tfib saddr . iif oif missing drop", "\t\t" + "^" * 32))
    assert kernel_errors(Result(1, "", error), BATCH, PREFIX, prepared)[3] == (
        f"{path}:7:3: error: the kernel refuses it: Could not process rule: Operation not supported")


def test_errors_libnftables_gives_no_place_for(nft_prepared):
    _path, prepared = nft_prepared
    assert kernel_errors(Result(1, "", "something odd\n"), BATCH, PREFIX, prepared) == [
        "fwlint: libnftables refuses it: something odd"]
    assert kernel_errors(Result(-1, "", ""), BATCH, PREFIX, prepared) == [
        "fwlint: libnftables refuses it: status -1"]
    assert kernel_errors(Result(0, "", ""), BATCH, PREFIX, prepared) == []


def test_a_refused_rule_of_a_translation_points_at_the_iptables_rule(iptables_prepared):
    path, prepared = iptables_prepared
    # the translation's line 10 is `tcp dport 22 ct state new accept`, from the rule on line 9
    error = (refused_at(14, "3-34", "Could not process rule: Operation not supported",
                        "\t\ttcp dport 22 ct state new accept", "\t\t" + "^" * 32)
             + refused_at(15, "3-30", "Could not process rule: Operation not supported",
                          "\t\ticmp type echo-request accept", "\t\t" + "^" * 29))
    assert kernel_errors(Result(1, "", error), BATCH, PREFIX, prepared) == [
        f"{path}:9:1: error: the kernel refuses it: Could not process rule: Operation not supported",
        "    -A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT",
        "    translated to: tcp dport 22 ct state new accept"]


def test_an_error_on_a_line_of_the_translations_own(iptables_prepared):
    path, prepared = iptables_prepared
    error = refused_at(10, "3-55", "Could not process rule: Operation not supported",
                       "\t\ttype filter hook input priority filter; policy drop;", "\t\t" + "^" * 53)
    assert kernel_errors(Result(1, "", error), BATCH, PREFIX, prepared) == [
        (f"{path} (the translation's line 6): error: the kernel refuses it: Could not process rule: "
         "Operation not supported: type filter hook input priority filter; policy drop;")]


# --- has_net_admin ---------------------------------------------------------------------------------

def status_with(*lines: str):
    def fake_open(path, *args, **kwargs):
        assert path == "/proc/self/status"
        return io.StringIO("".join(line + "\n" for line in lines))
    return fake_open


def test_root_has_net_admin(monkeypatch):
    monkeypatch.setattr(command.os, "geteuid", lambda: 0)
    monkeypatch.setattr(command, "open", status_with("CapEff:\t0000000000000000"), raising=False)
    assert has_net_admin() is True


@pytest.mark.parametrize("lines, expected", [
    # CAP_NET_ADMIN only
    (("Name:\tpython3", "CapInh:\t0000000000001000", "CapEff:\t0000000000001000"), True),
    (("CapEff:\t000001ffffffffff",), True),
    (("CapInh:\t000001ffffffffff", "CapEff:\t0000000000000000"), False),
    (("CapEff:\t0000000000000800",), False),  # CAP_NET_BIND_SERVICE, bit 11
    (("CapEff:\t0000000000002000",), False),  # CAP_NET_RAW, bit 13
    (("Name:\tpython3",), False),
    (("CapEff:\tnot-hex",), False),
    (("CapEff:",), False),
])
def test_net_admin_from_the_effective_capabilities(monkeypatch, lines, expected):
    monkeypatch.setattr(command.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(command, "open", status_with(*lines), raising=False)
    assert has_net_admin() is expected


def test_no_status_to_read_is_no_net_admin(monkeypatch):
    def unreadable(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(command.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(command, "open", unreadable, raising=False)
    assert has_net_admin() is False


# --- usage errors before anything else ---------------------------------------------------------------

@pytest.mark.parametrize("options, message", [
    ({"confirm": 0}, "--confirm 0: expected a number of seconds from 1 to 86400"),
    ({"confirm": -5}, "--confirm -5: expected a number of seconds from 1 to 86400"),
    ({"confirm": 86401}, "--confirm 86401: expected a number of seconds from 1 to 86400"),
    ({"confirm": float("nan")}, "--confirm nan: expected a number of seconds from 1 to 86400"),
    ({"confirm": 30, "dry_run": True},
     "--confirm and --dry-run contradict each other: a dry run changes nothing"),
])
def test_usage_errors_come_before_the_kernel(monkeypatch, options, message):
    def no_kernel(*args, **kwargs):
        raise AssertionError("libnftables was asked")

    monkeypatch.setattr(command, "open_nftables", no_kernel)
    monkeypatch.setattr(command, "has_net_admin", no_kernel)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(UsageError) as caught:
        apply_command(["rules.nft"], stdout=out, stderr=err, **options)
    assert str(caught.value) == message
    assert (out.getvalue(), err.getvalue()) == ("", "")


# --- the transaction apply builds, with a stand-in for libnftables ----------------------------------------

class FakeNftables:
    """Answers `list tables` and `list table` from ``tables`` (family, name) -> listing text, accepts every
    transaction, and keeps the text of each file it is handed."""

    binding = "a stand-in"

    def __init__(self, tables: dict[tuple[str, str], str]) -> None:
        self.tables = tables
        self.files: list[tuple[str, bool]] = []

    def run(self, commands: str, *, dry_run: bool = False, json_output: bool = False) -> Result:
        import json

        if commands == "list tables" and not json_output:
            return Result(0, "".join(f"table {f} {n}\n" for f, n in self.tables), "")
        if commands.startswith("list table "):
            family, name = commands.split()[2:]
            if json_output:
                return Result(0, json.dumps({"nftables": [{"table": {"family": family, "name": name}}]}), "")
            return Result(0, self.tables[(family, name)], "")
        raise AssertionError(f"unexpected command {commands!r}")

    def run_file(self, path: str, *, dry_run: bool = False, json_output: bool = False) -> Result:
        with open(path, encoding="utf-8") as f:
            self.files.append((f.read(), dry_run))
        return Result(0, "", "")


FOREIGN = "table ip foreign {\n\tchain input {\n\t\tdrop\n\t}\n}\n"
OWNED = ('table inet mine {\n\tcomment "managed by fwlint"\n\tset s {\n\t\ttype ipv4_addr\n\t}\n\n'
         '\tchain old {\n\t\tdrop\n\t\taccept\n\t}\n}\n')


def run_apply(monkeypatch, tables, sources, **options) -> tuple[int, str, str, FakeNftables]:
    nft = FakeNftables(tables)
    monkeypatch.setattr(command, "has_net_admin", lambda: True)
    monkeypatch.setattr(command, "open_nftables", lambda: nft)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    out, err = io.StringIO(), io.StringIO()
    status = apply_command(sources, stdout=out, stderr=err, **options)
    return status, out.getvalue(), err.getvalue(), nft


def test_a_dry_run_checks_one_batch_that_creates_the_table_without_flush_ruleset(monkeypatch, tmp_path):
    path = tmp_path / "k.nft"
    path.write_text(NFT_FILE)
    status, out, err, nft = run_apply(monkeypatch, {("ip", "foreign"): FOREIGN}, [str(path)],
                                      dry_run=True)
    assert status == 0, err
    prefix = ('# fwlint apply\ntable inet mine\ndelete table inet mine\n'
              'table inet mine { comment "managed by fwlint"; }\n')
    assert nft.files == [(prefix + NFT_FILE.replace("flush ruleset\n", " " * len("flush ruleset") + "\n"), True)]
    assert out == ("fwlint apply --dry-run: libnftables accepts it (a stand-in); nothing changed. It would "
                   "do:\n"
                   "  table inet mine: created: 1 chain, 3 rules\n"
                   "  left as they are: table ip foreign\n")
    assert err == (f"{path}:2: `flush ruleset` left out: it would delete every table, other tools' too; "
                   "apply replaces only the tables this file names\n")


def test_fwlints_own_table_is_emptied_in_place(monkeypatch, tmp_path):
    path = tmp_path / "k.nft"
    path.write_text(NFT_FILE)
    status, out, err, nft = run_apply(monkeypatch, {("inet", "mine"): OWNED}, [str(path)], dry_run=True)
    assert status == 0, err
    assert nft.files[0][0] == (
        "# fwlint apply\nflush table inet mine\ndelete set inet mine s\ndelete chain inet mine old\n"
        + NFT_FILE.replace("flush ruleset\n", " " * len("flush ruleset") + "\n"))
    assert out.splitlines()[1:] == [
        "  table inet mine: replaced: 1 chain, 2 rules now; 1 chain, 3 rules after"]


def test_a_table_that_is_not_fwlints_is_refused_at_the_line_naming_it(monkeypatch, tmp_path):
    path = tmp_path / "k.nft"
    path.write_text(NFT_FILE)
    theirs = FOREIGN.replace("ip foreign", "inet mine")
    status, out, err, nft = run_apply(monkeypatch, {("inet", "mine"): theirs}, [str(path)], dry_run=True)
    assert status == 1
    assert (out, nft.files) == ("", [])
    assert err.splitlines()[1:] == [
        (f"{path}:3:12: table inet mine is in the kernel and is not fwlint's (it has no comment \"managed by "
         "fwlint\"): another tool's, iptables-nft's or one loaded by hand; apply would replace it (--force "
         "does)"),
        "fwlint: nothing applied"]
