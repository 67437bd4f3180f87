"""TCPMSS: rewrite the MSS option of TCP SYN packets (work around broken path MTU discovery).

The kernel refuses the rule at commit unless it has a tcp match whose flags require SYN set
(``--syn``, or ``--tcp-flags MASK COMP`` with SYN in COMP, not inverted), and refuses
``--clamp-mss-to-pmtu`` from any hook but FORWARD, OUTPUT and POSTROUTING (``--set-mss`` is
accepted everywhere).
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, target
from fwlint.extensions.values import UINT16

_SYN_MATCH = "a tcp match that requires SYN (--syn, or --tcp-flags with SYN in its second list)"


def _requires_syn(rule: Rule) -> bool:
    for m in rule.matches:
        if m.name != "tcp":
            continue
        for opt in m.options:
            if opt.negated:
                continue
            if opt.name == "syn":
                return True
            if opt.name == "tcp-flags" and len(opt.values) == 2 and \
                    {"SYN", "ALL"} & set(opt.values[1].upper().split(",")):
                return True
    return False


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    if any(o.name == "clamp-mss-to-pmtu" for o in options):
        yield Placement("clamp-mss-to-pmtu", chains=frozenset({"FORWARD", "OUTPUT", "POSTROUTING"}))
    if not _requires_syn(rule):
        yield Placement("", unmet=_SYN_MATCH)


def _meaning(target, enc):
    """The packet goes on (the MSS option is not a modelled field)."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """``tcp option maxseg size set 1400`` / ``set rt mtu`` (the route's MTU less the headers,
    as --clamp-mss-to-pmtu computes it); nft, as TCPMSS, only ever lowers the MSS.  TCPMSS also
    adds an MSS option to a SYN that has none; nft does not."""
    opts = ctx.options(target)
    key = {"tcp option": {"name": "maxseg", "field": "size"}}
    if "clamp-mss-to-pmtu" in opts:
        text, value = "rt mtu", {"rt": {"key": "mtu"}}
    elif "set-mss" in opts:
        mss = ctx.value(opts["set-mss"])
        text, value = str(mss), mss
    else:
        ctx.refuse("-j TCPMSS needs --set-mss or --clamp-mss-to-pmtu (iptables refuses it)", target,
                   refused=True)
    ctx.approximate("a SYN without an MSS option: TCPMSS adds one, nft leaves it without", target)
    return [ctx.statement(f"tcp option maxseg size set {text}", {"mangle": {"key": key, "value": value}})]


EXTENSION = target(
    "TCPMSS",
    OptionSpec("set-mss", value=UINT16, help="lower the MSS to this value (never raises it)"),
    OptionSpec("clamp-mss-to-pmtu", arity=0,
               help="lower the MSS to the path MTU minus 40 (IPv4) or 60 (IPv6)"),
    summary="clamp the TCP MSS of SYN packets and continue (rule must match SYN, e.g. "
            "--tcp-flags SYN,RST SYN)",
    protocols=frozenset({"tcp", "6"}),
    placement=_placement,
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"set-mss", "clamp-mss-to-pmtu"}),),
)
