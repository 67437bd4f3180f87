"""hashlimit: rate limits kept per group (source/destination address, port) in a hash table."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import (ANY, HASHLIMIT_BURST, HASHLIMIT_RATE, PREFIX_LENGTH, UINT32,
                                      choice_list)

EXTENSION = match(
    "hashlimit",
    OptionSpec("hashlimit-upto", aliases=("hashlimit",), value=HASHLIMIT_RATE, invertible=True,
               help="match while the group's rate is at most this (N/unit, or bytes as Nkb/s)"),
    OptionSpec("hashlimit-above", value=HASHLIMIT_RATE, invertible=True,
               help="match once the group's rate exceeds this"),
    OptionSpec("hashlimit-burst", value=HASHLIMIT_BURST,
               help="initial allowance, packets (or bytes for byte rates); 5 by default"),
    OptionSpec("hashlimit-mode", value=choice_list("srcip", "srcport", "dstip", "dstport",
                                                   what="hashlimit mode"),
               help="what makes a group: srcip, srcport, dstip, dstport, comma-separated"),
    OptionSpec("hashlimit-srcmask", value=PREFIX_LENGTH,
               help="prefix length source addresses are grouped by (with mode srcip)"),
    OptionSpec("hashlimit-dstmask", value=PREFIX_LENGTH,
               help="prefix length destination addresses are grouped by (with mode dstip)"),
    OptionSpec("hashlimit-name", value=ANY,
               help="name of the table (/proc/net/ipt_hashlimit/NAME); required"),
    OptionSpec("hashlimit-htable-size", value=UINT32, help="number of hash buckets"),
    OptionSpec("hashlimit-htable-max", value=UINT32, help="most entries the table holds"),
    OptionSpec("hashlimit-htable-expire", value=UINT32, help="milliseconds before an idle entry expires"),
    OptionSpec("hashlimit-htable-gcinterval", value=UINT32, help="milliseconds between garbage collections"),
    OptionSpec("hashlimit-rate-match", arity=0,
               help="classify flows by rate (above/below) instead of limiting them"),
    OptionSpec("hashlimit-rate-interval", value=UINT32,
               help="seconds between rate samples, with --hashlimit-rate-match"),
    summary="per-group rate limit (per source, destination, port ...)",
    meaning=Opaque("rates depend on the traffic before the packet"),
    exclusive=(frozenset({"hashlimit-upto", "hashlimit-above"}),),
    required=(frozenset({"hashlimit-upto", "hashlimit-above"}), frozenset({"hashlimit-name"})),
)
