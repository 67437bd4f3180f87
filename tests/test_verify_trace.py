"""Which traced packet is the probe: `nft monitor trace` shows the host's reply (a SYN-ACK here,
read off a real run of the verify lab) under a trace id of its own, and it must not be named as
what decided the probe."""

from fwlint.verify.comparison import _nft_lines
from fwlint.verify.lab import traced_verdicts

TRACE = """\
trace id 37292330 inet fwlint_verify_trace prerouting packet: iif "eth0" ip saddr 203.0.113.194 ip daddr 192.0.2.231 tcp sport 43129 tcp dport 23 tcp flags == syn
trace id 37292330 inet fwlint_verify_trace prerouting rule meta nftrace set 1 (verdict continue)
trace id 37292330 inet fwlint_verify_trace prerouting policy accept
trace id 37292330 ip hand nat_prerouting packet: iif "eth0" ip saddr 203.0.113.194 ip daddr 192.0.2.231
trace id 37292330 ip hand nat_prerouting policy accept
trace id 37292330 ip hand input packet: iif "eth0" ip saddr 203.0.113.194 ip daddr 192.0.2.231
trace id 37292330 ip hand input rule tcp dport 23 accept (verdict accept)
trace id 28a1fbe8 inet fwlint_verify_trace output packet: oif "eth0" ip saddr 192.0.2.231 ip daddr 203.0.113.194 tcp flags == 0x12
trace id 28a1fbe8 inet fwlint_verify_trace output rule meta nftrace set 1 (verdict continue)
trace id 28a1fbe8 inet fwlint_verify_trace output policy accept
trace id 28a1fbe8 ip hand output packet: oif "eth0" ip saddr 192.0.2.231 ip daddr 203.0.113.194
trace id 28a1fbe8 ip hand output policy accept
"""

# an ESTABLISHED probe: the SYN that opened the connection, the host's SYN-ACK, then the probe
ESTABLISHED = """\
trace id 00000001 inet fwlint_verify_trace prerouting packet: iif "eth0" tcp flags == syn
trace id 00000001 ip hand input rule ct state new tcp dport 22 accept (verdict accept)
trace id 00000002 inet fwlint_verify_trace output packet: oif "eth0" tcp flags == 0x12
trace id 00000002 ip hand output policy accept
trace id 00000003 inet fwlint_verify_trace prerouting packet: iif "eth0" tcp flags == ack
trace id 00000003 ip hand input rule ct state established drop (verdict drop)
"""


def test_the_hosts_reply_is_not_the_last_word_on_an_incoming_probe() -> None:
    traced = traced_verdicts(TRACE, "prerouting")
    assert traced == ["ip hand nat_prerouting: policy accept",
                      "ip hand input: rule tcp dport 23 accept (verdict accept)"]
    assert _nft_lines(traced) == ["decided by ip hand input: rule tcp dport 23 accept (verdict accept)"]


def test_without_a_start_hook_every_packet_is_read() -> None:
    assert traced_verdicts(TRACE) == [
        "ip hand nat_prerouting: policy accept",
        "ip hand input: rule tcp dport 23 accept (verdict accept)",
        "ip hand output: policy accept",
    ]


def test_the_probe_is_the_last_packet_to_start_at_its_hook() -> None:
    assert traced_verdicts(ESTABLISHED, "prerouting") == [
        "ip hand input: rule ct state established drop (verdict drop)"]
    assert traced_verdicts(ESTABLISHED, "output") == ["ip hand output: policy accept"]
