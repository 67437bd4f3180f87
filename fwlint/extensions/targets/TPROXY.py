"""TPROXY: deliver the packet to a local (transparent proxy) socket without rewriting it."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import ADDRESS, MARK, PORT


def _meaning(target, enc):
    """Decides: the packet goes to the proxy socket (or is dropped)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


def _nft(target, ctx):
    """``tproxy to 192.0.2.1:3128`` (``tproxy ip to`` in an inet table), ``meta mark set ...``
    for --tproxy-mark, then ``accept``.  A packet with no socket to hand it to: TPROXY drops it;
    nft's tproxy leaves the rule and the packet goes on to the next one (approximate)."""
    opts = ctx.options(target)
    if "on-port" not in opts:
        ctx.refuse("-j TPROXY needs --on-port (iptables refuses it)", target, refused=True)
    port = ctx.value(opts["on-port"])
    address = str(ctx.value(opts["on-ip"])) if "on-ip" in opts else None
    data = {}
    words = "tproxy"
    if ctx.inet:
        words += " ip" if ctx.family == 4 else " ip6"
        data["family"] = "ip" if ctx.family == 4 else "ip6"
    words += " to "
    if address is not None:
        words += f"[{address}]" if ctx.family == 6 and port else address
        data["addr"] = address
    if port:
        words += f":{port}"
        data["port"] = port
    out = [ctx.statement(words, {"tproxy": data}, needs_protocol=True)]
    if "tproxy-mark" in opts:
        out.append(ctx.mark_statement(ctx.meta("mark"), {"set-xmark": opts["tproxy-mark"]}))
    out.append(ctx.verdict("accept"))
    ctx.approximate("a packet with no socket to divert to: TPROXY drops it, nft goes on to the next rule",
                    target)
    return out


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
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"on-port"}),),
)
