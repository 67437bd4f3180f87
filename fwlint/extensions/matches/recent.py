"""recent: keep lists of recently seen addresses, add to them and test against them."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import OptionSpec, ValueProblem, match
from fwlint.extensions.values import ADDRESS, PROC_NAME, integer


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


def _nft(match, ctx):
    """A dynamic set of addresses per list, ``recent_NAME``, whose elements time out after
    --seconds: --set as ``update @recent_NAME { ip saddr }``, --rcheck as ``ip saddr
    @recent_NAME``, --update as that and the update, --remove as ``ip saddr @recent_NAME delete
    @recent_NAME { ip saddr }``; --rdest and --mask choose and mask the address.  Approximate
    (FW602): nft keeps one timeout per address, not ipt_recent's last hits, so rules of one list
    that give different --seconds share the longest, and a full set takes no new address
    (ipt_recent forgets its oldest).  --hitcount above 1 (with --rcheck or --update) cannot be
    counted: FW601."""
    import ipaddress

    opts = ctx.options(match)
    name = ctx.value(opts["name"]) if "name" in opts else "DEFAULT"
    for unsupported in ("rttl",):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft's sets keep no TTL to compare", opts[unsupported])
    field = "daddr" if "rdest" in opts else "saddr"
    key = ctx.ip(field)
    if "mask" in opts:
        mask = ctx.value(opts["mask"])
        full = ipaddress.ip_address("255.255.255.255" if ctx.family == 4 else "ffff:" * 7 + "ffff")
        if mask != full:
            key = ctx.masked(key, ctx.symbol(str(mask)))
    seconds = ctx.value(opts["seconds"]) if "seconds" in opts else None
    if "hitcount" in opts and ("rcheck" in opts or "update" in opts):
        hits = int(ctx.value(opts["hitcount"]))
        if hits > 1:  # 0 tests nothing; every address in the list has been seen at least once
            window = "" if seconds is None else f" within {seconds} second{'s' if seconds != 1 else ''}"
            ctx.refuse(f"--hitcount {hits}: nft's sets keep one timeout per address, not the times of "
                       f"its last hits, so they cannot count {hits} hits{window} (translated without the "
                       "count, the rule would take every address in the list)", opts["hitcount"])
    set_name = ctx.dynamic_set(f"recent_{name}", ctx.address_type(), timeout=seconds, size=65535,
                               note=f"recent list {name}")
    ref = f"@{set_name}"
    member = ctx.match(key, ctx.literal(ref, ref), False)
    not_member = ctx.match(key, ctx.literal(ref, ref), True)
    differs = ["nft keeps one timeout per address, not the times of its last hits"]

    def update(op):
        return ctx.statement(f"{op} {ref} {{ {key.text} }}",
                             {"set": {"op": op, "elem": key.json, "set": ref}},
                             stateful=True)

    parts = []
    if "set" in opts:
        if opts["set"].negated:
            ctx.refuse("! --set: adds the address and never matches", opts["set"])
        parts = [update("update")]
    elif "rcheck" in opts:
        parts = [not_member if opts["rcheck"].negated else member]
    elif "update" in opts:
        if opts["update"].negated:
            differs.append("! --update refreshes an address it finds (and does not match); nft does not")
            parts = [not_member]
        else:
            parts = [member, update("update")]
    elif "remove" in opts:
        parts = [not_member] if opts["remove"].negated else [member, update("delete")]
    else:
        ctx.refuse("-m recent needs --set, --rcheck, --update or --remove (iptables refuses it)",
                   match, refused=True)
    ctx.approximate("recent as a dynamic set with timeout: " + "; ".join(differs), match)
    return parts


EXTENSION = match(
    "recent",
    OptionSpec("name", value=PROC_NAME, help="the list to use; DEFAULT when not given"),
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
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"set", "rcheck", "update", "remove"}),),
    required=(frozenset({"set", "rcheck", "update", "remove"}),),
    validate=lambda options, family: _validate(options),
)
