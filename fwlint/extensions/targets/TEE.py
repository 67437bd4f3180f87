"""TEE: send a copy of the packet to another host on the local segment; the original continues."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import ADDRESS, text


def _meaning(target, enc):
    """The original goes on unchanged."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """``dup to 192.0.2.1``: a copy of the packet routed to the gateway."""
    opts = ctx.options(target)
    if "gateway" not in opts:
        ctx.refuse("-j TEE needs --gateway (iptables refuses it)", target, refused=True)
    gateway = str(ctx.value(opts["gateway"]))
    prefix = ("ip " if ctx.family == 4 else "ip6 ") if ctx.inet else ""
    return [ctx.statement(f"dup {prefix}to {gateway}", {"dup": {"addr": gateway}})]


EXTENSION = target(
    "TEE",
    OptionSpec("gateway", value=ADDRESS, help="next hop for the copy (not 0.0.0.0 or ::)"),
    OptionSpec("oif", value=text(truncated_at=15, what="interface name"),
               help="send the copy out of this interface"),
    summary="mirror the packet to a gateway and continue (accepted in every table and chain)",
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"gateway"}),),
)
