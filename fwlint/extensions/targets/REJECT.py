"""REJECT: drop the packet and tell the sender, with an ICMP error or a TCP reset.

The kernel takes it in the filter table only (INPUT, FORWARD, OUTPUT and user chains reached
from them; not mangle, raw, nat or security), and ``--reject-with tcp-reset`` only in a rule
with a positive ``-p tcp``; both are refused at commit, not by ``iptables-restore --test``.
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, target
from fwlint.extensions.values import REJECT_TYPE

REJECT_TYPES = (
    "icmp-net-unreachable", "net-unreach", "icmp-host-unreachable", "host-unreach",
    "icmp-port-unreachable", "port-unreach", "icmp-proto-unreachable", "proto-unreach",
    "icmp-net-prohibited", "net-prohib", "icmp-host-prohibited", "host-prohib",
    "icmp-admin-prohibited", "admin-prohib", "tcp-reset", "tcp-rst",
    "icmp6-no-route", "no-route", "icmp6-adm-prohibited", "adm-prohibited",
    "icmp6-addr-unreachable", "addr-unreach", "icmp6-port-unreachable",
    "icmp6-policy-fail", "policy-fail", "icmp6-reject-route", "reject-route",
)


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "reject-with" and (opt.value or "").lower() in ("tcp-reset", "tcp-rst"):
            yield Placement("reject-with", protocols=frozenset({"tcp", "6"}))


_CANONICAL = {"net-unreach": "icmp-net-unreachable", "host-unreach": "icmp-host-unreachable",
              "port-unreach": "icmp-port-unreachable", "proto-unreach": "icmp-proto-unreachable",
              "net-prohib": "icmp-net-prohibited", "host-prohib": "icmp-host-prohibited",
              "admin-prohib": "icmp-admin-prohibited", "tcp-rst": "tcp-reset",
              "no-route": "icmp6-no-route", "adm-prohibited": "icmp6-adm-prohibited",
              "addr-unreach": "icmp6-addr-unreachable", "policy-fail": "icmp6-policy-fail",
              "reject-route": "icmp6-reject-route"}


def _meaning(target, enc):
    """Decides; the outcome names the answer sent (aliases and the default spelt out, so
    `-j REJECT` and `-j REJECT --reject-with icmp-port-unreachable` are the same)."""
    opts = enc.options(target)
    default = "icmp-port-unreachable" if enc.family == 4 else "icmp6-port-unreachable"
    kind = enc.value(opts["reject-with"]).lower() if "reject-with" in opts else default
    kind = _CANONICAL.get(kind, kind)
    if enc.family == 6 and kind == "icmp-port-unreachable":
        kind = "icmp6-port-unreachable"
    return enc.decide(f"REJECT --reject-with {kind}")


EXTENSION = target(
    "REJECT",
    OptionSpec("reject-with", value=REJECT_TYPE,
               help="the ICMP error (or tcp-reset) sent back; icmp-port-unreachable by default"),
    summary="drop the packet and answer with an ICMP error or TCP reset",
    tables=frozenset({"filter"}),
    chains=frozenset({"INPUT", "FORWARD", "OUTPUT"}),
    placement=_placement,
    terminal=True,
    meaning=_meaning,
)
