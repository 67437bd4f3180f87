"""rpfilter: reverse path filter: would a reply leave by the interface the packet came in on?"""

from fwlint.extensions import Opaque, OptionSpec, match


def _nft(match, ctx):
    """``fib saddr . iif oif exists`` (the source is reachable back through the interface it
    came in on; ``fib saddr oif exists`` with --loose, ``. mark`` with --validmark), ``missing``
    with --invert; nft's fib answers loopback packets and the 0.0.0.0 sources of broadcasts
    as rpfilter does.  --accept-local has no nft form."""
    opts = ctx.options(match)
    if "accept-local" in opts:
        ctx.refuse("--accept-local: nft's fib cannot accept a local source address in the same test",
                   opts["accept-local"])
    flags = ["saddr"]
    if "validmark" in opts:
        flags.append("mark")
    if "loose" not in opts:
        flags.append("iif")
    valid = "invert" not in opts
    left = ctx.term(f"fib {' . '.join(flags)} oif", {"fib": {"result": "oif", "flags": flags}})
    return [ctx.match(left, ctx.literal("exists" if valid else "missing", valid))]


EXTENSION = match(
    "rpfilter",
    OptionSpec("loose", arity=0, help="pass if there is any route back, whatever the interface"),
    OptionSpec("validmark", arity=0, help="use the packet mark in the reverse route lookup"),
    OptionSpec("accept-local", arity=0, help="pass packets whose source is a local address"),
    OptionSpec("invert", arity=0, help="match packets that fail the test (the match has no !)"),
    summary="reverse path (anti-spoofing) test",
    tables=frozenset({"raw", "mangle"}),
    chains=frozenset({"PREROUTING"}),
    nft=_nft,
    meaning=Opaque("depends on the routing table"),
)
