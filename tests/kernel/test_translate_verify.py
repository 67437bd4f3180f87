"""The differential packet harness (fwlint.verify) and ``fwlint translate --verify``.

Each comparison makes two network namespaces of its own (iptables-legacy in one, nft in the
other), each with TUN devices only, and deletes them afterwards.  First the harness itself: the
fates it observes (delivered, answered, dropped, rejected with an ICMP error or a reset,
forwarded, rewritten by DNAT or MASQUERADE, refused in OUTPUT; NEW and ESTABLISHED; IPv4 and
IPv6) are exactly the kernel's, the same on both sides for equivalent hand-written rulesets,
and a deliberately wrong translation is caught with the rules that decided on each side; so are
the negations iptables-restore-translate loses, while where it is right nothing differs; the
namespaces go even when a side does not load or the comparison is killed.  Then fwlint's
translator: zero differences over corpus/, over the real rulesets of
../shared/corpus/real (the rules fwlint does not translate yet are left out of both sides) and
over rulesets hypothesis makes.
"""

from __future__ import annotations

import io
import os
import subprocess
import uuid
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwlint.cli import main
from fwlint.parse import parse_text
from fwlint.verify.comparison import compare, probes_for
from fwlint.verify.lab import Lab, LabError, LoadError
from fwlint.verify.probes import Probe, ProbeSet
from fwlint.verify.translation import format_report, verify_rulesets
from tests.kernel.conftest import IN_CI, require_root_and

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
REAL = ROOT.parent / "shared" / "corpus" / "real"
TOOLS = ("nft", "iptables-legacy-restore", "ip6tables-legacy-restore", "iptables-legacy-save",
         "ip6tables-legacy-save")


def need_lab() -> None:
    require_root_and(*TOOLS)


def namespaces(prefix: str) -> set[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.startswith(prefix + "-")}


def unique_prefix() -> str:
    return f"fwlint-v-t{uuid.uuid4().hex[:6]}"


# --- the harness on hand-written pairs --------------------------------------------------------

IPT4 = """\
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 198.51.100.10:80
-A POSTROUTING -o eth0 -s 192.0.2.128/25 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset
-A INPUT -p udp --dport 53 -j ACCEPT
-A INPUT -p udp --dport 54 -j REJECT
-A INPUT -p icmp --icmp-type echo-request -j ACCEPT
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i eth0 -o eth1 -p tcp -d 198.51.100.10 --dport 80 -j ACCEPT
-A FORWARD -i eth1 -o eth0 -j ACCEPT
-A OUTPUT -p tcp --dport 25 -j DROP
COMMIT
"""

NFT4 = """\
table ip hand {
  chain nat_prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "eth0" tcp dport 8080 dnat to 198.51.100.10:80
  }
  chain nat_postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth0" ip saddr 192.0.2.128/25 masquerade
  }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    tcp dport 22 accept
    tcp dport 23 reject with tcp reset
    udp dport 53 accept
    udp dport 54 reject
    icmp type echo-request accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "eth0" oifname "eth1" ip daddr 198.51.100.10 tcp dport 80 accept
    iifname "eth1" oifname "eth0" accept
  }
  chain output {
    type filter hook output priority filter; policy accept;
    tcp dport 25 drop
  }
}
"""

INTERFACES = ("eth0", "eth1", "fwv-in", "fwv-out")
ETH0_ADDRESS = {4: "198.51.100.225", 6: "2001:db8:ffff:ffff::1"}  # the lab gives eth0 the first one


def probe(family: int = 4, **fields) -> Probe:
    values = dict(family=family, path="input", state="NEW", proto=6, iif="eth0", ttl=64,
                  src="203.0.113.7" if family == 4 else "2001:db8:7::7",
                  dst="192.0.2.1" if family == 4 else "2001:db8:1::1")
    values.update(fields)
    if values["path"] == "output":
        values["iif"] = ""
    if "length" not in values:
        header = (20 if family == 4 else 40) + (20 if values["proto"] == 6 else 8)
        values["length"] = header + 8
    return Probe(**values)


SYN, ACK_PSH = 0x02, 0x18

FATES4: list[tuple[Probe, tuple[str, ...]]] = [
    (probe(sport=40000, dport=22, flags=SYN),
     ("delivered: tcp 203.0.113.7:40000 -> 192.0.2.1:22 flags SYN ttl 64",
      "eth0: tcp 192.0.2.1:22 -> 203.0.113.7:40000 flags SYN,ACK ttl 64")),
    (probe(sport=40001, dport=21, flags=SYN), ()),
    (probe(sport=40002, dport=23, flags=SYN),
     ("eth0: tcp 192.0.2.1:23 -> 203.0.113.7:40002 flags ACK,RST ttl 64",)),
    (probe(proto=17, sport=40003, dport=54),
     ("eth0: icmp 192.0.2.1 -> 203.0.113.7 type 3/3 about [udp 203.0.113.7:40003 -> 192.0.2.1:54] ttl 64 "
      "tos 0xc0",)),
    (probe(proto=17, sport=40004, dport=53),
     ("delivered: udp 203.0.113.7:40004 -> 192.0.2.1:53 ttl 64",
      "eth0: udp 192.0.2.1:53 -> 203.0.113.7:40004 ttl 64")),
    (probe(proto=1, icmp_type=8),
     ("delivered: icmp 203.0.113.7 -> 192.0.2.1 type 8/0 ttl 64",
      "eth0: icmp 192.0.2.1 -> 203.0.113.7 type 0/0 ttl 64")),
    # DNAT: for this host's address, sent on to 198.51.100.10:80 behind eth1
    (probe(sport=40005, dport=8080, flags=SYN),
     ("eth1: tcp 203.0.113.7:40005 -> 198.51.100.10:80 flags SYN ttl 63",)),
    (probe(path="forward", sport=40011, dst="198.51.100.10", dport=80, flags=SYN, oif="eth1"),
     ("eth1: tcp 203.0.113.7:40011 -> 198.51.100.10:80 flags SYN ttl 63",)),
    (probe(path="forward", sport=40013, dst="198.51.100.11", dport=80, flags=SYN, oif="eth1"), ()),
    # MASQUERADE: forwarded from the LAN, leaves eth0 with eth0's address
    (probe(path="forward", src="192.0.2.130", sport=40006, dst="198.51.100.20", dport=443, flags=SYN,
           iif="eth1", oif="eth0"),
     (f"eth0: tcp {ETH0_ADDRESS[4]}:40006 -> 198.51.100.20:443 flags SYN ttl 63",)),
    # ESTABLISHED: this host opened the connection, the reply is accepted; alone it is NEW, dropped
    (probe(sport=40007, dport=5000, flags=ACK_PSH, state="ESTABLISHED"),
     ("delivered: tcp 203.0.113.7:40007 -> 192.0.2.1:5000 flags ACK,PSH ttl 64",
      "delivered: tcp 203.0.113.7:40007 -> 192.0.2.1:5000 flags SYN,ACK ttl 64",
      "eth0: tcp 192.0.2.1:5000 -> 203.0.113.7:40007 flags ACK ttl 64",
      "eth0: tcp 192.0.2.1:5000 -> 203.0.113.7:40007 flags SYN ttl 64")),
    (probe(sport=40012, dport=5000, flags=SYN), ()),
    # forwarded ESTABLISHED: a LAN host opened it (masqueraded), the answer comes back in
    (probe(path="forward", src="198.51.100.21", sport=443, dst="192.0.2.131", dport=40008, flags=ACK_PSH,
           state="ESTABLISHED", oif="eth1"),
     (f"eth0: tcp {ETH0_ADDRESS[4]}:40008 -> 198.51.100.21:443 flags ACK ttl 63",
      f"eth0: tcp {ETH0_ADDRESS[4]}:40008 -> 198.51.100.21:443 flags SYN ttl 63",
      "eth1: tcp 198.51.100.21:443 -> 192.0.2.131:40008 flags ACK,PSH ttl 63",
      "eth1: tcp 198.51.100.21:443 -> 192.0.2.131:40008 flags SYN,ACK ttl 63")),
    # sent by this host: dropped in OUTPUT (the send fails), or out of eth1
    (probe(path="output", src="192.0.2.1", sport=40009, dst="198.51.100.30", dport=25, flags=SYN, oif="eth1"),
     ("send: EPERM",)),
    (probe(path="output", proto=17, src="192.0.2.1", sport=40010, dst="198.51.100.30", dport=123, oif="eth1"),
     ("eth1: udp 192.0.2.1:40010 -> 198.51.100.30:123 ttl 64",)),
]


def test_every_fate_is_observed_and_both_sides_agree_ipv4() -> None:
    need_lab()
    probes = [p for p, _ in FATES4]
    report = compare({4: IPT4}, NFT4, [ProbeSet(4, probes, INTERFACES, "fwv-in", "fwv-out")])
    assert report.probes == len(FATES4)
    for p, expected in FATES4:
        iptables, nft = report.observed[p]
        assert iptables == expected, p.describe()
        assert nft == expected, p.describe()
    assert report.differences == []


IPT6 = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset
-A INPUT -p udp --dport 54 -j REJECT
-A INPUT -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT
-A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i eth1 -o eth0 -s 2001:db8:1:80::/64 -j ACCEPT
COMMIT
"""

NFT6 = """\
table ip6 hand {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    tcp dport 22 accept
    tcp dport 23 reject with tcp reset
    udp dport 54 reject
    icmpv6 type echo-request accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "eth1" oifname "eth0" ip6 saddr 2001:db8:1:80::/64 accept
  }
}
"""

FATES6: list[tuple[Probe, tuple[str, ...]]] = [
    (probe(6, sport=40000, dport=22, flags=SYN),
     ("delivered: tcp [2001:db8:7::7]:40000 -> [2001:db8:1::1]:22 flags SYN hl 64",
      "eth0: tcp [2001:db8:1::1]:22 -> [2001:db8:7::7]:40000 flags SYN,ACK hl 64")),
    (probe(6, sport=40001, dport=21, flags=SYN), ()),
    (probe(6, sport=40002, dport=23, flags=SYN),
     ("eth0: tcp [2001:db8:1::1]:23 -> [2001:db8:7::7]:40002 flags ACK,RST hl 64",)),
    (probe(6, proto=17, sport=40003, dport=54),
     ("eth0: icmpv6 2001:db8:1::1 -> 2001:db8:7::7 type 1/4 about [udp [2001:db8:7::7]:40003 -> "
      "[2001:db8:1::1]:54] hl 64",)),
    (probe(6, proto=58, icmp_type=128),
     ("delivered: icmpv6 2001:db8:7::7 -> 2001:db8:1::1 type 128/0 hl 64",
      "eth0: icmpv6 2001:db8:1::1 -> 2001:db8:7::7 type 129/0 hl 64")),
    (probe(6, sport=40007, dport=5000, flags=ACK_PSH, state="ESTABLISHED"),
     ("delivered: tcp [2001:db8:7::7]:40007 -> [2001:db8:1::1]:5000 flags ACK,PSH hl 64",
      "delivered: tcp [2001:db8:7::7]:40007 -> [2001:db8:1::1]:5000 flags SYN,ACK hl 64",
      "eth0: tcp [2001:db8:1::1]:5000 -> [2001:db8:7::7]:40007 flags ACK hl 64",
      "eth0: tcp [2001:db8:1::1]:5000 -> [2001:db8:7::7]:40007 flags SYN hl 64")),
    (probe(6, path="forward", src="2001:db8:1:80::5", sport=40006, dst="2001:db8:9::20", dport=443, flags=SYN,
           iif="eth1", oif="eth0"),
     ("eth0: tcp [2001:db8:1:80::5]:40006 -> [2001:db8:9::20]:443 flags SYN hl 63",)),
    (probe(6, path="forward", src="2001:db8:1:81::5", sport=40014, dst="2001:db8:9::20", dport=443, flags=SYN,
           iif="eth1", oif="eth0"), ()),
    (probe(6, path="forward", src="2001:db8:9::21", sport=443, dst="2001:db8:1:80::6", dport=40008,
           flags=ACK_PSH, state="ESTABLISHED", oif="eth1"),
     ("eth0: tcp [2001:db8:1:80::6]:40008 -> [2001:db8:9::21]:443 flags ACK hl 63",
      "eth0: tcp [2001:db8:1:80::6]:40008 -> [2001:db8:9::21]:443 flags SYN hl 63",
      "eth1: tcp [2001:db8:9::21]:443 -> [2001:db8:1:80::6]:40008 flags ACK,PSH hl 63",
      "eth1: tcp [2001:db8:9::21]:443 -> [2001:db8:1:80::6]:40008 flags SYN,ACK hl 63")),
]


def test_every_fate_is_observed_and_both_sides_agree_ipv6() -> None:
    need_lab()
    probes = [p for p, _ in FATES6]
    report = compare({6: IPT6}, NFT6, [ProbeSet(6, probes, INTERFACES, "fwv-in", "fwv-out")])
    for p, expected in FATES6:
        iptables, nft = report.observed[p]
        assert iptables == expected, p.describe()
        assert nft == expected, p.describe()
    assert report.differences == []


def test_a_wrong_translation_is_caught_with_the_rules_that_decided() -> None:
    need_lab()
    wrong = NFT4.replace("tcp dport 23 reject with tcp reset", "tcp dport 23 accept")
    rulesets = parse_text(IPT4, "pair.v4", family=4)
    report = compare({4: IPT4}, wrong, probes_for(rulesets), rulesets=rulesets)
    assert report.differences, format_report(report)
    # only packets for port 23 differ: nothing else was changed
    assert all(d.probe.proto == 6 and d.probe.dport == 23 for d in report.differences), format_report(report)
    new_syn = [d for d in report.differences if d.probe.state == "NEW" and d.probe.flags == SYN
               and d.probe.path == "input"]
    assert new_syn, format_report(report)
    d = new_syn[0]
    src, sport, dst = d.probe.src, d.probe.sport, d.probe.dst
    assert d.iptables == (f"{d.probe.iif}: tcp {dst}:23 -> {src}:{sport} flags ACK,RST ttl 64",)
    assert d.nft == (f"delivered: tcp {src}:{sport} -> {dst}:23 flags SYN ttl 64",
                     f"{d.probe.iif}: tcp {dst}:23 -> {src}:{sport} flags SYN,ACK ttl 64")
    assert d.explained
    assert ("decided by pair.v4:15: *filter -A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with "
            "tcp-reset") in d.iptables_rules
    assert "decided by ip hand input: rule tcp dport 23 accept (verdict accept)" in d.nft_rules
    # the host's SYN-ACK to the probe is not what decided it
    assert not any(" output" in line for line in d.nft_rules), d.nft_rules
    assert not any("-A OUTPUT" in line for line in d.iptables_rules), d.iptables_rules
    text = format_report(report)
    assert f"{d.probe.describe()}  ({d.probe.origin})" in text
    assert "met a different fate" in text


def _losing_the_first_probe_on_the_iptables_side(monkeypatch, batches: set[int]) -> None:
    """As if the iptables side were too slow to see probe 0 of the given batches (the lab under
    load): its events are dropped from the agent's answer."""
    from fwlint.verify.lab import Lab

    real_both = Lab.both

    def both(self, op, **arguments):
        left, right = real_both(self, op, **arguments)
        if op == "run" and arguments["batch"] in batches:
            results = [{**d, "events": []} if d["index"] == 0 else d for d in left["results"]]
            left = {**left, "results": results}
        return left, right

    monkeypatch.setattr(Lab, "both", both)


def test_a_difference_only_in_one_batch_run_is_the_labs_not_the_translations(monkeypatch) -> None:
    need_lab()
    _losing_the_first_probe_on_the_iptables_side(monkeypatch, {1})
    first = FATES4[0][0]
    probes = [p for p, _ in FATES4[:6]]
    report = compare({4: IPT4}, NFT4, [ProbeSet(4, probes, INTERFACES, "fwv-in", "fwv-out")])
    assert report.observed[first] == ((), FATES4[0][1])  # what the first run of the batch saw
    assert report.differences == []
    assert [(d.probe, d.batch_only, d.transient) for d in report.unstable] == [(first, True, True)]
    assert (f"  not compared, its fates differed once in its batch, then agreed alone and with its batch "
            f"sent again (the lab's timing): {first.describe()}") in format_report(report).splitlines()


def test_a_difference_that_comes_back_with_its_batch_stays(monkeypatch) -> None:
    need_lab()
    _losing_the_first_probe_on_the_iptables_side(monkeypatch, {1, 0xFFFD})  # 0xFFFD: the batch sent again
    first = FATES4[0][0]
    probes = [p for p, _ in FATES4[:6]]
    report = compare({4: IPT4}, NFT4, [ProbeSet(4, probes, INTERFACES, "fwv-in", "fwv-out")])
    assert [(d.probe, d.batch_only, d.transient) for d in report.differences] == [(first, True, False)]
    assert report.unstable == []
    assert ("  (sent alone it meets the same fate on both sides: the fates differ only among the other "
            "probes of its batch)") in format_report(report).splitlines()


def test_the_namespaces_go_even_when_a_side_does_not_load() -> None:
    need_lab()
    prefix = unique_prefix()
    rulesets = parse_text(IPT4, "pair.v4", family=4)
    with pytest.raises(LoadError) as caught:
        broken = "table ip broken { chain input { type filter hook input priority 0; nonsense } }\n"
        compare({4: IPT4}, broken, probes_for(rulesets, random_count=0), rulesets=rulesets, prefix=prefix)
    assert caught.value.side == "nft -f"
    assert "nonsense" in caught.value.message
    assert namespaces(prefix) == set()


NEGATIONS = """\
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m multiport ! --ports 1,2 -j ACCEPT
-A INPUT -p udp -m conntrack ! --ctstate DNAT -j ACCEPT
-A INPUT -p icmp -j ACCEPT
COMMIT
"""


def c_translation(text: str, directory: Path) -> str:
    """iptables-restore-translate's translation of ``text`` (it reads files only)."""
    source = directory / "rules.v4"
    source.write_text(text)
    return subprocess.run(["iptables-restore-translate", "-f", str(source)], capture_output=True, text=True,
                          check=True).stdout


def test_the_negations_iptables_restore_translate_loses_are_caught_and_fwlint_keeps_them(tmp_path) -> None:
    """iptables 1.8.9 translates ``! --ports 1,2`` as ``--ports 1,2`` and ``! --ctstate DNAT``
    as ``ct status dnat``: the harness finds the packets that then meet another fate, with the
    C translator's rule that decided; fwlint's translation of the same file meets none."""
    require_root_and(*TOOLS, "iptables-restore-translate")
    translated = c_translation(NEGATIONS, tmp_path)
    assert "tcp sport . tcp dport { 0-65535 . 1, 1 . 0-65535, 0-65535 . 2, 2 . 0-65535 }" in translated
    assert "ct status dnat" in translated
    rulesets = parse_text(NEGATIONS, "negations.v4", family=4)
    report = compare({4: NEGATIONS}, translated, probes_for(rulesets), rulesets=rulesets, explain=4,
                     recheck=4)
    tcp = [d for d in report.differences if d.probe.proto == 6 and d.probe.path == "input"
           and d.probe.state == "NEW" and {d.probe.sport, d.probe.dport}.isdisjoint({1, 2})]
    udp = [d for d in report.differences if d.probe.proto == 17 and d.probe.path == "input"
           and d.probe.state == "NEW"]
    assert tcp and udp, format_report(report)
    for d in tcp + udp:
        assert any(e.startswith("delivered: ") for e in d.iptables), format_report(report)
        assert d.nft == (), format_report(report)
    explained = [d for d in tcp + udp if d.explained]
    assert explained, format_report(report)
    for d in explained:
        assert "decided by ip filter INPUT: policy drop" in d.nft_rules
        deciding = ("negations.v4:5: *filter -A INPUT -p tcp -m multiport ! --ports 1,2 -j ACCEPT"
                    if d.probe.proto == 6 else
                    "negations.v4:6: *filter -A INPUT -p udp -m conntrack ! --ctstate DNAT -j ACCEPT")
        assert f"decided by {deciding}" in d.iptables_rules, format_report(report)

    prepared, ours = verify_rulesets(rulesets, seed=1)
    assert prepared.untranslated == []
    assert ours.differences == [], format_report(ours, prepared)


SIMPLE = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT
-A INPUT -p udp --dport 53 -j ACCEPT
-A INPUT -p tcp --dport 25 -j REJECT --reject-with tcp-reset
-A INPUT -p icmp --icmp-type echo-request -j ACCEPT
-A FORWARD -i eth1 -o eth0 -j ACCEPT
COMMIT
"""


def test_where_iptables_restore_translate_is_right_there_is_no_difference(tmp_path) -> None:
    require_root_and(*TOOLS, "iptables-restore-translate")
    translated = c_translation(SIMPLE, tmp_path)
    rulesets = parse_text(SIMPLE, "simple.v4", family=4)
    report = compare({4: SIMPLE}, translated, probes_for(rulesets, seed=3), rulesets=rulesets)
    assert report.rules_probed == 5  # -i lo cannot be sent to: every other rule has probes
    assert report.differences == [], format_report(report)
    assert report.fates["delivered"] and report.fates["dropped"] and report.fates["rejected"]


TERMINATED = f"""
import sys
from fwlint.parse import parse_text
from fwlint.verify.comparison import compare, probes_for
text = {IPT4!r}
rulesets = parse_text(text, "pair.v4", family=4)
print("started", flush=True)
compare({{4: text}}, {NFT4!r}, probes_for(rulesets) * 50, rulesets=rulesets, prefix=sys.argv[1])
"""


def test_the_namespaces_go_when_the_comparison_is_terminated() -> None:
    need_lab()
    import sys
    import time

    prefix = unique_prefix()
    running = subprocess.Popen([sys.executable, "-c", TERMINATED, prefix], stdout=subprocess.PIPE, text=True,
                               cwd=ROOT)
    try:
        assert running.stdout is not None and running.stdout.readline() == "started\n"
        deadline = time.monotonic() + 30
        while len(namespaces(prefix)) < 2:
            assert time.monotonic() < deadline, "the comparison made no namespaces"
            time.sleep(0.05)
        running.terminate()
        running.wait(timeout=30)
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()
    assert running.returncode != 0
    assert namespaces(prefix) == set()


# --- fwlint's translator -------------------------------------------------------------------

def _sources(directory: Path, patterns: tuple[str, ...]) -> list[Path]:
    return sorted(p for pattern in patterns for p in directory.glob(pattern)
                  if not p.name.endswith(".expected"))


CORPUS_FILES = _sources(CORPUS, ("*.v4", "*.v6", "*.rules", "*.sh"))


def _load(path: Path):
    from fwlint.nft.command import load_rulesets

    return load_rulesets([str(path)], None, "auto", io.StringIO())


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_the_translation_of_each_corpus_file_agrees_on_the_kernel(path: Path) -> None:
    need_lab()
    prepared, report = verify_rulesets(_load(path), seed=1)
    assert prepared.untranslated == [], prepared.untranslated
    assert report.pruned == []
    assert report.probes >= 10
    assert report.differences == [], format_report(report, prepared)


@pytest.mark.parametrize("names, family, optimize", [
    (("clean-host.v4", "server.v6"), "inet", False),
    (("nat-gateway.v4", "server.v6"), "inet", True),
    (("router-mistakes.v4",), None, True),
    (("firewall.sh",), None, True),
], ids=["inet", "inet-optimized", "optimized", "script-optimized"])
def test_inet_and_optimized_translations_agree_on_the_kernel(names, family, optimize) -> None:
    need_lab()
    from fwlint.nft.emitter import Options

    rulesets = [rs for name in names for rs in _load(CORPUS / name)]
    prepared, report = verify_rulesets(rulesets, Options(optimize=optimize), family, seed=4)
    assert prepared.untranslated == []
    assert sorted(report.by_family) == sorted({rs.family for rs in rulesets})
    assert report.differences == [], format_report(report, prepared)


# --- --family inet when the families' policies differ (gotos, returns; tests/nft/test_inet_goto.py)

def _inet_rulesets(v4: str, v6: str):
    return parse_text(v4, "goto.v4", family=4) + parse_text(v6, "goto.v6", family=6)


def test_inet_goto_smallest_case_drops_by_the_ipv4_policy_on_both_sides() -> None:
    """v4 ``:INPUT DROP``, ``-A INPUT -p tcp -g u``, ``-A u -p tcp --dport 9 -j ACCEPT``; v6
    ``:INPUT ACCEPT``: a TCP SYN to port 80 runs off the end of u, and iptables drops it by
    INPUT's policy (the translation used to accept it)."""
    need_lab()
    from fwlint.nft.emitter import Options
    from fwlint.verify.translation import prepare
    from tests.nft.test_inet_goto import SMALLEST_V4, SMALLEST_V6

    prepared = prepare(_inet_rulesets(SMALLEST_V4, SMALLEST_V6), Options(), "inet")
    assert "meta nfproto vmap { ipv4 : jump filter_input_ipv4 }" in prepared.nft
    fates4 = [
        (probe(sport=41000, dport=80, flags=SYN), ()),
        (probe(proto=17, sport=41001, dport=53), ()),  # not tcp: the end of INPUT itself, its policy
        (probe(sport=41002, dport=9, flags=SYN),
         ("delivered: tcp 203.0.113.7:41002 -> 192.0.2.1:9 flags SYN ttl 64",
          "eth0: tcp 192.0.2.1:9 -> 203.0.113.7:41002 flags SYN,ACK ttl 64")),
    ]
    fates6 = [
        (probe(6, sport=41003, dport=80, flags=SYN),
         ("delivered: tcp [2001:db8:7::7]:41003 -> [2001:db8:1::1]:80 flags SYN hl 64",
          "eth0: tcp [2001:db8:1::1]:80 -> [2001:db8:7::7]:41003 flags SYN,ACK hl 64")),
    ]
    report = compare(prepared.iptables, prepared.nft,
                     [ProbeSet(4, [p for p, _ in fates4], INTERFACES, "fwv-in", "fwv-out"),
                      ProbeSet(6, [p for p, _ in fates6], INTERFACES, "fwv-in", "fwv-out")])
    for p, expected in fates4 + fates6:
        iptables, nft = report.observed[p]
        assert iptables == expected, p.describe()
        assert nft == expected, p.describe()
    assert report.differences == []


@pytest.mark.parametrize("case", ["smallest", "ipv6-drops", "returns-and-gotos", "nat-and-mangle"])
@pytest.mark.parametrize("optimize", [False, True], ids=["plain", "optimized"])
def test_inet_gotos_and_returns_agree_on_the_kernel(case: str, optimize: bool) -> None:
    need_lab()
    from fwlint.nft.emitter import Options
    from tests.nft import test_inet_goto as cases

    pairs = {
        "smallest": (cases.SMALLEST_V4, cases.SMALLEST_V6),
        "ipv6-drops": (cases.SMALLEST_V6, cases.SMALLEST_V4),
        "returns-and-gotos": (cases.RETURNS_V4, cases.RETURNS_V6),
        "nat-and-mangle": (cases.NAT_MANGLE_V4, cases.NAT_MANGLE_V6),
    }
    rulesets = _inet_rulesets(*pairs[case])
    prepared, report = verify_rulesets(rulesets, Options(optimize=optimize), "inet", seed=5)
    assert prepared.left_out == [] and prepared.untranslated == []
    assert report.rules_probed == report.rules_total
    assert report.differences == [], format_report(report, prepared)


REAL_FILES = _sources(REAL, ("*",)) if REAL.is_dir() else []


@pytest.mark.skipif(not REAL.is_dir() and not IN_CI,
                    reason="../shared/corpus/real is not here (a user's clone)")
@pytest.mark.parametrize("path", [p for p in REAL_FILES if p.name != "SOURCES.tsv"] or [None],
                         ids=lambda p: p.name if p else "none")
def test_the_translation_of_each_real_ruleset_agrees_on_the_kernel(path: Path | None) -> None:
    need_lab()
    assert path is not None, "../shared/corpus/real holds no ruleset"
    rulesets = _load(path)
    assert rulesets, f"{path.name}: fwlint reads no ruleset from it"
    prepared, report = verify_rulesets(rulesets, seed=1, leave_out_untranslated=True)
    assert report.pruned == [], report.pruned
    assert report.differences == [], format_report(report, prepared)


# --- rulesets hypothesis makes ---------------------------------------------------------------

NETS = {4: ["192.0.2.0/24", "192.0.2.0/25", "192.0.2.128/26", "198.51.100.7", "198.51.100.0/28",
            "203.0.113.0/24", "203.0.113.64/27"],
        6: ["2001:db8:1::/48", "2001:db8:1:80::/64", "2001:db8:2::7", "2001:db8:3::/56", "2001:db8::/32"]}
RANGES = {4: ["192.0.2.10-192.0.2.200", "203.0.113.5-203.0.113.9"], 6: ["2001:db8:1::5-2001:db8:1::ff"]}
ICMP_TYPES = {4: ["echo-request", "echo-reply", "destination-unreachable", "8/0", "3/3", "any"],
              6: ["echo-request", "echo-reply", "destination-unreachable", "128/0", "1/4",
                  "neighbour-solicitation"]}
TCP_FLAGS = ["--syn", "! --syn", "--tcp-flags SYN,ACK SYN", "--tcp-flags ALL ACK",
             "--tcp-flags SYN,RST,ACK,FIN RST"]


@st.composite
def rule_text(draw, family: int, chain: str, user_chains: tuple[str, ...], table: str = "filter") -> str:
    """One rule: interfaces (wildcards, ``+``), addresses, a protocol with ports, multiport
    (``! --ports`` too), TCP flags or ICMP types, and one more match (conntrack with the virtual
    states SNAT/DNAT, state, iprange, length, ttl/hl, comment with a quote, addrtype for IPv4,
    tos/dscp); in filter a verdict, REJECT with an ICMP type or a reset, LOG, a jump or goto; in
    mangle a header change.  Any of them may be negated."""
    words: list[str] = []

    def neg() -> str:
        return "! " if draw(st.integers(0, 3)) == 0 else ""

    if chain in ("INPUT", "FORWARD", "PREROUTING") and draw(st.booleans()):
        words.append(f"{neg()}-i {draw(st.sampled_from(['eth0', 'eth1', 'eth+', 'wg0', '+']))}")
    if chain in ("FORWARD", "OUTPUT", "POSTROUTING") and draw(st.booleans()):
        words.append(f"{neg()}-o {draw(st.sampled_from(['eth0', 'eth1', 'eth+']))}")
    for flag in ("-s", "-d"):
        if draw(st.booleans()):
            words.append(f"{neg()}{flag} {draw(st.sampled_from(NETS[family]))}")
    proto = draw(st.sampled_from(["", "tcp", "udp", "icmp", "tcp"]))
    if proto == "icmp":
        words.append("-p icmp" if family == 4 else "-p ipv6-icmp")
        if draw(st.booleans()):
            option = "-m icmp --icmp-type" if family == 4 else "-m icmp6 --icmpv6-type"
            module, name = option.rsplit(" ", 1)
            words.append(f"{module} {neg()}{name} {draw(st.sampled_from(ICMP_TYPES[family]))}")
    elif proto:
        words.append(f"-p {proto}")
        shape = draw(st.sampled_from(["none", "dport", "sport", "full", "multiport", "ports"]))
        if shape == "dport":
            words.append(f"{neg()}--dport {draw(st.sampled_from(['22', '0:1023', '1024:', ':99', '53']))}")
        elif shape == "sport":
            words.append(f"{neg()}--sport {draw(st.sampled_from(['53', '1024:65535']))}")
        elif shape == "full":
            words.append("--sport 0:65535")
        elif shape == "multiport":
            ports = draw(st.sampled_from(["22,80", "22,80:90,443", "53"]))
            words.append(f"-m multiport {neg()}--dports {ports}")
        elif shape == "ports":
            words.append(f"-m multiport {neg()}--ports {draw(st.sampled_from(['1,2', '22,53,80']))}")
        if proto == "tcp" and draw(st.booleans()):
            words.append(draw(st.sampled_from(TCP_FLAGS)))
    extra = draw(st.sampled_from(["", "", "conntrack", "state", "iprange", "length", "ttl", "comment",
                                  "addrtype", "tos"]))
    if extra == "conntrack":
        states = draw(st.lists(st.sampled_from(["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED",
                                                "DNAT", "SNAT"]), min_size=1, max_size=3, unique=True))
        words.append(f"-m conntrack {neg()}--ctstate {','.join(states)}")
    elif extra == "state":
        state = draw(st.sampled_from(["NEW", "ESTABLISHED,RELATED", "INVALID"]))
        words.append(f"-m state {neg()}--state {state}")
    elif extra == "iprange":
        direction = draw(st.sampled_from(["src", "dst"]))
        words.append(f"-m iprange {neg()}--{direction}-range {draw(st.sampled_from(RANGES[family]))}")
    elif extra == "length":
        words.append(f"-m length {neg()}--length {draw(st.sampled_from(['0:60', '64:1500', '52']))}")
    elif extra == "ttl":
        module = "ttl" if family == 4 else "hl"
        words.append(f"-m {module} --{module}-{draw(st.sampled_from(['eq 64', 'lt 10', 'gt 63']))}")
    elif extra == "comment":
        words.append("-m comment --comment " + draw(st.sampled_from(['"a b"', '"say \\"hi\\""', "x"])))
    elif extra == "addrtype" and family == 4:  # IPv6 address types are an approximation (FW602)
        words.append(f"-m addrtype {neg()}--dst-type {draw(st.sampled_from(['LOCAL', 'UNICAST']))}")
    elif extra == "tos":
        words.append(f"-m tos --tos {draw(st.sampled_from(['0x10', '0x00/0x3f']))}" if family == 4 else
                     f"-m dscp --dscp {draw(st.sampled_from(['0', '0x0a']))}")
    if table == "mangle":
        change = draw(st.sampled_from(["MARK --set-mark 0x5", "ACCEPT", "DSCP --set-dscp 0x0a",
                                       "TTL --ttl-set 9" if family == 4 else "HL --hl-set 9"]))
        return f"-A {chain} {' '.join(words)} -j {change}"
    targets = ["ACCEPT", "DROP", "REJECT", 'LOG --log-prefix "x y"', *user_chains]
    if chain not in ("INPUT", "FORWARD", "OUTPUT"):
        targets.append("RETURN")
    target = draw(st.sampled_from(targets))
    if target == "REJECT":
        kinds = ["", "--reject-with " + ("icmp-host-unreachable" if family == 4 else "icmp6-adm-prohibited")]
        if proto == "tcp":
            kinds.append("--reject-with tcp-reset")
        kind = draw(st.sampled_from(kinds))
        target = f"{target} {kind}".strip()
    jump = "-g" if target in user_chains and draw(st.booleans()) else "-j"
    return f"-A {chain} {' '.join(words)} {jump} {target}"


@st.composite
def ruleset_text(draw, family: int) -> str:
    """A save file: maybe a mangle table, a filter table with policies, user chains and rules
    (and a rule testing the mark mangle sets), maybe a nat table (DNAT, MASQUERADE, SNAT,
    REDIRECT, MASQUERADE to a port range)."""
    users = draw(st.sampled_from([(), ("fromlan",), ("fromlan", "logdrop")]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines += ["*mangle"] + [f":{c} ACCEPT [0:0]" for c in ("PREROUTING", "INPUT", "FORWARD", "OUTPUT",
                                                              "POSTROUTING")]
        for chain in ("PREROUTING", "FORWARD"):
            for _ in range(draw(st.integers(0, 2))):
                lines.append(draw(rule_text(family, chain, (), "mangle")))
        lines.append("COMMIT")
    lines.append("*filter")
    for chain in ("INPUT", "FORWARD", "OUTPUT"):
        lines.append(f":{chain} {draw(st.sampled_from(['ACCEPT', 'DROP']))} [0:0]")
    lines += [f":{name} - [0:0]" for name in users]
    if draw(st.booleans()):
        lines.append("-A INPUT -m mark --mark 0x5 -j ACCEPT")
    for chain in ("INPUT", "FORWARD", "OUTPUT"):
        for _ in range(draw(st.integers(0, 5))):
            lines.append(draw(rule_text(family, chain, users)))
    for name in users:
        for _ in range(draw(st.integers(1, 3))):
            lines.append(draw(rule_text(family, name, ())))
    lines.append("COMMIT")
    if draw(st.booleans()):
        to = "198.51.100.9" if family == 4 else "[2001:db8:9::9]"
        source = "203.0.113.5" if family == 4 else "2001:db8:5::5"
        lines += ["*nat"] + [f":{c} ACCEPT [0:0]" for c in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")]
        lines.append(f"-A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination {to}"
                     + draw(st.sampled_from(["", ":80"])))
        lines.append(draw(st.sampled_from(["-A POSTROUTING -o eth0 -j MASQUERADE",
                                           f"-A POSTROUTING -o eth1 -j SNAT --to-source {source}",
                                           "-A PREROUTING -p tcp --dport 2222 -j REDIRECT --to-ports 22",
                                           "-A POSTROUTING -p udp -j MASQUERADE --to-ports 2000-2100"])))
        lines.append("COMMIT")
    return "\n".join(lines) + "\n"


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
          database=None)
@given(st.data())
def test_the_translation_of_generated_rulesets_agrees_on_the_kernel(data) -> None:
    need_lab()
    family = data.draw(st.sampled_from([4, 6]), label="family")
    text = data.draw(ruleset_text(family), label="ruleset")
    rulesets = parse_text(text, f"generated.v{family}", family=family)
    prepared, report = verify_rulesets(rulesets, seed=2, random_count=6)
    assert prepared.left_out == [] and prepared.untranslated == [], (text, prepared.left_out,
                                                                     prepared.untranslated)
    assert report.differences == [], text + format_report(report, prepared)


INET_EXAMPLES = int(os.environ.get("FWLINT_VERIFY_EXAMPLES", "12"))
"""How many v4/v6 pairs the inet test makes: 12 in the suite (about a minute); the figures of
bench/results-verify.md come from larger runs (``FWLINT_VERIFY_EXAMPLES=100 pytest -s ...``,
which also prints one line per pair)."""


def _policies_differing(rulesets) -> int:
    """How many built-in chains have a policy in one family other than in the other (a family
    without the chain: ACCEPT)."""
    policies: dict[tuple[str, str], list[str]] = {}
    for rs in rulesets:
        for table in rs.tables:
            for chain in table.chains:
                if chain.builtin:
                    policies.setdefault((table.name, chain.name), []).append(chain.policy or "ACCEPT")
    differing = 0
    for found in policies.values():
        if len(found) < 2:
            found.append("ACCEPT")
        differing += len(set(found)) > 1
    return differing


@settings(max_examples=INET_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), database=None)
@given(st.data())
def test_the_inet_translation_of_generated_ruleset_pairs_agrees_on_the_kernel(data) -> None:
    """A v4 and a v6 ruleset (policies that agree or not, user chains of the same names in both,
    ``-g`` and RETURN) as one ``--family inet`` table, about half of them ``--optimize``."""
    need_lab()
    from fwlint.nft.emitter import Options

    v4 = data.draw(ruleset_text(4), label="v4")
    v6 = data.draw(ruleset_text(6), label="v6")
    # half of them optimized, decided by the texts (hypothesis' own booleans lean to False)
    optimize = zlib.crc32((v4 + v6).encode()) % 2 == 1
    rulesets = parse_text(v4, "generated.v4", family=4) + parse_text(v6, "generated.v6", family=6)
    prepared, report = verify_rulesets(rulesets, Options(optimize=optimize), "inet", seed=2, random_count=6)
    gotos = sum(1 for rs in rulesets for rule in rs.rules() if rule.target is not None and rule.target.goto)
    print(f"inet pair: {report.rules_total} rules, optimize={optimize}, {_policies_differing(rulesets)} "
          f"policies differ, {gotos} -g, {report.probes} probes, {len(report.differences)} differences, "
          f"{report.seconds:.1f}s")
    assert prepared.left_out == [] and prepared.untranslated == [], (v4, v6, prepared.left_out,
                                                                     prepared.untranslated)
    assert sorted(report.by_family) == [4, 6]
    assert report.differences == [], f"{v4}{v6}optimize={optimize}\n" + format_report(report, prepared)


# --- fwlint translate --verify -------------------------------------------------------------

SMALL = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p udp --dport 53 -j REJECT
COMMIT
"""


def test_translate_verify_exits_0_when_every_fate_agrees(tmp_path, capsys) -> None:
    need_lab()
    source = tmp_path / "rules.v4"
    source.write_text(SMALL)
    status = main(["translate", "--verify", str(source), "-o", str(tmp_path / "rules.nft")])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("fwlint: verify: ")
    assert " for 3 of 3 rules, sent through iptables-legacy and nft in private network namespaces " \
        in lines[0]
    assert lines[1:] == ["fwlint: verify: no packet's fate differs"]
    assert (tmp_path / "rules.nft").read_text().startswith("# Translated by fwlint from ")


def test_translate_verify_exits_1_and_shows_the_deciding_rules(tmp_path, capsys, monkeypatch) -> None:
    need_lab()
    from fwlint.verify import translation

    real_prepare = translation.prepare

    def mistranslated(*args, **kwargs):
        prepared = real_prepare(*args, **kwargs)
        assert "udp dport 53 reject" in prepared.nft
        prepared.nft = prepared.nft.replace("udp dport 53 reject", "udp dport 53 drop")
        return prepared

    monkeypatch.setattr(translation, "prepare", mistranslated)
    source = tmp_path / "rules.v4"
    source.write_text(SMALL)
    status = main(["translate", "--verify", "-q", str(source), "-o", str(tmp_path / "rules.nft")])
    _, err = capsys.readouterr()
    assert status == 1, err
    assert "met a different fate:" in err
    assert "  iptables: " in err and "type 3/3 about [udp " in err
    assert "  nft:      nothing came back (dropped)" in err
    assert f"decided by {source}:7: *filter -A INPUT -p udp -m udp --dport 53 -j REJECT " \
           "--reject-with icmp-port-unreachable" in err
    assert "decided by ip fwlint filter_input: rule udp dport 53 drop (verdict drop)" in err


def test_translate_verify_without_root_says_so_in_one_line(tmp_path, capsys, monkeypatch) -> None:
    source = tmp_path / "rules.v4"
    source.write_text(SMALL)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    status = main(["translate", "--verify", str(source)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err == "fwlint: --verify: root is needed (the comparison runs in network namespaces it creates)\n"


def test_an_agent_that_dies_is_reported_with_how_it_ended_and_the_lab_still_goes() -> None:
    """An agent killed mid-run: the next request raises LabError saying how it ended (not a
    bare BrokenPipeError), and leaving the lab still deletes both namespaces."""
    need_lab()
    prefix = unique_prefix()
    with pytest.raises(LabError, match=r"^the nft agent stopped \(killed by signal 9\): "):
        with Lab(prefix) as lab:
            lab.nft.agent.kill()
            lab.nft.agent.wait()
            lab.nft.call("flush")
    assert namespaces(prefix) == set()
