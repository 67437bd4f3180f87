"""udp: ports of UDP datagrams (loaded by ``-p udp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_RANGE


def _meaning(match, enc):
    """A UDP datagram that is not a later fragment, ports within ranges."""
    parts = [enc.protocol(17), enc.not_fragment()]
    for name, opt in enc.options(match).items():
        low, high = enc.value(opt)
        field = "sport" if name == "source-port" else "dport"
        parts.append(enc.negate(enc.range(field, low, high), opt))
    return enc.all(*parts)


def _concrete(match, pkt):
    """As udp_mt: a later fragment never matches; each port within its range."""
    results = [pkt.test("proto", lambda proto: proto == 17), pkt.first_fragment()]
    for name, opt in pkt.options(match).items():
        low, high = pkt.value(opt)
        field = "sport" if name == "source-port" else "dport"
        results.append(pkt.invert(pkt.test(field, lambda port: low <= port <= high), opt))
    return pkt.all(*results)


def _nft(match, ctx):
    """Ports as ``udp sport``/``udp dport`` (a range that runs backwards never matches; negated,
    every datagram that is no later fragment does).  Without options the match still refuses
    later fragments: unless conntrack reassembles every packet, that is ``udp sport 0-65535``."""
    parts = []
    for name, opt in ctx.options(match).items():
        low, high = ctx.value(opt)
        field = "sport" if name == "source-port" else "dport"
        if low > high:
            if not opt.negated:
                ctx.never(f"port range {opt.values[0]} runs backwards", opt)
            low, high, negated = 0, 65535, False
        else:
            negated = opt.negated
        parts.append(ctx.match(ctx.payload("udp", field), ctx.range(low, high, "inet_service"), negated))
    if not parts and not ctx.conntrack_in_use:
        parts.append(ctx.match(ctx.payload("udp", "sport"), ctx.range(0, 65535, "inet_service")))
    return parts


EXTENSION = match(
    "udp",
    OptionSpec("source-port", aliases=("sport",), value=PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    summary="UDP ports",
    protocols=frozenset({"udp", "17"}),
    implied_by=frozenset({"udp", "17"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
