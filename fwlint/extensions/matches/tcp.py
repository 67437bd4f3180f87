"""tcp: ports, flags and options of TCP segments (loaded by ``-p tcp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import TCP_FLAG_LIST, TCP_PORT_RANGE, UINT8


def _meaning(match, enc):
    """A TCP segment that is not a later fragment; ports within ranges, flags under a mask
    (--syn: SYN set, RST ACK FIN clear); TCP options are not modelled."""
    opts = enc.options(match)
    if "syn" in opts and "tcp-flags" in opts:
        enc.refuse("--syn and --tcp-flags together")
    parts = [enc.protocol(6), enc.not_fragment()]
    for name, opt in opts.items():
        if name in ("source-port", "destination-port"):
            low, high = enc.value(opt)
            field = "sport" if name == "source-port" else "dport"
            parts.append(enc.negate(enc.range(field, low, high), opt))
        elif name == "tcp-flags":
            mask, comp = enc.values(opt)
            parts.append(enc.negate(enc.tcp_flags(mask, comp), opt))
        elif name == "syn":
            parts.append(enc.negate(enc.tcp_flags(("SYN", "RST", "ACK", "FIN"), ("SYN",)), opt))
        elif name == "tcp-option":
            parts.append(enc.opaque("--tcp-option"))
    return enc.all(*parts)


_FLAG_BITS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20,
              "ECE": 0x40, "CWR": 0x80, "ALL": 0x3F, "NONE": 0x00}
"""iptables' flag names (libxt_tcp: ALL is FIN,SYN,RST,PSH,ACK,URG; iptables 1.8.9 refuses ECE and CWR)."""


def _concrete(match, pkt):
    """As tcp_mt: a later fragment never matches; each port within its range; the flag byte
    ANDed with the mask equal to the compare value as given (a compare flag outside the mask
    never matches); --syn is --tcp-flags SYN,RST,ACK,FIN SYN; --tcp-option is not modelled."""
    opts = pkt.options(match)
    if "syn" in opts and "tcp-flags" in opts:
        pkt.refuse("--syn and --tcp-flags together")
    results = [pkt.test("proto", lambda proto: proto == 6), pkt.first_fragment()]
    for name, opt in opts.items():
        if name in ("source-port", "destination-port"):
            low, high = pkt.value(opt)
            field = "sport" if name == "source-port" else "dport"
            results.append(pkt.invert(pkt.test(field, lambda port: low <= port <= high), opt))
        elif name in ("tcp-flags", "syn"):
            if name == "syn":
                mask, comp = 0x17, 0x02
            else:
                mask_names, comp_names = pkt.values(opt)
                mask = comp = 0
                for n in mask_names:
                    mask |= _FLAG_BITS[n]
                for n in comp_names:
                    comp |= _FLAG_BITS[n]
            results.append(pkt.invert(pkt.test("tcpflags", lambda flags: flags & mask == comp), opt))
        elif name == "tcp-option":
            pkt.value(opt)
            results.append(pkt.unknown("--tcp-option: the TCP options are not modelled"))
    return pkt.all(*results)


_NFT_FLAGS = (("FIN", "fin"), ("SYN", "syn"), ("RST", "rst"), ("PSH", "psh"), ("ACK", "ack"),
              ("URG", "urg"), ("ECE", "ecn"), ("CWR", "cwr"))


_NFT_OPTION_NAMES = {0: "eol", 1: "nop", 2: "maxseg", 3: "window", 4: "sack-permitted", 5: "sack",
                     8: "timestamp", 19: "md5sig", 30: "mptcp", 34: "fastopen"}


def _nft_flag_names(names):
    """iptables flag names (ALL, NONE too) in nft's order and spelling."""
    wanted = set(names)
    if "ALL" in wanted:
        wanted |= {"FIN", "SYN", "RST", "PSH", "ACK", "URG"}
    return [nft for ipt, nft in _NFT_FLAGS if ipt in wanted]


def _nft_any_segment(ctx):
    """A relation every TCP segment that is no later fragment satisfies."""
    return ctx.match(ctx.payload("tcp", "sport"), ctx.range(0, 65535, "inet_service"))


def _nft_flags(ctx, opt, mask_names, comp_names):
    """``tcp flags & (mask) == comp``: of the flags in the mask, exactly those in comp are set."""
    mask = _nft_flag_names(mask_names)
    comp = _nft_flag_names(comp_names)
    if not set(comp) <= set(mask) or not mask:
        # (flags & mask) == comp is always false (comp outside the mask) or always true (empty)
        if (not mask and set(comp) <= set(mask)) != opt.negated:
            return _nft_any_segment(ctx)
        ctx.never(f"{opt.written} {' '.join(opt.values)} holds for no segment", opt)
    compared = ctx.bits(comp) if comp else ctx.number(0)
    return ctx.compare(ctx.masked(ctx.payload("tcp", "flags"), ctx.bits(mask)),
                       "!=" if opt.negated else "==", compared)


def _nft(match, ctx):
    """Ports as ``tcp sport``/``tcp dport``; --tcp-flags and --syn as ``tcp flags & (mask) ==
    comp``; --tcp-option as ``tcp option N exists``.  Each reads the TCP header, which nft (as
    iptables) never does in a later fragment.  Without options the match still refuses later
    fragments: unless conntrack reassembles every packet (the ruleset uses it), that is written
    as ``tcp sport 0-65535``."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name in ("source-port", "destination-port"):
            low, high = ctx.value(opt)
            field = "sport" if name == "source-port" else "dport"
            parts.append(ctx.match(ctx.payload("tcp", field), ctx.range(low, high, "inet_service"),
                                   opt.negated))
        elif name == "tcp-flags":
            mask, comp = ctx.values(opt)
            parts.append(_nft_flags(ctx, opt, mask, comp))
        elif name == "syn":
            parts.append(_nft_flags(ctx, opt, ("SYN", "RST", "ACK", "FIN"), ("SYN",)))
        elif name == "tcp-option":
            kind = ctx.value(opt)
            data = {"name": _NFT_OPTION_NAMES[kind]} if kind in _NFT_OPTION_NAMES else \
                {"base": kind, "offset": 0, "len": 8}
            option = ctx.term(f"tcp option {kind}", {"tcp option": data}, protocol="tcp")
            found = ctx.literal("missing" if opt.negated else "exists", not opt.negated)
            parts.append(ctx.match(option, found))
    if not parts and not ctx.conntrack_in_use:
        parts.append(_nft_any_segment(ctx))
    return parts


EXTENSION = match(
    "tcp",
    OptionSpec("source-port", aliases=("sport",), value=TCP_PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=TCP_PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    OptionSpec("tcp-flags", arity=2, value=(TCP_FLAG_LIST, TCP_FLAG_LIST), invertible=True,
               help="MASK COMP: of the flags in MASK, exactly those in COMP are set"),
    OptionSpec("syn", arity=0, invertible=True,
               help="SYN set, ACK, RST and FIN clear: a connection request"),
    OptionSpec("tcp-option", value=UINT8, invertible=True, help="TCP option number present"),
    summary="TCP ports, flags and options",
    protocols=frozenset({"tcp", "6"}),
    implied_by=frozenset({"tcp", "6"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"syn", "tcp-flags"}),),
)
