"""recent: keep lists of recently seen addresses, add to them and test against them."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import OptionSpec, ValueProblem, match
from fwlint.extensions.values import ADDRESS, ANY, integer


def _meaning(match, enc):
    """--set on its own adds the address and always matches (! --set never does); the list
    tests (--rcheck, --update, --remove) depend on traffic seen before: not modelled."""
    opts = enc.options(match)
    tests = [n for n in ("rcheck", "update", "remove") if n in opts]
    if "set" in opts and not tests:
        return enc.false if opts["set"].negated else enc.true
    return enc.opaque("-m recent")


def _validate(options: tuple[Option, ...]) -> Iterator[ValueProblem]:
    """What iptables (--reap) and the kernel (the rest) refuse across options."""
    given = {o.name: o for o in options}
    if "reap" in given and "seconds" not in given:
        yield ValueProblem("reap", "--reap needs --seconds (entries older than that are purged)")
    for name in ("seconds", "hitcount"):
        if name in given and ("set" in given or "remove" in given):
            action = "--set" if "set" in given else "--remove"
            yield ValueProblem(name, f"--{name} works with --rcheck or --update only: the kernel "
                                     f"refuses it with {action}")
    hitcount = given.get("hitcount")
    if hitcount is not None and hitcount.value is not None and hitcount.value.isdigit() \
            and int(hitcount.value) > 65535:
        yield ValueProblem("hitcount", f"--hitcount {hitcount.value}: the kernel keeps at most "
                                       "65535 hits per address and refuses a larger count")
    name = given.get("name")
    if name is not None and name.value == "":
        yield ValueProblem("name", "an empty --name: the kernel refuses it")



def _concrete(match, pkt):
    """--set on its own adds the address to the list and matches (! --set never does);
    --rcheck, --update and --remove depend on the traffic seen before: not modelled."""
    opts = pkt.options(match)
    for opt in opts.values():
        if opt.values:
            pkt.value(opt)
    if "set" in opts and not any(n in opts for n in ("rcheck", "update", "remove")):
        return not opts["set"].negated
    return pkt.unknown("-m recent: the list's contents depend on the traffic seen before")


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
    OptionSpec("seconds", value=integer(1, 0xFFFFFFFF),
               help="only if seen within this many seconds (with --rcheck or --update)"),
    OptionSpec("reap", arity=0, help="purge entries older than --seconds"),
    OptionSpec("hitcount", value=integer(0, 0xFFFFFFFF),
               help="only if seen at least this many times (with --rcheck or --update)"),
    OptionSpec("rttl", arity=0, help="also require the TTL the address was recorded with"),
    summary="lists of recently seen addresses (port knocking, brute-force throttling)",
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"set", "rcheck", "update", "remove"}),),
    required=(frozenset({"set", "rcheck", "update", "remove"}),),
    validate=lambda options, family: _validate(options),
)
