"""SET: add the packet's addresses/ports to an ipset, delete them, or take packet data from one."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import ANY, SET_FLAGS, UINT32


def _meaning(target, enc):
    """The packet goes on; with --map-set --map-mark its mark comes from the set (any value,
    as far as the model says)."""
    opts = enc.options(target)
    if "map-mark" in opts:
        return enc.go_on(enc.havoc("mark"))
    return enc.go_on()


def _nft(target, ctx):
    """--add-set NAME src as ``add @NAME { ip saddr }`` (``update`` with --exist, which resets
    the timeout of an entry that is there; ``timeout Ns`` with --timeout), --del-set as
    ``delete @NAME { ... }``; the set comes from --ipset and is made dynamic.  --map-set has no
    nft form."""
    from fwlint.extensions.matches.set import _nft_key

    opts = ctx.options(target)
    if "map-set" in opts:
        ctx.refuse("--map-set: nft cannot take the mark, priority or queue from a set entry this way",
                   opts["map-set"])
    out = []
    for option, verb in (("add-set", "update" if "exist" in opts else "add"), ("del-set", "delete")):
        if option not in opts:
            continue
        opt = opts[option]
        name, directions = ctx.values(opt)
        ipset = ctx.ipset(name, opt)
        if ipset.interval:
            ctx.refuse(f"ipset {name} ({ipset.type}) holds networks: nft cannot add to an interval set "
                       "from the packet path", opt)
        ipset.dynamic = True
        key = _nft_key(ctx, ipset, directions, opt)
        ref = f"@{ipset.nft_name}"
        elem_text, elem_json = key.text, key.json
        if option == "add-set" and "timeout" in opts:
            seconds = ctx.value(opts["timeout"])
            if ipset.timeout is None:
                ctx.refuse(f"--timeout: ipset {name} was created without timeouts", opts["timeout"],
                           refused=True)
            elem_text += f" timeout {seconds}s"
            elem_json = {"elem": {"val": key.json, "timeout": seconds}}
        out.append(ctx.statement(f"{verb} {ref} {{ {elem_text} }}",
                                 {"set": {"op": verb, "elem": elem_json, "set": ref}}))
    if not out:
        ctx.refuse("-j SET needs --add-set, --del-set or --map-set (iptables refuses it)", target,
                   refused=True)
    return out


EXTENSION = target(
    "SET",
    OptionSpec("add-set", arity=2, value=(ANY, SET_FLAGS),
               help="SETNAME FLAGS: add the packet's src/dst fields to the set"),
    OptionSpec("del-set", arity=2, value=(ANY, SET_FLAGS),
               help="SETNAME FLAGS: delete the packet's src/dst fields from the set"),
    OptionSpec("map-set", arity=2, value=(ANY, SET_FLAGS),
               help="SETNAME FLAGS: look the packet up in a skbinfo set (mangle table only)"),
    OptionSpec("timeout", value=UINT32, help="timeout of added entries, instead of the set's default"),
    OptionSpec("exist", arity=0, help="when the entry exists, reset its timeout"),
    OptionSpec("map-mark", arity=0, help="with --map-set: set the packet mark from the entry"),
    OptionSpec("map-prio", arity=0,
               help="with --map-set: set the tc priority (OUTPUT, FORWARD, POSTROUTING)"),
    OptionSpec("map-queue", arity=0,
               help="with --map-set: set the hardware queue (OUTPUT, FORWARD, POSTROUTING)"),
    summary="update an ipset from the packet and continue",
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"add-set", "del-set", "map-set"}),),
)
