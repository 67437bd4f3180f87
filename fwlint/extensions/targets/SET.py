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
    meaning=_meaning,
    required=(frozenset({"add-set", "del-set", "map-set"}),),
)
