"""dccp: ports, packet types and options of DCCP packets (loaded by ``-p dccp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_RANGE, UINT8, choice_list


def _meaning(match, enc):
    """Not a later fragment, ports within ranges; packet types and options are not modelled."""
    parts = [enc.protocol(33), enc.not_fragment()]
    for name, opt in enc.options(match).items():
        if name in ("source-port", "destination-port"):
            low, high = enc.value(opt)
            field = "sport" if name == "source-port" else "dport"
            parts.append(enc.negate(enc.range(field, low, high), opt))
        else:
            parts.append(enc.opaque(f"--{name}"))
    return enc.all(*parts)


def _concrete(match, pkt):
    """As dccp_mt: a later fragment never matches; each port within its range; packet types
    and options are not modelled."""
    results = [pkt.test("proto", lambda proto: proto == 33), pkt.first_fragment()]
    for name, opt in pkt.options(match).items():
        if name in ("source-port", "destination-port"):
            low, high = pkt.value(opt)
            field = "sport" if name == "source-port" else "dport"
            results.append(pkt.invert(pkt.test(field, lambda port: low <= port <= high), opt))
        else:
            pkt.value(opt)
            results.append(pkt.unknown(f"--{name}: DCCP packet types and options are not modelled"))
    return pkt.all(*results)


_NFT_TYPES = ("REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC",
              "SYNCACK")


def _nft(match, ctx):
    """``dccp sport``/``dccp dport``; --dccp-types as ``dccp type { request, ... }`` (INVALID: the
    types 10 and up).  nft 1.0 has no test of a DCCP option."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name in ("source-port", "destination-port"):
            low, high = ctx.value(opt)
            if low > high:
                if not opt.negated:
                    ctx.never(f"port range {opt.values[0]} runs backwards", opt)
                continue
            field = "sport" if name == "source-port" else "dport"
            parts.append(ctx.match(ctx.payload("dccp", field), ctx.range(low, high, "inet_service"),
                                   opt.negated))
        elif name == "dccp-types":
            wanted = ctx.value(opt)
            types = [ctx.symbol(t.lower(), "dccp_pkttype", i) for i, t in enumerate(_NFT_TYPES)
                     if t in wanted]
            if "INVALID" in wanted:
                types.append(ctx.range(10, 15, "dccp_pkttype"))
            parts.append(ctx.match(ctx.payload("dccp", "type"), ctx.set(types), opt.negated))
        elif name == "dccp-option":
            ctx.refuse("--dccp-option: nft 1.0 has no test of DCCP options", opt)
    if not parts:
        parts.append(ctx.match(ctx.payload("dccp", "sport"), ctx.range(0, 65535, "inet_service")))
    return parts


EXTENSION = match(
    "dccp",
    OptionSpec("source-port", aliases=("sport",), value=PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    OptionSpec("dccp-types", value=choice_list("REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK",
                                               "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK",
                                               "INVALID", what="DCCP packet type"),
               invertible=True, help="the packet type is one of these (REQUEST, RESPONSE, DATA ...)"),
    OptionSpec("dccp-option", value=UINT8, invertible=True, help="DCCP option number present"),
    summary="DCCP ports, packet types and options",
    protocols=frozenset({"dccp", "33"}),
    implied_by=frozenset({"dccp", "33"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
