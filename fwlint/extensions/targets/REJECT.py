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


def _is_tcp_reset(word: str) -> bool:
    """iptables takes any beginning of a reject type's name (``tcp`` is tcp-reset)."""
    for family in (4, 6):
        try:
            if REJECT_TYPE.parse(word, family) == "tcp-reset":
                return True
        except ValueError:
            continue
    return False


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "reject-with" and opt.value and _is_tcp_reset(opt.value):
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


# iptables' reject types: (nft's form in an ip/ip6 table, the icmpx form an inet table may use)
_NFT_REJECT = {
    "icmp-net-unreachable": ("icmp", "net-unreachable", "no-route"),
    "icmp-host-unreachable": ("icmp", "host-unreachable", "host-unreachable"),
    "icmp-proto-unreachable": ("icmp", "prot-unreachable", None),
    "icmp-port-unreachable": (None, None, None),
    "icmp-net-prohibited": ("icmp", "net-prohibited", None),
    "icmp-host-prohibited": ("icmp", "host-prohibited", None),
    "icmp-admin-prohibited": ("icmp", "admin-prohibited", "admin-prohibited"),
    "icmp6-no-route": ("icmpv6", "no-route", "no-route"),
    "icmp6-adm-prohibited": ("icmpv6", "admin-prohibited", "admin-prohibited"),
    "icmp6-addr-unreachable": ("icmpv6", "addr-unreachable", "host-unreachable"),
    "icmp6-port-unreachable": (None, None, None),
    "icmp6-policy-fail": ("icmpv6", "policy-fail", None),
    "icmp6-reject-route": ("icmpv6", "reject-route", None),
}


def _nft(target, ctx):
    """``reject``: the ICMP(v6) port unreachable iptables sends by default (in an inet table,
    the one of the packet's family); ``reject with tcp reset``; ``reject with icmp
    host-prohibited`` ...  In an inet table the codes both families have are written as
    ``icmpx`` ones (``icmpx admin-prohibited``), so that IPv4 and IPv6 rules agree."""
    opts = ctx.options(target)
    kind = ctx.value(opts["reject-with"]) if "reject-with" in opts else "icmp-port-unreachable"
    if kind == "tcp-reset":
        return [ctx.terminal("reject with tcp reset", {"reject": {"type": "tcp reset"}})]
    family, code, icmpx = _NFT_REJECT[kind]
    if family is None:
        return [ctx.terminal("reject", {"reject": None})]
    if ctx.inet and icmpx is not None:
        return [ctx.terminal(f"reject with icmpx {icmpx}", {"reject": {"type": "icmpx", "expr": icmpx}})]
    return [ctx.terminal(f"reject with {family} {code}", {"reject": {"type": family, "expr": code}},
                         family=4 if family == "icmp" else 6)]


EXTENSION = target(
    "REJECT",
    OptionSpec("reject-with", value=REJECT_TYPE,
               help="the ICMP error (or tcp-reset) sent back; icmp-port-unreachable by default"),
    summary="drop the packet and answer with an ICMP error or TCP reset",
    tables=frozenset({"filter"}),
    chains=frozenset({"INPUT", "FORWARD", "OUTPUT"}),
    placement=_placement,
    terminal=True,
    nft=_nft,
    meaning=_meaning,
)
