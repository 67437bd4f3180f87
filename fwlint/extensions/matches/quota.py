"""quota: match until a byte budget, shared by the rule, is used up."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT64


def _nft(match, ctx):
    """``quota until N+1 bytes``: quota_mt takes a packet while what is left holds it
    (used + length <= N); nft's quota while used + length < its figure.  Negated, ``quota over``."""
    opts = ctx.options(match)
    if "quota" not in opts:
        ctx.refuse("-m quota needs --quota (iptables refuses it)", match, refused=True)
    opt = opts["quota"]
    limit = ctx.value(opt) + 1
    mode = "over" if opt.negated else "until"
    data = {"val": limit, "val_unit": "bytes"}
    if opt.negated:
        data["inv"] = True
    return [ctx.matching(f"quota {mode} {limit} bytes", {"quota": data})]


EXTENSION = match(
    "quota",
    OptionSpec("quota", value=UINT64, invertible=True,
               help="bytes; matches until they are spent (negated: only afterwards)"),
    summary="byte quota",
    nft=_nft,
    meaning=Opaque("a byte budget depends on the traffic before the packet"),
    required=(frozenset({"quota"}),),
)
