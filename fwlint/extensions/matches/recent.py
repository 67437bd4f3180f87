"""recent: keep lists of recently seen addresses, add to them and test against them."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ADDRESS, ANY, UINT32


def _meaning(match, enc):
    """--set on its own adds the address and always matches (! --set never does); the list
    tests (--rcheck, --update, --remove) depend on traffic seen before: not modelled."""
    opts = enc.options(match)
    tests = [n for n in ("rcheck", "update", "remove") if n in opts]
    if "set" in opts and not tests:
        return enc.false if opts["set"].negated else enc.true
    return enc.opaque("-m recent")


EXTENSION = match(
    "recent",
    OptionSpec("name", value=ANY, help="the list to use; DEFAULT when not given"),
    OptionSpec("set", arity=0, invertible=True,
               help="add (or refresh) the address in the list; always matches"),
    OptionSpec("rcheck", arity=0, invertible=True, help="the address is in the list"),
    OptionSpec("update", arity=0, invertible=True,
               help="the address is in the list; refresh its last-seen time"),
    OptionSpec("remove", arity=0, invertible=True,
               help="the address is in the list; take it out"),
    OptionSpec("rsource", arity=0, help="use the source address (the default)"),
    OptionSpec("rdest", arity=0, help="use the destination address"),
    OptionSpec("mask", value=ADDRESS, help="netmask applied to addresses before use"),
    OptionSpec("seconds", value=UINT32,
               help="only if seen within this many seconds (with --rcheck or --update)"),
    OptionSpec("reap", arity=0, help="purge entries older than --seconds"),
    OptionSpec("hitcount", value=UINT32,
               help="only if seen at least this many times (with --rcheck or --update)"),
    OptionSpec("rttl", arity=0, help="also require the TTL the address was recorded with"),
    summary="lists of recently seen addresses (port knocking, brute-force throttling)",
    meaning=_meaning,
    exclusive=(frozenset({"set", "rcheck", "update", "remove"}),),
    required=(frozenset({"set", "rcheck", "update", "remove"}),),
)
