"""fwlint convert against the kernel, in throwaway network namespaces.

* Every script of ../shared/corpus/real (SOURCES.tsv, format ``script``) converts; where
  SOURCES.tsv says the real iptables replayed the script without a failure, the output loads
  with ``iptables-legacy-restore --test`` (and ip6tables-legacy-restore for IPv6), and once
  loaded, iptables-legacy-save gives back exactly what fwlint wrote (its canonical form).
* corpus/firewall.sh converts to a ruleset that loads the same way.
* A script run for real inside a namespace (iptables resolved to the legacy binaries) leaves
  exactly the tables fwlint convert writes for it, refused commands and all.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from fwlint.emit.convert import convert
from fwlint.parse import parse_text
from tests.kernel.conftest import require_root_and

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "real"
SOURCES = REAL / "SOURCES.tsv"
TOOLS = ("iptables-legacy", "ip6tables-legacy", "iptables-legacy-restore", "ip6tables-legacy-restore",
         "iptables-legacy-save", "ip6tables-legacy-save")
_REPLAYED = re.compile(r"replayed in netns: (\d+) ok, (\d+) failed, (\d+) skipped")


def _real_scripts() -> list:
    if not SOURCES.is_file():
        return [pytest.param(None, False, marks=pytest.mark.skip(
            reason=f"{SOURCES} is absent (the real-world corpus sits beside the clone in CI)"))]
    params = []
    with SOURCES.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["format"] != "script":
                continue
            m = _REPLAYED.search(row["iptables_1.8.9_legacy_check"])
            replayed = m is not None and m.group(2) == "0" and m.group(3) == "0"
            params.append(pytest.param(row["filename"], replayed, id=row["filename"]))
    return params


def _blocks(save_text: str) -> dict[str, list[str]]:
    """Each table's lines (comments left out), by table name."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in save_text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("*"):
            current = out.setdefault(line[1:], [])
        if current is not None:
            current.append(line)
    return out


def _without_comments(save_text: str) -> str:
    return "".join(line + "\n" for line in save_text.splitlines() if not line.startswith("#"))


def _convert(script: Path, tmp_path: Path) -> tuple[int, str, str | None]:
    v4, v6 = tmp_path / "out.v4", tmp_path / "out.v6"
    status = convert(str(script), str(v4), str(v6))
    v6_text = v6.read_text() if v6.exists() else None
    return status, v4.read_text(), v6_text


def _load_and_save(netns, family: int, text: str) -> str:
    """Load ``text`` for real into the namespace and give back what iptables-save says."""
    restore, save = ("iptables-legacy-restore", "iptables-legacy-save") if family == 4 else \
        ("ip6tables-legacy-restore", "ip6tables-legacy-save")
    tested = netns.run(restore, "--test", input=text)
    assert tested.returncode == 0, f"{restore} --test refuses fwlint's output:\n{tested.stderr}\n{text}"
    loaded = netns.run(restore, input=text)
    assert loaded.returncode == 0, loaded.stderr
    saved = netns.run(save)
    assert saved.returncode == 0, saved.stderr
    return saved.stdout


@pytest.mark.parametrize("name, replayed", _real_scripts())
def test_real_script_converts_and_loads(name, replayed, tmp_path, netns_factory):
    status, v4, v6 = _convert(REAL / name, tmp_path)
    assert status in (0, 1)
    for text, family in ((v4, 4), (v6, 6)):
        if text is not None:
            assert not parse_text(text, f"out.v{family}", family)[0].problems
    if not replayed:
        return
    require_root_and(*TOOLS)
    assert status == 0, "a script iptables replays cleanly converts with nothing left unresolved"
    for text, family in ((v4, 4), (v6, 6)):
        if text is None or "*" not in text:
            continue
        saved = _load_and_save(netns_factory(), family, text)
        assert _blocks(saved) == _blocks(text)


def test_corpus_script_loads(tmp_path, netns):
    require_root_and(*TOOLS)
    status, v4, v6 = _convert(ROOT / "corpus" / "firewall.sh", tmp_path)
    assert status == 0 and v6 is not None and "*" not in v6  # no IPv6 rules: an empty file
    saved = _load_and_save(netns, 4, v4)
    assert _blocks(saved) == _blocks(v4)
    assert "-A INPUT -j blocklist" in _blocks(saved)["filter"]


SCRIPT = r"""#!/bin/sh
# Every command the replay knows, run for real against the namespace's own tables.
WAN=veth0
OFFICE="198.51.100.0/24"
iptables -F
iptables -N web
iptables -N Admin
for port in 80 443; do
    iptables -A INPUT -i $WAN -p tcp --dport $port -j web
done
iptables -A INPUT -p udp --dport 53 -j ACCEPT
iptables -I INPUT 2 -s "$OFFICE" -p tcp --dport ssh -j Admin
iptables -I INPUT -i lo -j ACCEPT
iptables -D INPUT -p udp -m udp --dport 53 -j ACCEPT
iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables -D INPUT 3
iptables -R INPUT 1 -i lo -m comment --comment "loopback, all of it" -j ACCEPT
iptables -A web -m limit --limit 20/s --limit-burst 40 -j ACCEPT
iptables -A web -j LOG --log-prefix "web drop: " --log-level info
iptables -A web -j REJECT
iptables -A Admin -j ACCEPT
iptables -E Admin admin
iptables -N scratch
iptables -A scratch -j RETURN
iptables -F scratch
iptables -X scratch
iptables -A OUTPUT -i $WAN -j DROP
iptables -A FORWARD -j later
iptables -N later
iptables -Z
iptables -P INPUT DROP
iptables -P FORWARD DROP
iptables -t nat -A POSTROUTING -s "$OFFICE" -o $WAN -j MASQUERADE
iptables -t nat -A PREROUTING -i $WAN -p tcp --dport 8080 -j REDIRECT --to-ports 80
iptables-restore --noflush <<EOF
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -i $WAN -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400
COMMIT
*filter
:blocklist - [0:0]
-A blocklist -s 192.0.2.0/24 -j DROP
-I INPUT 1 -j blocklist
COMMIT
EOF
iptables -L -n -v > /dev/null
ip6tables -A INPUT -s 2001:db8::/32 -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT
ip6tables -A INPUT -p tcp ! --syn -j ACCEPT
ip6tables -A INPUT -j REJECT
ip6tables -P INPUT DROP
"""


def test_a_script_run_for_real_leaves_what_convert_writes(tmp_path, netns):
    require_root_and(*TOOLS, "sh")
    shim = tmp_path / "bin"
    shim.mkdir()
    for name, real in (("iptables", "iptables-legacy"), ("ip6tables", "ip6tables-legacy"),
                       ("iptables-restore", "iptables-legacy-restore"),
                       ("ip6tables-restore", "ip6tables-legacy-restore")):
        wrapper = shim / name
        wrapper.write_text(f'#!/bin/sh\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
    script = tmp_path / "firewall.sh"
    script.write_text(SCRIPT)
    ran = netns.run("env", f"PATH={shim}:/usr/sbin:/usr/bin:/sbin:/bin", "sh", str(script))
    # The commands iptables refuses fail on the real machine too: exactly these two.
    assert ran.stderr.count("\n") >= 2
    assert "Can't use -i with OUTPUT" in ran.stderr
    assert "Couldn't load target `later'" in ran.stderr
    real_v4 = netns.run("iptables-legacy-save").stdout
    real_v6 = netns.run("ip6tables-legacy-save").stdout
    status, v4, v6 = _convert(script, tmp_path)
    assert status == 0
    assert _without_comments(v4) == _without_comments(real_v4)
    assert v6 is not None and _without_comments(v6) == _without_comments(real_v6)
