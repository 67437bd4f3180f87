"""TCPOPTSTRIP: blank out TCP options (they become NO-OPs)."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import TCP_OPTION_LIST


def _meaning(target, enc):
    """The packet goes on (TCP options are not modelled fields)."""
    enc.options(target)
    return enc.go_on()


_NFT_NAMES = {2: "maxseg", 3: "window", 4: "sack-permitted", 5: "sack", 8: "timestamp", 19: "md5sig",
              30: "mptcp", 34: "fastopen"}


def _nft(target, ctx):
    """``reset tcp option sack-permitted`` for each option: nft turns it into NOPs, as
    TCPOPTSTRIP does."""
    opts = ctx.options(target)
    if "strip-options" not in opts:
        ctx.refuse("-j TCPOPTSTRIP needs --strip-options (iptables refuses it)", target, refused=True)
    out = []
    for kind in sorted(ctx.value(opts["strip-options"])):
        name = _NFT_NAMES.get(kind)
        if name is None:
            ctx.refuse(f"option {kind}: nft names no such TCP option to reset", opts["strip-options"])
        out.append(ctx.statement(f"reset tcp option {name}", {"reset": {"tcp option": {"name": name}}}))
    return out


EXTENSION = target(
    "TCPOPTSTRIP",
    OptionSpec("strip-options", value=TCP_OPTION_LIST,
               help="comma-separated option numbers or names: mss, wscale, sack-permitted, sack, "
                    "timestamp, md5"),
    summary="remove TCP options and continue",
    tables=frozenset({"mangle"}),
    protocols=frozenset({"tcp", "6"}),
    nft=_nft,
    meaning=_meaning,
)
