"""set: look the packet's addresses and ports up in an ipset."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import ANY, SET_FLAGS, UINT64

EXTENSION = match(
    "set",
    OptionSpec("match-set", aliases=("set",), arity=2, value=(ANY, SET_FLAGS), invertible=True,
               help="SETNAME FLAGS: the packet's src/dst fields (comma-separated, up to six) are in the set"),
    OptionSpec("return-nomatch", arity=0,
               help="an element flagged nomatch matches, a plain element does not"),
    OptionSpec("update-counters", arity=0, invertible=True,
               help="only meaningful negated: ! --update-counters leaves the element counters alone"),
    OptionSpec("update-subcounters", arity=0, invertible=True,
               help="only meaningful negated: leave the counters of list:set members alone"),
    OptionSpec("packets-eq", value=UINT64, invertible=True, help="the element's packet counter equals this"),
    OptionSpec("packets-lt", value=UINT64, help="the element's packet counter is below this"),
    OptionSpec("packets-gt", value=UINT64, help="the element's packet counter is above this"),
    OptionSpec("bytes-eq", value=UINT64, invertible=True, help="the element's byte counter equals this"),
    OptionSpec("bytes-lt", value=UINT64, help="the element's byte counter is below this"),
    OptionSpec("bytes-gt", value=UINT64, help="the element's byte counter is above this"),
    summary="membership in an ipset",
    meaning=Opaque("ipset contents are not part of the ruleset"),
    exclusive=(
        frozenset({"packets-eq", "packets-lt", "packets-gt"}),
        frozenset({"bytes-eq", "bytes-lt", "bytes-gt"}),
    ),
    required=(frozenset({"match-set"}),),
)
