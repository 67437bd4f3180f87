"""The iptables-save form of a Ruleset, as ``iptables-save`` (legacy, 1.8) prints it.

A table is ``*name``, its chains ``:NAME POLICY [0:0]`` (built-in chains in hook order, then
user chains sorted by name, with ``-`` for their policy), every rule as ``-A CHAIN ...``, and
``COMMIT``.  Tables come in the reverse of the order the ruleset first used them, as the kernel
lists them after a script ran in a fresh network namespace.

Rules are printed in iptables-save's canonical form, so that the output compares equal with
what the kernel gives back: the built-in match as ``-s -d -i -o -p -f`` (addresses with their
prefix length, protocols by name), the protocol match made explicit (``-p tcp -m tcp``), each
match and target with its options in the order and spelling its save function prints (ports
and ICMP types as numbers, states and TCP flags in kernel order, rates in the unit iptables
picks, marks in hex, defaults such as REJECT's ``--reject-with`` filled in).  ``-s``/``-d``
lists become one rule per address pair, as iptables makes them.  An option fwlint has no
canonical form for is printed as written, under its canonical long name.  A value a script
could not resolve is printed as its placeholder (``$WAN``), under a comment that says so.
"""

from __future__ import annotations

import ipaddress
from typing import Iterator

from fwlint.ast import BUILTIN_CHAINS, Match, Option, Rule, Ruleset, Table, Target
from fwlint.data.services import PROTOCOLS
from fwlint.extensions import Registry, default_registry
from fwlint.extensions import values as vt

# Protocol numbers to the name iptables-save prints: /etc/protocols' own name first (as
# getprotobynumber gives it), then iptables' built-in names.
PROTOCOL_NAMES: dict[int, str] = {}
for _name, _number in PROTOCOLS.items():
    PROTOCOL_NAMES.setdefault(_number, _name)
for _name, _number in (("icmpv6", 58), ("mh", 135)):
    PROTOCOL_NAMES.setdefault(_number, _name)

# Options iptables-save prints under another of their names.
SAVED_AS: dict[tuple[str, str], str] = {
    **{(ext, "source-port"): "sport" for ext in ("tcp", "udp", "sctp", "dccp")},
    **{(ext, "destination-port"): "dport" for ext in ("tcp", "udp", "sctp", "dccp")},
    ("multiport", "source-ports"): "sports",
    ("multiport", "destination-ports"): "dports",
}

# The order a save function prints options in, where it is not the declaration order.
SAVE_ORDER: dict[str, tuple[str, ...]] = {
    "tcp": ("source-port", "destination-port", "tcp-option", "tcp-flags", "syn"),
    "LOG": ("log-prefix", "log-level", "log-tcp-sequence", "log-tcp-options", "log-ip-options",
            "log-uid", "log-macdecode"),
    "NFLOG": ("nflog-prefix", "nflog-group", "nflog-range", "nflog-size", "nflog-threshold"),
    "recent": ("set", "rcheck", "update", "remove", "seconds", "reap", "hitcount", "rttl", "name",
               "mask", "rsource", "rdest"),
}

STATE_ORDER = ("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT")
TCP_FLAG_BITS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20,
                 "ALL": 0x3F, "NONE": 0}
TCP_FLAG_ORDER = ("FIN", "SYN", "RST", "PSH", "ACK", "URG")
LOG_LEVELS = {"emerg": 0, "alert": 1, "crit": 2, "error": 3, "err": 3, "warning": 4, "warn": 4,
              "notice": 5, "info": 6, "debug": 7}
REJECT_NAMES = {
    "net-unreach": "icmp-net-unreachable", "host-unreach": "icmp-host-unreachable",
    "port-unreach": "icmp-port-unreachable", "proto-unreach": "icmp-proto-unreachable",
    "net-prohib": "icmp-net-prohibited", "host-prohib": "icmp-host-prohibited",
    "admin-prohib": "icmp-admin-prohibited", "tcp-rst": "tcp-reset",
    "no-route": "icmp6-no-route", "adm-prohibited": "icmp6-adm-prohibited",
    "addr-unreach": "icmp6-addr-unreachable", "policy-fail": "icmp6-policy-fail",
    "reject-route": "icmp6-reject-route",
}
REJECT_V6 = {"icmp-port-unreachable": "icmp6-port-unreachable", "port-unreach": "icmp6-port-unreachable"}
_NO_QUOTE = frozenset("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SAVE_STRINGS = frozenset({"comment", "log-prefix", "nflog-prefix"})
_FULL_MARK = 0xFFFFFFFF


def save_string(text: str) -> str:
    """A string as xtables_save_string prints it: bare when only letters, digits, _ and -, else
    double-quoted with ``"``, ``'`` and ``\\`` escaped."""
    if text and all(c in _NO_QUOTE for c in text):
        return text
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")
    return f'"{out}"'


def _word(text: str) -> str:
    """A value as written, quoted only when iptables-restore would otherwise split it."""
    if text and not any(c.isspace() or c in "\"'" for c in text):
        return text
    return save_string(text) if text else '""'


# --- values ----------------------------------------------------------------------------------

def _parsed(value_type: vt.ValueType, text: str, family: int, protocol: str | None = None):
    try:
        return value_type.parse(text, family, protocol)
    except (ValueError, TypeError, KeyError):
        return None


def _port_range(lo_hi) -> str:
    lo, hi = lo_hi
    return str(lo) if lo == hi else f"{lo}:{hi}"


def _network(net) -> str:
    return f"{net.network_address}/{net.prefixlen}"


def _states(items) -> str:
    chosen = {str(s).upper() for s in items}
    return ",".join(s for s in STATE_ORDER if s in chosen)


def _tcp_flags(items) -> str:
    bits = 0
    for name in items:
        bits |= TCP_FLAG_BITS.get(str(name).upper(), 0)
    if not bits:
        return "NONE"
    return ",".join(f for f in TCP_FLAG_ORDER if bits & TCP_FLAG_BITS[f])


def _icmp(parsed) -> str:
    type_, low, high = parsed
    if type_ == 255 and low == 0 and high == 255:
        return "any"
    return str(type_) if (low, high) == (0, 255) else f"{type_}/{low}"


def _mark(parsed) -> str:
    value, mask = parsed
    return f"0x{value:x}" if mask == _FULL_MARK else f"0x{value:x}/0x{mask:x}"


_RATE_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_UNITS = (("day", 864_000_000), ("hour", 36_000_000), ("min", 600_000), ("sec", 10_000))


def rate(text: str) -> str | None:
    """A limit rate as libxt_limit prints it: the period in 1/10000 s, shown in the largest unit
    that keeps it whole (``6/m`` is ``6/min``, ``12/s`` is ``12/sec``)."""
    number, _, unit = text.partition("/")
    if not number.isdigit() or int(number) == 0:
        return None
    seconds = _RATE_SECONDS.get(unit[:1].lower() if unit else "s")
    if seconds is None:
        return None
    period = 10_000 * seconds // int(number)
    if period == 0:
        return None
    i = 1
    while i < len(_RATE_UNITS):
        mult = _RATE_UNITS[i][1]
        if period > mult or mult // period < mult % period:
            break
        i += 1
    name, mult = _RATE_UNITS[i - 1]
    return f"{mult // period}/{name}"


def _value_text(value_type: vt.ValueType, text: str, family: int, protocol: str | None) -> str:
    """One value in canonical form (as written when fwlint has no canonical form for it)."""
    if value_type in (vt.PORT_RANGE, vt.TCP_PORT_RANGE, vt.SCTP_PORT_RANGE, vt.UINT16_RANGE):
        parsed = _parsed(value_type, text, family, protocol)
        return _port_range(parsed) if isinstance(parsed, tuple) and len(parsed) == 2 else text
    if value_type is vt.PORT_LIST:
        parsed = _parsed(value_type, text, family, protocol)
        if isinstance(parsed, tuple) and all(isinstance(p, tuple) for p in parsed):
            return ",".join(_port_range(p) for p in parsed)
        return text
    if value_type is vt.NETWORK:
        parsed = _parsed(value_type, text, family)
        is_network = isinstance(parsed, (ipaddress.IPv4Network, ipaddress.IPv6Network))
        return _network(parsed) if is_network else text
    if value_type in (vt.STATE_LIST, vt.CT_STATE_LIST):
        parsed = _parsed(value_type, text, family)
        return _states(parsed) if parsed else text
    if value_type is vt.TCP_FLAG_LIST:
        parsed = _parsed(value_type, text, family)
        return _tcp_flags(parsed) if parsed is not None else text
    if value_type in (vt.ICMP_TYPE, vt.ICMPV6_TYPE):
        parsed = _parsed(value_type, text, family)
        return _icmp(parsed) if isinstance(parsed, tuple) and len(parsed) == 3 else text
    if value_type is vt.PROTOCOL:
        parsed = _parsed(value_type, text, family)
        return PROTOCOL_NAMES.get(parsed, str(parsed)) if isinstance(parsed, int) else text
    if value_type is vt.RATE:
        return rate(text) or text
    return text


# --- matches and targets ---------------------------------------------------------------------

def _option_words(ext_name: str, opt: Option, spec, family: int, protocol: str | None) -> list[str]:
    name = SAVED_AS.get((ext_name, opt.name), opt.name) if spec is not None else opt.name
    words = ["!"] if opt.negated else []
    if ext_name == "tcp" and opt.name == "syn":
        return words + ["--tcp-flags", "FIN,SYN,RST,ACK", "SYN"]
    words.append(f"--{name}")
    if opt.unresolved:
        words.extend(_word(v) for v in opt.values)
        return words
    types = spec.value_types() if spec is not None else ()
    for i, text in enumerate(opt.values):
        if opt.name in _SAVE_STRINGS:
            words.append(save_string(text))
            continue
        value_type = types[i] if i < len(types) else None
        words.append(_word(_value_text(value_type, text, family, protocol) if value_type else text))
    return words


def _ordered(ext_name: str, options: tuple[Option, ...], ext) -> list[Option]:
    order = SAVE_ORDER.get(ext_name)
    if order is None and ext is not None:
        order = tuple(s.name for s in ext.options)
    if not order:
        return list(options)
    rank = {name: i for i, name in enumerate(order)}
    return sorted(options, key=lambda o: rank.get(o.name, len(rank)))


def _special_match(match: Match, family: int) -> list[str] | None:
    """Matches whose save output is not their options one by one."""
    if any(o.unresolved for o in match.options):
        return None
    if match.name == "limit":
        limit = match.option("limit")
        burst = match.option("limit-burst")
        shown = rate(limit.value or "") if limit is not None else "3/hour"
        if shown is None:
            return None
        out = ["--limit", shown]
        if burst is not None and burst.value is not None and burst.value.isdigit() and int(burst.value) != 5:
            out += ["--limit-burst", str(int(burst.value))]
        return out
    if match.name in ("mark", "connmark") and len(match.options) == 1:
        opt = match.options[0]
        parsed = _parsed(vt.MARK, opt.value or "", family)
        if opt.name != "mark" or not isinstance(parsed, tuple):
            return None
        return (["!"] if opt.negated else []) + ["--mark", _mark(parsed)]
    if match.name == "recent":
        order = SAVE_ORDER["recent"]
        groups: list[tuple[int, list[str]]] = []
        for opt in match.options:
            words = (["!"] if opt.negated else []) + [f"--{opt.name}"] + [_word(v) for v in opt.values]
            groups.append((order.index(opt.name) if opt.name in order else len(order), words))
        if match.option("name") is None:
            groups.append((order.index("name"), ["--name", "DEFAULT"]))
        if match.option("mask") is None:
            mask = "255.255.255.255" if family == 4 else "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
            groups.append((order.index("mask"), ["--mask", mask]))
        if match.option("rsource") is None and match.option("rdest") is None:
            groups.append((order.index("rsource"), ["--rsource"]))
        groups.sort(key=lambda g: g[0])
        return [w for _, words in groups for w in words]
    return None


def _match_words(match: Match, registry: Registry, family: int, protocol: str | None) -> list[str]:
    words = ["-m", match.name]
    special = _special_match(match, family)
    if special is not None:
        return words + special
    ext = registry.match(match.name)
    for opt in _ordered(match.name, match.options, ext):
        spec = ext.option(opt.name) if ext is not None else None
        words += _option_words(match.name, opt, spec, family, protocol)
    return words


def _target_words(target: Target, registry: Registry, family: int, protocol: str | None) -> list[str]:
    words = ["-g" if target.goto else "-j", target.name]
    ext = registry.target(target.name)
    name = target.name
    options = list(target.options)
    if name == "MARK" and len(options) == 1 and not options[0].unresolved:
        opt = options[0]
        xmark = _mark_target(opt, family)
        if xmark is not None:
            return words + ["--set-xmark", xmark]
    if name == "REJECT" and not any(o.unresolved for o in options):
        opt = target.option("reject-with")
        kind = opt.value if opt is not None and opt.value else "icmp-port-unreachable"
        if family == 6:
            kind = REJECT_V6.get(kind, kind)
        kind = REJECT_NAMES.get(kind, kind)
        return words + ["--reject-with", kind]
    if name == "LOG":
        out = []
        for opt in _ordered("LOG", tuple(options), ext):
            if opt.name == "log-level" and not opt.unresolved:
                level = (opt.value or "").lower()
                number = LOG_LEVELS.get(level, int(level) if level.isdigit() else None)
                if number == 4:
                    continue
                if number is not None:
                    out += ["--log-level", str(number)]
                    continue
            spec = ext.option(opt.name) if ext is not None else None
            out += _option_words(name, opt, spec, family, protocol)
        return words + out
    for opt in _ordered(name, tuple(options), ext):
        spec = ext.option(opt.name) if ext is not None else None
        words += _option_words(name, opt, spec, family, protocol)
    return words


def _mark_target(opt: Option, family: int) -> str | None:
    if opt.name in ("set-xmark", "set-mark"):
        parsed = _parsed(vt.MARK, opt.value or "", family)
        if not isinstance(parsed, tuple):
            return None
        value, mask = parsed
        if opt.name == "set-mark":
            mask = (mask | value) & _FULL_MARK
        return f"0x{value:x}/0x{mask:x}"
    parsed = _parsed(vt.UINT32, opt.value or "", family)
    if not isinstance(parsed, int):
        return None
    if opt.name == "and-mark":
        return f"0x0/0x{~parsed & _FULL_MARK:x}"
    if opt.name == "or-mark":
        return f"0x{parsed:x}/0x{parsed:x}"
    if opt.name == "xor-mark":
        return f"0x{parsed:x}/0x0"
    return None


# --- rules -----------------------------------------------------------------------------------

def _address_list(opt: Option | None, family: int) -> list[tuple[bool, str]]:
    if opt is None:
        return [(False, "")]
    if opt.unresolved:
        return [(opt.negated, opt.value or "")]
    items = (opt.value or "").split(",")
    out = []
    for item in items:
        parsed = _parsed(vt.NETWORK, item, family)
        out.append((opt.negated, _network(parsed) if parsed is not None else item))
    return out


def format_rule(rule: Rule, family: int, registry: Registry | None = None) -> list[str]:
    """The rule as iptables-save prints it: ``-A CHAIN ...`` (several lines when -s or -d
    lists addresses)."""
    registry = registry or default_registry()
    builtin = rule.match("builtin")
    opts = {o.name: o for o in builtin.options} if builtin is not None else {}
    protocol = rule.protocol
    sources = _address_list(opts.get("source"), family)
    destinations = _address_list(opts.get("destination"), family)
    rest: list[str] = []
    for name, flag in (("in-interface", "-i"), ("out-interface", "-o")):
        opt = opts.get(name)
        if opt is not None:
            rest += (["!"] if opt.negated else []) + [flag, _word(opt.value or "")]
    proto_opt = opts.get("protocol")
    if proto_opt is not None:
        shown = proto_opt.value or ""
        if not proto_opt.unresolved:
            shown = _value_text(vt.PROTOCOL, shown, family, None)
        if shown not in ("0", "all") or proto_opt.negated:
            rest += (["!"] if proto_opt.negated else []) + ["-p", _word(shown)]
    frag = opts.get("fragment")
    if frag is not None:
        rest += (["!"] if frag.negated else []) + ["-f"]
    for match in rule.matches:
        if match.name != "builtin":
            rest += _match_words(match, registry, family, protocol)
    for opt in rule.unclaimed:
        rest += (["!"] if opt.negated else []) + [opt.written or f"--{opt.name}"]
        rest += [_word(v) for v in opt.values]
    if rule.target is not None:
        rest += _target_words(rule.target, registry, family, protocol)
    lines = []
    for s_neg, s in sources:
        for d_neg, d in destinations:
            words = ["-A", rule.chain]
            if s:
                words += (["!"] if s_neg else []) + ["-s", _word(s)]
            if d:
                words += (["!"] if d_neg else []) + ["-d", _word(d)]
            lines.append(" ".join(words + rest))
    return lines


def _table_lines(table: Table, family: int, registry: Registry) -> Iterator[str]:
    yield f"*{table.name}"
    builtin_order = BUILTIN_CHAINS.get(table.name, ())
    builtins = sorted((c for c in table.chains if c.builtin),
                      key=lambda c: builtin_order.index(c.name) if c.name in builtin_order else 99)
    users = sorted((c for c in table.chains if not c.builtin), key=lambda c: c.name.encode())
    chains = [*builtins, *users]
    for chain in chains:
        yield f":{chain.name} {(chain.policy or 'ACCEPT') if chain.builtin else '-'} [0:0]"
    for chain in chains:
        for rule in chain.rules:
            if rule.unresolved:
                names = ", ".join(f"${n}" for n in rule.unresolved)
                yield (f"# {rule.span.file}:{rule.span.line} uses {names}, which the script does "
                       "not set: replace the placeholder before loading this rule")
            yield from format_rule(rule, family, registry)
    yield "COMMIT"


def emit_ruleset(ruleset: Ruleset, registry: Registry | None = None,
                 header: str | None = None, tables: tuple[Table, ...] | None = None) -> str:
    """The ruleset as an iptables-save file (the tables in the reverse of the order they were
    first used; ``header``: a comment line to start with)."""
    registry = registry or default_registry()
    lines = [f"# {header}"] if header else []
    for table in reversed(tables if tables is not None else ruleset.tables):
        lines.extend(_table_lines(table, ruleset.family, registry))
    return "\n".join(lines) + "\n" if lines else ""

