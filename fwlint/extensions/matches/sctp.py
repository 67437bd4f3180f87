"""sctp: ports and chunk types of SCTP packets (loaded by ``-p sctp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import SCTP_CHUNKS, SCTP_PORT_RANGE, choice


def _meaning(match, enc):
    """Not a later fragment, ports within ranges; chunk types are not modelled."""
    parts = [enc.protocol(132), enc.not_fragment()]
    for name, opt in enc.options(match).items():
        if name in ("source-port", "destination-port"):
            low, high = enc.value(opt)
            field = "sport" if name == "source-port" else "dport"
            parts.append(enc.negate(enc.range(field, low, high), opt))
        else:
            parts.append(enc.opaque("--chunk-types"))
    return enc.all(*parts)


def _concrete(match, pkt):
    """As sctp_mt: a later fragment never matches; each port within its range; chunk types
    are not modelled."""
    results = [pkt.test("proto", lambda proto: proto == 132), pkt.first_fragment()]
    for name, opt in pkt.options(match).items():
        if name in ("source-port", "destination-port"):
            low, high = pkt.value(opt)
            field = "sport" if name == "source-port" else "dport"
            results.append(pkt.invert(pkt.test(field, lambda port: low <= port <= high), opt))
        else:
            pkt.values(opt)
            results.append(pkt.unknown("--chunk-types: SCTP chunks are not modelled"))
    return pkt.all(*results)


def _nft(match, ctx):
    """``sctp sport``/``sctp dport``, negated ``!=``.  --chunk-types has no nft 1.0 form."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name == "chunk-types":
            ctx.refuse("--chunk-types: nft 1.0 cannot test SCTP chunks as sctp_mt does", opt)
        low, high = ctx.value(opt)
        field = "sport" if name == "source-port" else "dport"
        parts.append(ctx.match(ctx.payload("sctp", field), ctx.range(low, high, "inet_service"), opt.negated))
    if not parts:
        parts.append(ctx.match(ctx.payload("sctp", "sport"), ctx.range(0, 65535, "inet_service")))
    return parts


EXTENSION = match(
    "sctp",
    OptionSpec("source-port", aliases=("sport",), value=SCTP_PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=SCTP_PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    OptionSpec("chunk-types", arity=2,
               value=(choice("all", "any", "only", what="chunk match mode", fold=True), SCTP_CHUNKS),
               invertible=True,
               help="MODE CHUNKS: all, any or only of the comma-separated chunk types "
                    "(DATA, INIT ...), each with optional :flags"),
    summary="SCTP ports and chunk types",
    protocols=frozenset({"sctp", "132"}),
    implied_by=frozenset({"sctp", "132"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
