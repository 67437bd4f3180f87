"""iptables' own command-line options: commands and the parameters that are not a match.

The matches (-p -s -d -i -o -f and every -m) and targets live in
fwlint/extensions/; this table holds only what iptables itself parses in
do_command: the commands (-A, -I ...) and -j, -g, -m, -t, -4, -6, -c and the
listing flags.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoreOption:
    name: str           # canonical long name
    short: str | None
    kind: str           # "command", "jump", "goto", "match", "table", "family", "counters", "flag", "wait"
    arity: int = 0      # values always taken
    optional: int = 0   # values taken when they look right (a number, a chain name)


CORE_OPTIONS: tuple[CoreOption, ...] = (
    CoreOption("append", "A", "command", 1),
    CoreOption("check", "C", "command", 1),
    CoreOption("delete", "D", "command", 1, 1),
    CoreOption("insert", "I", "command", 1, 1),
    CoreOption("replace", "R", "command", 2),
    CoreOption("list", "L", "command", 0, 1),
    CoreOption("list-rules", "S", "command", 0, 1),
    CoreOption("flush", "F", "command", 0, 1),
    CoreOption("zero", "Z", "command", 0, 2),
    CoreOption("new-chain", "N", "command", 1),
    CoreOption("delete-chain", "X", "command", 0, 1),
    CoreOption("policy", "P", "command", 2),
    CoreOption("rename-chain", "E", "command", 2),
    CoreOption("jump", "j", "jump", 1),
    CoreOption("goto", "g", "goto", 1),
    CoreOption("match", "m", "match", 1),
    CoreOption("table", "t", "table", 1),
    CoreOption("ipv4", "4", "family"),
    CoreOption("ipv6", "6", "family"),
    CoreOption("set-counters", "c", "counters", 2),
    CoreOption("verbose", "v", "flag"),
    CoreOption("numeric", "n", "flag"),
    CoreOption("exact", "x", "flag"),
    CoreOption("line-numbers", None, "flag"),
    CoreOption("wait", "w", "wait", 0, 1),
    CoreOption("wait-interval", "W", "wait", 1),
    CoreOption("modprobe", "M", "flag", 1),
    CoreOption("help", "h", "flag"),
    CoreOption("version", "V", "flag"),
)

CORE_LONG: dict[str, CoreOption] = {o.name: o for o in CORE_OPTIONS}
CORE_SHORT: dict[str, CoreOption] = {o.short: o for o in CORE_OPTIONS if o.short}
