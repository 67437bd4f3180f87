"""REJECT: drop the packet and tell the sender, with an ICMP error or a TCP reset."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import choice

REJECT_TYPES = (
    "icmp-net-unreachable", "net-unreach", "icmp-host-unreachable", "host-unreach",
    "icmp-port-unreachable", "port-unreach", "icmp-proto-unreachable", "proto-unreach",
    "icmp-net-prohibited", "net-prohib", "icmp-host-prohibited", "host-prohib",
    "icmp-admin-prohibited", "admin-prohib", "tcp-reset", "tcp-rst",
    "icmp6-no-route", "no-route", "icmp6-adm-prohibited", "adm-prohibited",
    "icmp6-addr-unreachable", "addr-unreach", "icmp6-port-unreachable",
    "icmp6-policy-fail", "policy-fail", "icmp6-reject-route", "reject-route",
)

EXTENSION = target(
    "REJECT",
    OptionSpec("reject-with", value=choice(*REJECT_TYPES, what="reject type"),
               help="the ICMP error (or tcp-reset) sent back; icmp-port-unreachable by default"),
    summary="drop the packet and answer with an ICMP error or TCP reset",
    tables=frozenset({"filter", "mangle", "raw", "security"}),
    chains=frozenset({"INPUT", "FORWARD", "OUTPUT", "PREROUTING"}),
    terminal=True,
)
