"""Each extension's nft form: one rule per case, the exact nft rules fwlint writes for it; all of
them loaded with nft (check mode), in block syntax and in JSON, which must say the same."""

from __future__ import annotations

import pytest

from fwlint.extensions import NoNft, builtin_extensions
from fwlint.nft import translate
from fwlint.nft.emitter import Options
from fwlint.nft.render import rule_text, to_json, to_text
from fwlint.parse import parse_text
from tests.nft.conftest import nft_check, nft_listing

TPROXY = "-p tcp -m socket --transparent -j TPROXY --on-port 3129 --on-ip 192.0.2.1 --tproxy-mark 0x1/0x1"
RECENT = ("recent as a dynamic set with timeout: nft keeps one timeout per address, not the times of its "
          "last hits")

# (table, chain, the rule's options, the nft rules); the approximate ones are in APPROXIMATE
CASES_V4 = [
    ('filter', 'INPUT', '-p 47 -j ACCEPT',
     ['meta l4proto 47 accept']),
    ('filter', 'INPUT', '! -p udp -j ACCEPT',
     ['meta l4proto != udp accept']),
    ('filter', 'INPUT', '-s 10.0.0.0/255.0.255.0 -j ACCEPT',
     ['ip saddr & 255.0.255.0 == 10.0.0.0 accept']),
    ('filter', 'INPUT', '-d 10.1.2.3/8 -j ACCEPT',
     ['ip daddr 10.0.0.0/8 accept']),
    ('filter', 'INPUT', '! -f -j ACCEPT',
     ['ip frag-off & 0x1fff == 0 accept']),
    ('filter', 'INPUT', '-m addrtype --src-type LOCAL -j ACCEPT',
     ['fib saddr type local accept']),
    ('filter', 'INPUT', '-m addrtype ! --dst-type BROADCAST,MULTICAST --limit-iface-in -j ACCEPT',
     ['fib daddr . iif type != { broadcast, multicast } accept']),
    ('filter', 'INPUT', '-p ah -m ah --ahspi 5:10 -j ACCEPT',
     ['ah spi 5-10 accept']),
    ('filter', 'OUTPUT', '-m cgroup --path system.slice/sshd.service -j ACCEPT',
     ['socket cgroupv2 level 2 "system.slice/sshd.service" accept']),
    ('filter', 'OUTPUT', '-m cgroup --cgroup 0x100001 -j ACCEPT',
     ['meta cgroup 0x100001 accept']),
    ('filter', 'INPUT',
     '-m connbytes --connbytes 1000:2000 --connbytes-dir original --connbytes-mode bytes -j ACCEPT',
     ['ct original bytes 1000-2000 accept']),
    ('filter', 'INPUT',
     '-m connbytes ! --connbytes 100: --connbytes-dir reply --connbytes-mode avgpkt -j ACCEPT',
     ['ct reply avgpkt < 100 accept']),
    ('filter', 'INPUT', '-p tcp --syn -m connlimit --connlimit-upto 10 -j ACCEPT',
     ['tcp flags & (fin|syn|rst|ack) == syn meter connlimit size 65535 { ip saddr ct count 10 } accept']),
    ('filter', 'INPUT', '-p tcp --syn -m connlimit --connlimit-above 10 --connlimit-mask 0 -j DROP',
     ['tcp flags & (fin|syn|rst|ack) == syn ct count over 10 drop']),
    ('filter', 'INPUT', '-m connmark --mark 0x10/0xf0 -j ACCEPT',
     ['ct mark & 0xf0 == 0x10 accept']),
    ('filter', 'INPUT', '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
     ['ct state established,related accept']),
    ('filter', 'INPUT', '-m conntrack --ctproto tcp --ctorigdstport 8080 --ctreplsrc 192.0.2.1 -j ACCEPT',
     ['ct protocol tcp ct original proto-dst 8080 ct reply ip saddr 192.0.2.1 accept']),
    ('filter', 'INPUT', '-m conntrack ! --ctstatus ASSURED --ctdir REPLY -j ACCEPT',
     ['ct status & assured == 0 ct direction reply accept']),
    ('filter', 'INPUT', '-m conntrack --ctexpire 10:20 -j ACCEPT',
     ['ct expiration 10s-20s999ms accept']),
    ('filter', 'INPUT', '-m cpu ! --cpu 2 -j ACCEPT',
     ['meta cpu != 2 accept']),
    ('filter', 'INPUT', '-p dccp -m dccp --dport 5004 --dccp-types REQUEST,INVALID -j ACCEPT',
     ['dccp dport 5004 dccp type { request, 10-15 } accept']),
    ('filter', 'INPUT', '-m devgroup --src-group 0x2/0xf -j ACCEPT',
     ['meta iifgroup & 0xf == 2 accept']),
    ('filter', 'INPUT', '-m dscp ! --dscp-class af41 -j ACCEPT',
     ['ip dscp != 0x22 accept']),
    ('filter', 'INPUT', '-p tcp -m ecn --ecn-tcp-ece -j ACCEPT',
     ['tcp flags & ecn == ecn accept']),
    ('filter', 'INPUT', '-m ecn --ecn-ip-ect 1 -j ACCEPT',
     ['ip ecn 1 accept']),
    ('filter', 'INPUT', '-p esp -m esp ! --espspi 256 -j ACCEPT',
     ['esp spi != 256 accept']),
    ('filter', 'INPUT', '-p icmp --icmp-type any -j ACCEPT',
     ['icmp type 0-255 accept']),
    ('filter', 'INPUT', '-p icmp --icmp-type 3/4 -j ACCEPT',
     ['icmp type destination-unreachable icmp code 4 accept']),
    ('filter', 'INPUT', '-p icmp --icmp-type 42 -j ACCEPT',
     ['icmp type 42 accept']),
    ('filter', 'INPUT', '-m iprange ! --dst-range 192.0.2.10-192.0.2.20 -j ACCEPT',
     ['ip daddr != 192.0.2.10-192.0.2.20 accept']),
    ('filter', 'INPUT', '-m length ! --length 0:64 -j ACCEPT',
     ['ip length != 0-64 accept']),
    ('filter', 'INPUT', '-m limit --limit 10/hour --limit-burst 2 -j ACCEPT',
     ['limit rate 10/hour burst 2 packets accept']),
    ('filter', 'INPUT', '-m mac ! --mac-source 00:11:22:33:44:55 -j DROP',
     ['ether saddr != 00:11:22:33:44:55 drop']),
    ('filter', 'INPUT', '-m mark ! --mark 0x1 -j ACCEPT',
     ['meta mark != 0x1 accept']),
    ('filter', 'INPUT', '-p udp -m multiport --sports 1:1023,2049 -j ACCEPT',
     ['udp sport { 1-1023, 2049 } accept']),
    ('filter', 'OUTPUT', '-m owner --gid-owner 100 -j ACCEPT',
     ['meta skgid 100 accept']),
    ('filter', 'OUTPUT', '-m owner --socket-exists -j ACCEPT',
     ['meta skuid 0-4294967295 accept']),
    ('filter', 'INPUT', '-m pkttype ! --pkt-type unicast -j DROP',
     ['meta pkttype != host drop']),
    ('filter', 'INPUT', '-m policy --dir in --pol none -j ACCEPT',
     ['meta secpath missing accept']),
    ('filter', 'OUTPUT', '-m policy --dir out --pol ipsec -j ACCEPT',
     ['rt ipsec exists accept']),
    ('filter', 'INPUT', '-m quota ! --quota 5000 -j DROP',
     ['quota over 5001 bytes drop']),
    ('filter', 'INPUT', '-m realm --realm 0x5/0xff -j ACCEPT',
     ['meta rtclassid & 0xff == 5 accept']),
    ('filter', 'INPUT', '-m recent --rcheck --rdest --seconds 30 --name knock -j ACCEPT',
     ['ip daddr @recent_knock accept']),
    ('filter', 'INPUT', '-m recent --remove --name knock -j ACCEPT',
     ['ip saddr @recent_knock delete @recent_knock { ip saddr } accept']),
    ('raw', 'PREROUTING', '-m rpfilter --loose --validmark -j ACCEPT',
     ['fib saddr . mark oif exists accept']),
    ('filter', 'INPUT', '-p sctp -m sctp --sport 100:200 -j ACCEPT',
     ['sctp sport 100-200 accept']),
    ('filter', 'INPUT', '-m socket --nowildcard -j ACCEPT',
     ['socket wildcard 0-1 accept']),
    ('filter', 'INPUT', '-m state --state NEW -j ACCEPT',
     ['ct state new accept']),
    ('filter', 'INPUT', '-m statistic --mode random ! --probability 0.5 -j ACCEPT',
     ['numgen random mod 2147483648 >= 1073741824 accept']),
    ('filter', 'INPUT', '-p tcp --tcp-flags ALL NONE -j DROP',
     ['tcp flags & (fin|syn|rst|psh|ack|urg) == 0 drop']),
    ('filter', 'INPUT', '-p tcp ! --tcp-flags SYN,ACK SYN,ACK -j ACCEPT',
     ['tcp flags & (syn|ack) != (syn|ack) accept']),
    ('filter', 'INPUT', '-p tcp ! --syn -j ACCEPT',
     ['tcp flags & (fin|syn|rst|ack) != syn accept']),
    ('filter', 'INPUT', '-p tcp ! --tcp-option 8 -j ACCEPT',
     ['tcp option 8 missing accept']),
    ('filter', 'INPUT', '-p tcp -m tcpmss --mss 536 -j ACCEPT',
     ['tcp option maxseg size 536 accept']),
    ('filter', 'INPUT', '-m time --timestop 12:00 --kerneltz -j ACCEPT',
     ['meta hour "00:00:00"-"12:00:00" accept']),
    ('filter', 'INPUT', '-m time ! --weekdays Sat,Sun -j ACCEPT',
     ['meta day { 1, 2, 3, 4, 5 } accept']),
    ('filter', 'INPUT', '-m tos --tos Minimize-Delay -j ACCEPT',
     ['@nh,8,8 & 0x3f == 0x10 accept']),
    ('filter', 'INPUT', '-m ttl ! --ttl-eq 64 -j ACCEPT',
     ['ip ttl != 64 accept']),
    ('filter', 'INPUT', '-m ttl --ttl-lt 2 -j DROP',
     ['ip ttl < 2 drop']),
    ('filter', 'INPUT', '-p udp -m udp ! --sport 53 -j ACCEPT',
     ['udp sport != 53 accept']),
    ('filter', 'INPUT', '-j NFLOG',
     ['log group 0']),
    ('filter', 'INPUT', '-j LOG --log-level debug --log-ip-options --log-tcp-sequence --log-macdecode',
     ['log level debug flags tcp sequence flags ip options flags ether']),
    ('filter', 'INPUT', '-p tcp -j REJECT --reject-with icmp-net-unreachable',
     ['meta l4proto tcp reject with icmp net-unreachable']),
    ('filter', 'INPUT', '-j REJECT --reject-with icmp-proto-unreachable',
     ['reject with icmp prot-unreachable']),
    ('filter', 'FORWARD', '-j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout',
     ['queue num 0-3 bypass,fanout']),
    ('filter', 'FORWARD', '-j NFQUEUE --queue-num 7',
     ['queue num 7']),
    ('filter', 'FORWARD', '-j QUEUE',
     ['queue num 0']),
    ('filter', 'INPUT', '-j AUDIT --type drop',
     ['log level audit']),
    ('mangle', 'PREROUTING', '-j MARK --set-mark 0x1/0xff',
     ['meta mark set meta mark & 0xffffff00 | 0x1']),
    ('mangle', 'PREROUTING', '-j MARK --xor-mark 0x2',
     ['meta mark set meta mark ^ 0x2']),
    ('mangle', 'PREROUTING', '-j CONNMARK --set-xmark 0x4/0xf',
     ['ct mark set ct mark & 0xfffffff0 ^ 0x4']),
    ('mangle', 'PREROUTING', '-j CONNMARK --save-mark',
     ['ct mark set meta mark']),
    ('mangle', 'PREROUTING', '-j CONNMARK --restore-mark --ctmask 0xff',
     ['meta mark set ct mark & 0xff']),
    ('mangle', 'PREROUTING', TPROXY,
     ['meta l4proto tcp socket transparent 1 socket wildcard 0 tproxy to 192.0.2.1:3129 '
      'meta mark set meta mark & 0xfffffffe ^ 0x1 accept']),
    ('mangle', 'POSTROUTING', '-j DSCP --set-dscp 0x0a',
     ['ip dscp set 0xa']),
    ('mangle', 'POSTROUTING', '-j ECN --ecn-ip-ect 2',
     ['ip ecn set 2']),
    ('mangle', 'POSTROUTING', '-j TTL --ttl-set 64',
     ['ip ttl set 64']),
    ('mangle', 'POSTROUTING', '-j CLASSIFY --set-class 10:1',
     ['meta priority set 10:1']),
    ('mangle', 'FORWARD', '-p tcp -j TCPOPTSTRIP --strip-options wscale,mss',
     ['meta l4proto tcp reset tcp option maxseg reset tcp option window']),
    ('mangle', 'PREROUTING', '-j TEE --gateway 192.0.2.254',
     ['dup to 192.0.2.254']),
    ('raw', 'PREROUTING', '-p udp --dport 5060 -j CT --helper sip',
     ['udp dport 5060 ct helper set "sip_udp"']),
    ('raw', 'PREROUTING', '-j CT --zone-orig 5 --ctevents new,destroy',
     ['ct original zone set 5 ct event set destroy,new']),
    ('raw', 'OUTPUT', '-j CT --notrack',
     ['notrack']),
    ('nat', 'PREROUTING', '-p udp --dport 53 -j REDIRECT',
     ['udp dport 53 redirect']),
    ('nat', 'PREROUTING', '-p tcp -j REDIRECT --to-ports 8080-8090 --random',
     ['meta l4proto tcp redirect to :8080-8090 random']),
    ('nat', 'POSTROUTING', '-j SNAT --to-source 192.0.2.1-192.0.2.9 --persistent',
     ['snat to 192.0.2.1-192.0.2.9 persistent']),
    ('nat', 'POSTROUTING', '-j MASQUERADE --random',
     ['masquerade random']),
    ('nat', 'OUTPUT', '-p tcp -j DNAT --to-destination :8080',
     ['meta l4proto tcp dnat to :8080']),
    ('filter', 'INPUT', '-p tcp -m tcp --dport 22 -j SYNPROXY --mss 1460 --wscale 7 --timestamp --sack-perm',
     ['tcp dport 22 synproxy mss 1460 wscale 7 timestamp sack-perm']),
]

CASES_V6 = [
    ('filter', 'INPUT', '-p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT',
     ['icmpv6 type nd-neighbor-solicit accept']),
    ('filter', 'INPUT', '-p ipv6-icmp ! --icmpv6-type 1/3 -j ACCEPT',
     ['icmpv6 type != destination-unreachable accept',
      'icmpv6 type destination-unreachable icmpv6 code != 3 accept']),
    ('filter', 'INPUT', '-m frag --fragfirst --fragmore -j ACCEPT',
     ['frag frag-off 0 frag more-fragments 1 accept']),
    ('filter', 'INPUT', '-m frag --fragid 5:10 --fragres -j DROP',
     ['frag id 5-10 frag reserved 0 frag reserved2 0 drop']),
    ('filter', 'INPUT', '-m frag -j DROP',
     ['exthdr frag exists drop']),
    ('filter', 'INPUT', '-m rt --rt-type 0 --rt-segsleft 0:5 -j DROP',
     ['rt type 0 rt seg-left 0-5 drop']),
    ('filter', 'INPUT', '-m rt --rt-len 24 -j DROP',
     ['rt hdrlength 2 drop']),
    ('filter', 'INPUT', '-m hbh --hbh-len 8 -j DROP',
     ['hbh hdrlength 0 drop']),
    ('filter', 'INPUT', '-m dst ! --dst-len 16 -j DROP',
     ['dst hdrlength != 1 drop']),
    ('filter', 'INPUT', '-p ipv6-mh -m mh --mh-type binding-update -j ACCEPT',
     ['meta l4proto 135 mh type 5 accept']),
    ('filter', 'INPUT', '-m hl --hl-gt 10 -j ACCEPT',
     ['ip6 hoplimit > 10 accept']),
    ('filter', 'INPUT', '-m ipv6header --soft --header hop,frag -j DROP',
     ['exthdr hbh exists drop', 'exthdr hbh missing exthdr frag exists drop']),
    ('filter', 'INPUT', '-m length --length 40:1280 -j ACCEPT',
     ['ip6 length 0-1240 accept']),
    ('filter', 'INPUT', '-m tos --tos 0x20/0xe0 -j ACCEPT',
     ['@nh,4,8 & 0xe0 == 0x20 accept']),
    ('filter', 'INPUT', '-s 2001:db8::/32 -d ::1 -j ACCEPT',
     ['ip6 saddr 2001:db8::/32 ip6 daddr ::1 accept']),
    ('filter', 'INPUT', '-j REJECT --reject-with icmp6-addr-unreachable',
     ['reject with icmpv6 addr-unreachable']),
    ('filter', 'INPUT', '-j REJECT --reject-with icmp6-port-unreachable',
     ['reject']),
    ('mangle', 'POSTROUTING', '-j HL --hl-set 64',
     ['ip6 hoplimit set 64']),
    ('nat', 'PREROUTING', '-p tcp -j DNAT --to-destination [2001:db8::10]:8080',
     ['meta l4proto tcp dnat to [2001:db8::10]:8080']),
    ('nat', 'POSTROUTING', '-j SNAT --to-source 2001:db8::1-2001:db8::9',
     ['snat to 2001:db8::1-2001:db8::9']),
    ('nat', 'PREROUTING', '-j NETMAP --to 2001:db8:1::/64',
     ['dnat prefix to 2001:db8:1::/64']),
]

APPROXIMATE = {  # rules whose translation FW602 marks, and what it says
    '-m recent --rcheck --rdest --seconds 30 --name knock -j ACCEPT': [RECENT],
    '-m recent --remove --name knock -j ACCEPT': [RECENT],
    '-m time --timestop 12:00 --kerneltz -j ACCEPT': [
        "--kerneltz: the times are written as local times, read in the time zone of the host that loads "
        "the rules, not the kernel's"],
    '-m time ! --weekdays Sat,Sun -j ACCEPT': [
        "--weekdays: nft counts days in the kernel's time zone (sys_tz, normally UTC), the time match "
        "in UTC"],
    '-j AUDIT --type drop': ['the audit record does not carry --type'],
    TPROXY: ["a packet with no socket to divert to: TPROXY drops it, nft goes on to the next rule"],
}


HOST_DEPENDENT = {"-m cgroup --path system.slice/sshd.service -j ACCEPT"}
"""nft looks the cgroup up when it loads the rule (as iptables does): not on every host."""

QUEUE = {"-j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout", "-j NFQUEUE --queue-num 7",
         "-j QUEUE"}
"""Rules the kernel takes only with nft_queue built: checked on their own."""


def _kernel_has_queue() -> bool:
    from tests.nft.conftest import _nft

    return _nft("-c", text="table ip t {\n\tchain c {\n\t\tqueue num 0\n\t}\n}\n").returncode == 0


def _ruleset(cases: list, leave_out: set[str] = set()) -> str:
    by_table: dict[str, list[str]] = {}
    for table, chain, words, _ in cases:
        if words in HOST_DEPENDENT or words in leave_out:
            continue
        by_table.setdefault(table, []).append(f"-A {chain} {words}")
    chains = {"raw": "PREROUTING OUTPUT", "mangle": "PREROUTING INPUT FORWARD OUTPUT POSTROUTING",
              "nat": "PREROUTING INPUT OUTPUT POSTROUTING", "filter": "INPUT FORWARD OUTPUT"}
    out = []
    for table, rules in by_table.items():
        out.append(f"*{table}")
        out.extend(f":{c} ACCEPT [0:0]" for c in chains[table].split())
        out.extend(rules)
        out.append("COMMIT")
    return "\n".join(out) + "\n"


def _one(table: str, chain: str, words: str, path: str):
    result = translate(parse_text(f"*{table}\n:{chain} ACCEPT [0:0]\n-A {chain} {words}\nCOMMIT\n", path))
    rules = [rule_text(r) for t in result.tables for c in t.chains for r in c.rules]
    return rules, [d.message for d in result.diagnostics]


@pytest.mark.parametrize("table, chain, words, expected", CASES_V4, ids=[c[2] for c in CASES_V4])
def test_ipv4(table, chain, words, expected):
    rules, notes = _one(table, chain, words, "rules.v4")
    assert rules == expected
    assert notes == APPROXIMATE.get(words, [])


@pytest.mark.parametrize("table, chain, words, expected", CASES_V6, ids=[c[2] for c in CASES_V6])
def test_ipv6(table, chain, words, expected):
    rules, notes = _one(table, chain, words, "rules.v6")
    assert rules == expected
    assert notes == []


@pytest.mark.parametrize("cases, path", [(CASES_V4, "rules.v4"), (CASES_V6, "rules.v6")], ids=["v4", "v6"])
def test_nft_takes_them_all_and_json_says_the_same(cases, path):
    rulesets = parse_text(_ruleset(cases, set() if _kernel_has_queue() else QUEUE), path)
    text = to_text(translate(rulesets, Options()).tables)
    data = to_json(translate(rulesets, Options(output_format="json")).tables)
    nft_check(text)
    nft_check(data, json_input=True)
    assert nft_listing(text) == nft_listing(data, json_input=True)


def test_the_queue_rules_pass_nft_itself():
    """Without nft_queue in the kernel, nft still reads and evaluates them: the kernel is what
    refuses (ENOENT), for each queue rule and nothing else."""
    from tests.nft.conftest import _nft

    cases = [c for c in CASES_V4 if c[2] in QUEUE]
    text = to_text(translate(parse_text(_ruleset(cases), "rules.v4"), Options()).tables)
    if _kernel_has_queue():
        nft_check(text)
        return
    errors = [line for line in _nft("-c", text=text).stderr.splitlines() if "Error:" in line]
    assert errors and all("Could not process rule: No such file or directory" in e for e in errors)
    assert len(errors) == len(cases)


def test_every_extension_declares_its_nft_form():
    for ext in builtin_extensions():
        assert ext.nft is not None, f"{ext.kind} {ext.name} declares no nft form"
        if isinstance(ext.nft, NoNft):
            assert ext.nft.why, f"{ext.name}: NoNft without a reason"
        else:
            assert callable(ext.nft) and ext.nft.__doc__, f"{ext.name}: its nft form says nothing of itself"


UNTRANSLATABLE = [
    ("filter", "INPUT", "-m helper --helper ftp -j ACCEPT",
     "-m helper: -m helper tests the helper of the connection's master (the control connection); nft's "
     "ct helper is the connection's own"),
    ("filter", "INPUT", "-m u32 --u32 0x0=0x1 -j DROP",
     "-m u32: nft has no u32 program of shifts and masks (rewrite it with raw payload matches, "
     "@nh,OFFSET,LEN)"),
    ("filter", "INPUT", "-p tcp -m owner --suppl-groups --gid-owner 5 -j DROP", None),
    ("filter", "INPUT", "-m rpfilter --accept-local -j DROP", None),
    ("filter", "INPUT", "-p tcp -m dccp --dccp-option 5 -j DROP", None),
    ("filter", "INPUT", "-p sctp -m sctp --chunk-types any INIT -j DROP",
     "--chunk-types: nft 1.0 cannot test SCTP chunks as sctp_mt does"),
    ("filter", "INPUT", "-m hashlimit --hashlimit-upto 1/s --hashlimit-name x --hashlimit-rate-match -j DROP",
     "--hashlimit-rate-match: nft's limit has no rate-measuring mode"),
    ("mangle", "POSTROUTING", "-j TTL --ttl-dec 1", "--ttl-dec: nft cannot do arithmetic on the TTL"),
    ("raw", "PREROUTING", "-j CT --zone mark",
     "--zone mark: nft cannot set a zone from the packet mark (a zone is 16 bits, a mark 32)"),
    ("mangle", "PREROUTING", "-j CONNMARK --save-mark --ctmask 0xff",
     "--ctmask 0xff keeps bits of the mark being set: nft 1.0 cannot merge two marks"),
    ("mangle", "PREROUTING", "-j TOS --set-tos 0x10",
     "-j TOS: nft sets the DSCP and ECN fields, not the TOS byte under a mask"),
    ("nat", "POSTROUTING", "-p tcp -j SNAT --to-source 192.0.2.1:1000-2000/500",
     "--to-source 192.0.2.1:1000-2000/500: nft has no shifted port mapping (port/base)"),
]


@pytest.mark.parametrize("table, chain, words, message", UNTRANSLATABLE, ids=[c[2] for c in UNTRANSLATABLE])
def test_what_nft_cannot_express_is_refused(table, chain, words, message):
    rules, notes = _one(table, chain, words, "rules.v4")
    assert rules == []
    assert len(notes) == 1
    if message is not None:
        assert notes == [message]
