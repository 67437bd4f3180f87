"""CLASSIFY: set the packet's priority (skb->priority), i.e. its traffic-control class."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import TC_CLASS


def _meaning(target, enc):
    """The packet goes on (its priority is not a modelled field)."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """``meta priority set 1:10`` (the traffic control class, hexadecimal as tc writes it)."""
    opts = ctx.options(target)
    if "set-class" not in opts:
        ctx.refuse("-j CLASSIFY needs --set-class (iptables refuses it)", target, refused=True)
    major, minor = ctx.value(opts["set-class"])
    value = f"{major:x}:{minor:x}"
    return [ctx.statement(f"meta priority set {value}", {"mangle": {"key": {"meta": {"key": "priority"}},
                                                                    "value": value}})]


EXTENSION = target(
    "CLASSIFY",
    OptionSpec("set-class", value=TC_CLASS, help="major:minor, always read as hexadecimal"),
    summary="put the packet in a tc class and continue (usually mangle POSTROUTING)",
    chains=frozenset({"OUTPUT", "FORWARD", "POSTROUTING"}),
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"set-class"}),),
)
