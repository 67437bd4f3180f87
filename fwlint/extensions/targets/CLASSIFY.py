"""CLASSIFY: set the packet's priority (skb->priority), i.e. its traffic-control class."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import TC_CLASS


def _meaning(target, enc):
    """The packet goes on (its priority is not a modelled field)."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "CLASSIFY",
    OptionSpec("set-class", value=TC_CLASS, help="major:minor, always read as hexadecimal"),
    summary="put the packet in a tc class and continue (usually mangle POSTROUTING)",
    chains=frozenset({"OUTPUT", "FORWARD", "POSTROUTING"}),
    meaning=_meaning,
    required=(frozenset({"set-class"}),),
)
