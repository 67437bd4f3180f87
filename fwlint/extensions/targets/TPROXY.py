"""TPROXY: deliver the packet to a local (transparent proxy) socket without rewriting it."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import ADDRESS, MARK, PORT


def _meaning(target, enc):
    """Decides: the packet goes to the proxy socket (or is dropped)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


EXTENSION = target(
    "TPROXY",
    OptionSpec("on-port", value=PORT, help="local port of the proxy; 0 keeps the original; required"),
    OptionSpec("on-ip", value=ADDRESS,
               help="local address of the proxy; the incoming interface's by default"),
    OptionSpec("tproxy-mark", value=MARK,
               help="value[/mask] to mark the packet with, for policy routing to the local host"),
    summary="redirect to a local transparent proxy socket",
    tables=frozenset({"mangle"}),
    chains=frozenset({"PREROUTING"}),
    protocols=frozenset({"tcp", "udp", "6", "17"}),
    terminal=True,
    meaning=_meaning,
    required=(frozenset({"on-port"}),),
)
