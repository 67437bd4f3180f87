"""osf: passive OS fingerprinting of TCP SYN packets."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import choice


def _nft(match, ctx):
    """``osf name "Linux"`` (``osf ttl loose name``, ``osf ttl skip name`` for --ttl 1 and 2;
    --ttl 0, the TTL equal to the fingerprint's, is nft's default), negated ``!=``; nft reads
    the same fingerprints (loaded with nfnl_osf).  --log has no nft form."""
    opts = ctx.options(match)
    if "log" in opts:
        ctx.refuse("--log: nft's osf expression does not log fingerprints", opts["log"])
    if "genre" not in opts:
        ctx.refuse("-m osf needs --genre (iptables refuses it)", match, refused=True)
    opt = opts["genre"]
    ttl = ctx.value(opts["ttl"]) if "ttl" in opts else "0"
    ttl_word = {"0": "", "1": " ttl loose", "2": " ttl skip"}[ttl]
    data = {"key": "name"}
    if ttl_word:
        data["ttl"] = ttl_word.split()[-1]
    left = ctx.term(f"osf{ttl_word} name", {"osf": data})
    return [ctx.match(left, ctx.string(ctx.value(opt), opt), opt.negated)]


EXTENSION = match(
    "osf",
    OptionSpec("genre", invertible=True, help="the operating system genre, e.g. Linux"),
    OptionSpec("ttl", value=choice("0", "1", "2", what="TTL check level"),
               help="0: compare IP TTL exactly, 1: TTL below the fingerprint's, 2: ignore TTL"),
    OptionSpec("log", value=choice("0", "1", "2", what="log level"),
               help="log genres to dmesg: 0 all, 1 first only, 2 known matches"),
    summary="passive operating system fingerprint (needs fingerprints loaded with nfnl_osf)",
    chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}),
    protocols=frozenset({"tcp", "6"}),
    family=4,
    nft=_nft,
    meaning=Opaque("OS fingerprints are not modelled"),
    required=(frozenset({"genre"}),),
)
