"""Value types of extension options: how a word is read, and when it is bad.

Each type is a callable object: ``parse(text, family)`` returns the value in a
form the rest of fwlint can use (ints, networks, frozensets ...) or raises
:class:`BadValue` with a message that says what was expected.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Callable

from fwlint.data.services import PROTOCOLS, service_port


class BadValue(ValueError):
    """A value iptables would refuse, with the reason in words."""


@dataclass(frozen=True)
class ValueType:
    name: str
    parser: Callable[[str, int], object]

    def parse(self, text: str, family: int = 4) -> object:
        return self.parser(text, family)

    def __str__(self) -> str:
        return self.name


def _any(text: str, family: int) -> str:
    return text


def _integer(lo: int, hi: int) -> Callable[[str, int], int]:
    def parse(text: str, family: int) -> int:
        try:
            n = int(text, 0)
        except ValueError:
            raise BadValue(f"{text!r} is not a number") from None
        if not lo <= n <= hi:
            raise BadValue(f"{n} is out of range {lo}..{hi}")
        return n
    return parse


def _port(text: str, family: int) -> int:
    if text.isdigit():
        n = int(text)
        if n > 65535:
            raise BadValue(f"port {n} is out of range 0..65535")
        return n
    port = service_port(text)
    if port is None:
        raise BadValue(f"{text!r} is neither a port number nor a known service name")
    return port


def _range(one: Callable[[str, int], int], sep: str = ":", lo: int | None = None,
           hi: int | None = None, what: str = "range") -> Callable[[str, int], tuple[int, int]]:
    """``a[SEP b]`` read with ``one``; with ``lo``/``hi`` given, an end may be left out
    (``:1023``, ``1024:``)."""
    def parse(text: str, family: int) -> tuple[int, int]:
        a, has_sep, b = text.partition(sep)
        if a or lo is None:
            x = one(a, family)
        else:
            x = lo
        if not has_sep:
            return (x, x)
        y = one(b, family) if (b or hi is None) else hi
        if x > y:
            raise BadValue(f"{what} {text} runs backwards ({x} > {y})")
        return (x, y)
    return parse


_port_range = _range(_port, ":", 0, 65535, "port range")


def _port_list(text: str, family: int) -> tuple[tuple[int, int], ...]:
    items = text.split(",")
    if len(items) > 15:
        raise BadValue(f"multiport takes at most 15 ports, {len(items)} given")
    return tuple(_port_range(item, family) for item in items)


def _network(text: str, family: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    addr, slash, prefix = text.partition("/")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        if re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?", addr) \
                and not addr.replace(".", "").isdigit():
            raise BadValue(f"{addr!r} is a host name: iptables resolves it through DNS when the rule is loaded") from None
        raise BadValue(f"{addr!r} is not an IPv{family} address") from None
    if slash:
        if prefix.isdigit():
            bits = int(prefix)
            if bits > ip.max_prefixlen:
                raise BadValue(f"prefix /{bits} is longer than {ip.max_prefixlen} bits")
        else:
            try:
                bits = ipaddress.ip_network(f"0.0.0.0/{prefix}" if ip.version == 4 else f"::/{prefix}").prefixlen
            except ValueError:
                raise BadValue(f"{prefix!r} is not a prefix length or netmask") from None
    else:
        bits = ip.max_prefixlen
    return ipaddress.ip_network(f"{ip}/{bits}", strict=False)


def _network_list(text: str, family: int) -> tuple:
    return tuple(_network(item, family) for item in text.split(","))


def _interface(text: str, family: int) -> str:
    if len(text) > 15:
        raise BadValue(f"interface name {text!r} is longer than 15 characters")
    if "/" in text or not text:
        raise BadValue(f"{text!r} is not an interface name")
    return text


def _protocol(text: str, family: int) -> int:
    low = text.lower()
    if low.isdigit():
        n = int(low)
        if n > 255:
            raise BadValue(f"protocol number {n} is out of range 0..255")
        return n
    if low in PROTOCOLS:
        return PROTOCOLS[low]
    raise BadValue(f"unknown protocol {text!r}")


def _choice_list(choices: frozenset[str], what: str, sep: str = ",") -> Callable[[str, int], frozenset[str]]:
    def parse(text: str, family: int) -> frozenset[str]:
        items = text.split(sep)
        out = set()
        for item in items:
            if item.upper() not in choices:
                raise BadValue(f"{item!r} is not a {what} (one of {', '.join(sorted(choices))})")
            out.add(item.upper())
        return frozenset(out)
    return parse


def _choice(choices: tuple[str, ...], what: str, fold: bool = False) -> Callable[[str, int], str]:
    def parse(text: str, family: int) -> str:
        key = text.lower() if fold else text
        if key not in choices:
            raise BadValue(f"{text!r} is not a {what} (one of {', '.join(choices)})")
        return key
    return parse


def _mark(text: str, family: int) -> tuple[int, int]:
    value, slash, mask = text.partition("/")
    try:
        v = int(value, 0)
        m = int(mask, 0) if slash else 0xFFFFFFFF
    except ValueError:
        raise BadValue(f"{text!r} is not a mark (value[/mask])") from None
    if not (0 <= v <= 0xFFFFFFFF and 0 <= m <= 0xFFFFFFFF):
        raise BadValue(f"mark {text!r} does not fit in 32 bits")
    return (v, m)


_RATE = re.compile(r"(\d+)(?:/(s|sec|second|m|min|minute|h|hour|d|day))?$")


def _rate(text: str, family: int) -> tuple[int, str]:
    m = _RATE.match(text)
    if not m:
        raise BadValue(f"{text!r} is not a rate (N/second, N/minute, N/hour or N/day)")
    return (int(m.group(1)), (m.group(2) or "sec")[0])


def _mac(text: str, family: int) -> str:
    if not re.fullmatch(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}", text):
        raise BadValue(f"{text!r} is not a MAC address (six hex pairs separated by colons)")
    return text.lower()


def _ip_range(text: str, family: int) -> tuple:
    lo, dash, hi = text.partition("-")
    try:
        a = ipaddress.ip_address(lo)
        b = ipaddress.ip_address(hi) if dash else a
    except ValueError:
        raise BadValue(f"{text!r} is not an address range (from-to)") from None
    if a.version != b.version or a > b:
        raise BadValue(f"address range {text} runs backwards or mixes families")
    return (a, b)


def _int_range(lo: int, hi: int) -> Callable[[str, int], tuple[int, int]]:
    return _range(_integer(lo, hi), ":", lo, hi)


TCP_FLAGS = frozenset({"SYN", "ACK", "FIN", "RST", "URG", "PSH", "ALL", "NONE", "ECE", "CWR"})
CT_STATES = frozenset({"INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"})
STATE_STATES = frozenset({"INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"})
CT_STATUSES = frozenset({"NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"})

ANY = ValueType("text", _any)
PORT = ValueType("port", _port)
PORT_RANGE = ValueType("port[:port]", _port_range)
PORT_LIST = ValueType("port[,port|,port:port]...", _port_list)
NETWORK = ValueType("address[/mask]", _network)
NETWORK_LIST = ValueType("address[/mask][,address[/mask]]...", _network_list)
INTERFACE = ValueType("interface name", _interface)
PROTOCOL = ValueType("protocol", _protocol)
CT_STATE_LIST = ValueType("state[,state]...", _choice_list(CT_STATES, "conntrack state"))
STATE_LIST = ValueType("state[,state]...", _choice_list(STATE_STATES, "connection state"))
CT_STATUS_LIST = ValueType("status[,status]...", _choice_list(CT_STATUSES, "conntrack status"))
TCP_FLAG_LIST = ValueType("flag[,flag]...", _choice_list(TCP_FLAGS, "TCP flag"))
MARK = ValueType("value[/mask]", _mark)
RATE = ValueType("rate", _rate)
MAC = ValueType("MAC address", _mac)
IP_RANGE = ValueType("address-address", _ip_range)
UINT8 = ValueType("number 0-255", _integer(0, 255))
UINT16 = ValueType("number 0-65535", _integer(0, 65535))
UINT32 = ValueType("number", _integer(0, 0xFFFFFFFF))
UINT16_RANGE = ValueType("number[:number]", _int_range(0, 65535))
UINT32_RANGE = ValueType("number[:number]", _int_range(0, 0xFFFFFFFF))


def integer(lo: int, hi: int) -> ValueType:
    return ValueType(f"number {lo}-{hi}", _integer(lo, hi))


def choice(*choices: str, what: str = "value", fold: bool = False) -> ValueType:
    return ValueType(what, _choice(tuple(choices), what, fold))


def choice_list(*choices: str, what: str = "value") -> ValueType:
    return ValueType(f"{what}[,{what}]...", _choice_list(frozenset(c.upper() for c in choices), what))


# --- values of the wider extension set ------------------------------------------------------

def _address(text: str, family: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if "/" in text:
        raise BadValue(f"{text!r}: a single address is expected here, without a /mask")
    return _network(text, family).network_address


def _address_list(text: str, family: int) -> tuple:
    return tuple(_address(item, family) for item in text.split(","))


# ``port[-port]``, the spelling of the NAT targets' --to-ports.
_port_dash_range = _range(_port, "-", what="port range")


def _named_number(table: tuple[tuple[str, object], ...], text: str, what: str,
                  ambiguous_is_error: bool) -> object | None:
    """Look ``text`` up the way iptables does: case-insensitively, an exact name or a prefix."""
    key = text.lower()
    for name, value in table:
        if name.lower() == key:
            return value
    hits = [(name, value) for name, value in table if name.lower().startswith(key)] if key else []
    if len(hits) > 1 and ambiguous_is_error:
        raise BadValue(f"{text!r} is an ambiguous {what}: {hits[0][0]} or {hits[1][0]}?")
    return hits[0][1] if hits else None


def _icmp_type(table: tuple[tuple[str, tuple[int, int, int]], ...], what: str
               ) -> Callable[[str, int], tuple[int, int, int]]:
    byte = _integer(0, 255)

    def parse(text: str, family: int) -> tuple[int, int, int]:
        found = _named_number(table, text, what, ambiguous_is_error=True)
        if found is not None:
            return found  # type: ignore[return-value]
        type_text, slash, code_text = text.partition("/")
        try:
            t = byte(type_text, family)
            c = byte(code_text, family) if slash else None
        except BadValue:
            raise BadValue(f"{text!r} is not an {what} (a name, or type[/code] in 0-255)") from None
        return (t, c, c) if c is not None else (t, 0, 255)
    return parse


# iptables' ICMP type names (iptables -p icmp -h): name -> (type, lowest code, highest code).
# Names match case-insensitively, and any unambiguous prefix is accepted.
ICMP_TYPE_NAMES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("any", (255, 0, 255)),
    ("echo-reply", (0, 0, 255)),
    ("pong", (0, 0, 255)),
    ("destination-unreachable", (3, 0, 255)),
    ("network-unreachable", (3, 0, 0)),
    ("host-unreachable", (3, 1, 1)),
    ("protocol-unreachable", (3, 2, 2)),
    ("port-unreachable", (3, 3, 3)),
    ("fragmentation-needed", (3, 4, 4)),
    ("source-route-failed", (3, 5, 5)),
    ("network-unknown", (3, 6, 6)),
    ("host-unknown", (3, 7, 7)),
    ("network-prohibited", (3, 9, 9)),
    ("host-prohibited", (3, 10, 10)),
    ("TOS-network-unreachable", (3, 11, 11)),
    ("TOS-host-unreachable", (3, 12, 12)),
    ("communication-prohibited", (3, 13, 13)),
    ("host-precedence-violation", (3, 14, 14)),
    ("precedence-cutoff", (3, 15, 15)),
    ("source-quench", (4, 0, 255)),
    ("redirect", (5, 0, 255)),
    ("network-redirect", (5, 0, 0)),
    ("host-redirect", (5, 1, 1)),
    ("TOS-network-redirect", (5, 2, 2)),
    ("TOS-host-redirect", (5, 3, 3)),
    ("echo-request", (8, 0, 255)),
    ("ping", (8, 0, 255)),
    ("router-advertisement", (9, 0, 255)),
    ("router-solicitation", (10, 0, 255)),
    ("time-exceeded", (11, 0, 255)),
    ("ttl-exceeded", (11, 0, 255)),
    ("ttl-zero-during-transit", (11, 0, 0)),
    ("ttl-zero-during-reassembly", (11, 1, 1)),
    ("parameter-problem", (12, 0, 255)),
    ("ip-header-bad", (12, 0, 0)),
    ("required-option-missing", (12, 1, 1)),
    ("timestamp-request", (13, 0, 255)),
    ("timestamp-reply", (14, 0, 255)),
    ("address-mask-request", (17, 0, 255)),
    ("address-mask-reply", (18, 0, 255)),
)

# ip6tables' ICMPv6 type names (ip6tables -p ipv6-icmp -h), same form and matching rules.
ICMPV6_TYPE_NAMES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("destination-unreachable", (1, 0, 255)),
    ("no-route", (1, 0, 0)),
    ("communication-prohibited", (1, 1, 1)),
    ("beyond-scope", (1, 2, 2)),
    ("address-unreachable", (1, 3, 3)),
    ("port-unreachable", (1, 4, 4)),
    ("failed-policy", (1, 5, 5)),
    ("reject-route", (1, 6, 6)),
    ("packet-too-big", (2, 0, 255)),
    ("time-exceeded", (3, 0, 255)),
    ("ttl-exceeded", (3, 0, 255)),
    ("ttl-zero-during-transit", (3, 0, 0)),
    ("ttl-zero-during-reassembly", (3, 1, 1)),
    ("parameter-problem", (4, 0, 255)),
    ("bad-header", (4, 0, 0)),
    ("unknown-header-type", (4, 1, 1)),
    ("unknown-option", (4, 2, 2)),
    ("echo-request", (128, 0, 255)),
    ("ping", (128, 0, 255)),
    ("echo-reply", (129, 0, 255)),
    ("pong", (129, 0, 255)),
    ("mld-listener-query", (130, 0, 255)),
    ("mld-listener-report", (131, 0, 255)),
    ("mld-listener-done", (132, 0, 255)),
    ("mld-listener-reduction", (132, 0, 255)),
    ("router-solicitation", (133, 0, 255)),
    ("router-advertisement", (134, 0, 255)),
    ("neighbour-solicitation", (135, 0, 255)),
    ("neighbor-solicitation", (135, 0, 255)),
    ("neighbour-advertisement", (136, 0, 255)),
    ("neighbor-advertisement", (136, 0, 255)),
    ("redirect", (137, 0, 255)),
)

# IPv6 Mobility Header types (ip6tables -p mh -h), long names and their short aliases.
MH_TYPE_NAMES: tuple[tuple[str, int], ...] = (
    ("binding-refresh-request", 0), ("brr", 0),
    ("home-test-init", 1), ("hoti", 1),
    ("careof-test-init", 2), ("coti", 2),
    ("home-test", 3), ("hot", 3),
    ("careof-test", 4), ("cot", 4),
    ("binding-update", 5), ("bu", 5),
    ("binding-acknowledgement", 6), ("ba", 6),
    ("binding-error", 7), ("be", 7),
)


def _mh_type(text: str, family: int) -> int:
    found = _named_number(MH_TYPE_NAMES, text, "mobility header type", ambiguous_is_error=False)
    if found is not None:
        return found  # type: ignore[return-value]
    try:
        return _integer(0, 255)(text, family)
    except BadValue:
        raise BadValue(f"{text!r} is not a mobility header type (a name or 0-255)") from None


_mh_type_range = _range(_mh_type, ":")


SCTP_CHUNK_TYPES = ("DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK", "ABORT",
                    "SHUTDOWN", "SHUTDOWN_ACK", "ERROR", "COOKIE_ECHO", "COOKIE_ACK", "ECN_ECNE",
                    "ECN_CWR", "SHUTDOWN_COMPLETE", "I_DATA", "RE_CONFIG", "PAD", "ASCONF",
                    "ASCONF_ACK", "FORWARD_TSN", "I_FORWARD_TSN")
# the chunk flags --chunk-types can test: upper case "set", lower case "clear"
SCTP_CHUNK_FLAGS = {"DATA": "IUBE", "I_DATA": "IUBE", "ABORT": "T", "SHUTDOWN_COMPLETE": "T"}


def _sctp_chunks(text: str, family: int) -> tuple[tuple[str, str], ...] | str:
    if text.upper() in ("ALL", "NONE"):
        return text.upper()
    out = []
    for item in text.split(","):
        name, _, flags = item.partition(":")
        upper = name.upper()
        if upper not in SCTP_CHUNK_TYPES:
            raise BadValue(f"{name!r} is not an SCTP chunk type (one of {', '.join(SCTP_CHUNK_TYPES)})")
        allowed = SCTP_CHUNK_FLAGS.get(upper, "")
        for f in flags:
            if f.upper() not in allowed:
                raise BadValue(f"{f!r} is not a flag of SCTP chunk {upper}"
                               + (f" (flags: {allowed})" if allowed else " (it has none to test)"))
        out.append((upper, flags))
    return tuple(out)


def _set_flags(text: str, family: int) -> tuple[str, ...]:
    items = tuple(text.split(","))
    for item in items:
        if item not in ("src", "dst"):
            raise BadValue(f"{item!r} is not a set direction (src or dst)")
    if len(items) > 6:
        raise BadValue(f"a set lookup takes at most 6 src/dst flags, {len(items)} given")
    return items


_OWNER = re.compile(r"(\d+)(?:-(\d+))?$")


def _owner(text: str, family: int) -> tuple[int, int] | str:
    m = _OWNER.match(text)
    if m:
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi > 0xFFFFFFFE or lo > hi:
            raise BadValue(f"{text!r} is not an id or id-id range (0-4294967294, low first)")
        return (lo, hi)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*\$?", text):
        return text
    raise BadValue(f"{text!r} is neither a user/group name nor an id[-id]")


TOS_NAMES: dict[str, int] = {"minimize-delay": 0x10, "maximize-throughput": 0x08,
                             "maximize-reliability": 0x04, "minimize-cost": 0x02,
                             "normal-service": 0x00}


def _tos(text: str, family: int) -> tuple[int, int]:
    if text.lower() in TOS_NAMES:
        return (TOS_NAMES[text.lower()], 0x3F)
    value, slash, mask = text.partition("/")
    byte = _integer(0, 255)
    try:
        return (byte(value, family), byte(mask, family) if slash else 0xFF)
    except BadValue:
        raise BadValue(f"{text!r} is not a TOS value (value[/mask] in 0-255, or one of "
                       "Minimize-Delay, Maximize-Throughput, Maximize-Reliability, "
                       "Minimize-Cost, Normal-Service)") from None


DSCP_CLASSES: dict[str, int] = {
    "cs0": 0x00, "cs1": 0x08, "cs2": 0x10, "cs3": 0x18, "cs4": 0x20, "cs5": 0x28, "cs6": 0x30,
    "cs7": 0x38, "be": 0x00, "af11": 0x0A, "af12": 0x0C, "af13": 0x0E, "af21": 0x12,
    "af22": 0x14, "af23": 0x16, "af31": 0x1A, "af32": 0x1C, "af33": 0x1E, "af41": 0x22,
    "af42": 0x24, "af43": 0x26, "ef": 0x2E,
}


def _dscp_class(text: str, family: int) -> int:
    if text.lower() not in DSCP_CLASSES:
        raise BadValue(f"{text!r} is not a DiffServ class (BE, EF, AF11-AF43 or CS0-CS7)")
    return DSCP_CLASSES[text.lower()]


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:T(\d{1,2})(?::(\d{1,2})(?::(\d{1,2}))?)?)?)?)?$")


def _date(text: str, family: int) -> tuple[int, ...]:
    m = _DATE.match(text)
    if not m:
        raise BadValue(f"{text!r} is not a date (YYYY[-MM[-DD[Thh[:mm[:ss]]]]])")
    parts = [int(g) if g is not None else None for g in m.groups()]
    year, month, day, hour, minute, second = parts
    limits = ((month, 1, 12, "month"), (day, 1, 31, "day"), (hour, 0, 23, "hour"),
              (minute, 0, 59, "minute"), (second, 0, 59, "second"))
    if not 1970 <= year <= 2038:  # type: ignore[operator]
        raise BadValue(f"year {year} is outside 1970..2038")
    for value, lo, hi, what in limits:
        if value is not None and not lo <= value <= hi:
            raise BadValue(f"{what} {value} is out of range {lo}..{hi}")
    return tuple(p if p is not None else (1 if i < 3 else 0) for i, p in enumerate(parts))


def _time_of_day(text: str, family: int) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?", text)
    if not m:
        raise BadValue(f"{text!r} is not a time of day (hh:mm[:ss])")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise BadValue(f"{text!r} is not a time of day between 00:00:00 and 23:59:59")
    return h * 3600 + mi * 60 + s


_WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


def _weekdays(text: str, family: int) -> frozenset[int]:
    out = set()
    for item in text.split(","):
        if item.isdigit() and 1 <= int(item) <= 7:
            out.add(int(item))
        elif len(item) >= 2 and item[:2].lower() in _WEEKDAYS:
            out.add(_WEEKDAYS.index(item[:2].lower()) + 1)
        else:
            raise BadValue(f"{item!r} is not a weekday (Mon..Sun, Mo..Su or 1..7)")
    return frozenset(out)


def _monthdays(text: str, family: int) -> frozenset[int]:
    day = _integer(1, 31)
    return frozenset(day(item, family) for item in text.split(","))


def _probability(text: str, family: int) -> float:
    try:
        p = float(text)
    except ValueError:
        raise BadValue(f"{text!r} is not a probability (a number from 0.0 to 1.0)") from None
    if not 0.0 <= p <= 1.0:
        raise BadValue(f"probability {text} is outside 0.0..1.0")
    return p


_HASHLIMIT_RATE = re.compile(
    r"(\d+)(?:/(s|se|sec|seco|secon|second|m|mi|min|minu|minut|minute|h|ho|hou|hour|d|da|day))?$"
    r"|(\d+)([kmg]?b)(?:/s(?:ec(?:ond)?)?)?$", re.IGNORECASE)


def _hashlimit_rate(text: str, family: int) -> tuple[int, str]:
    m = _HASHLIMIT_RATE.match(text)
    if not m:
        raise BadValue(f"{text!r} is not a rate (N[/second|/minute|/hour|/day], or bytes as "
                       "Nb/s, Nkb/s, Nmb/s)")
    if m.group(1) is not None:
        return (int(m.group(1)), (m.group(2) or "sec")[0].lower())
    return (int(m.group(3)), m.group(4).lower())


def _hashlimit_burst(text: str, family: int) -> tuple[int, str]:
    m = re.fullmatch(r"(\d+)([kmg]?b)?", text, re.IGNORECASE)
    if not m:
        raise BadValue(f"{text!r} is not a burst (a packet count, or bytes as Nb, Nkb, Nmb)")
    return (int(m.group(1)), (m.group(2) or "").lower())


def _tc_class(text: str, family: int) -> tuple[int, int]:
    m = re.fullmatch(r"(?:0[xX])?([0-9A-Fa-f]{1,4}):(?:0[xX])?([0-9A-Fa-f]{1,4})", text)
    if not m:
        raise BadValue(f"{text!r} is not a traffic-control class (major:minor, in hex)")
    return (int(m.group(1), 16), int(m.group(2), 16))


TCP_OPTION_NAMES: dict[str, int] = {"mss": 2, "wscale": 3, "sack-permitted": 4, "sack": 5,
                                    "timestamp": 8, "md5": 19}


def _tcp_option_list(text: str, family: int) -> frozenset[int]:
    out = set()
    for item in text.split(","):
        if item.lower() in TCP_OPTION_NAMES:
            out.add(TCP_OPTION_NAMES[item.lower()])
            continue
        try:
            out.add(_integer(0, 255)(item, family))
        except BadValue:
            raise BadValue(f"{item!r} is not a TCP option (a number 0-255 or one of "
                           f"{', '.join(TCP_OPTION_NAMES)})") from None
    return frozenset(out)


ADDRESS = ValueType("address", _address)
ADDRESS_LIST = ValueType("address[,address]...", _address_list)
PORT_DASH_RANGE = ValueType("port[-port]", _port_dash_range)
ICMP_TYPE = ValueType("ICMP type (name or type[/code])", _icmp_type(ICMP_TYPE_NAMES, "ICMP type"))
ICMPV6_TYPE = ValueType("ICMPv6 type (name or type[/code])",
                        _icmp_type(ICMPV6_TYPE_NAMES, "ICMPv6 type"))
MH_TYPE_RANGE = ValueType("type[:type]", _mh_type_range)
SCTP_CHUNKS = ValueType("chunk[:flags][,chunk[:flags]]...", _sctp_chunks)
SET_FLAGS = ValueType("src|dst[,src|dst]...", _set_flags)
OWNER = ValueType("name or id[-id]", _owner)
TOS = ValueType("value[/mask] or TOS name", _tos)
DSCP_CLASS = ValueType("DiffServ class", _dscp_class)
DATE = ValueType("YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", _date)
TIME_OF_DAY = ValueType("hh:mm[:ss]", _time_of_day)
WEEKDAY_LIST = ValueType("day[,day]...", _weekdays)
MONTHDAY_LIST = ValueType("day[,day]...", _monthdays)
PROBABILITY = ValueType("probability 0.0-1.0", _probability)
HASHLIMIT_RATE = ValueType("rate", _hashlimit_rate)
HASHLIMIT_BURST = ValueType("burst", _hashlimit_burst)
TC_CLASS = ValueType("major:minor", _tc_class)
TCP_OPTION_LIST = ValueType("option[,option]...", _tcp_option_list)
UINT64 = ValueType("number", _integer(0, 0xFFFFFFFFFFFFFFFF))
UINT64_RANGE = ValueType("number[:number]", _int_range(0, 0xFFFFFFFFFFFFFFFF))
PREFIX_LENGTH = ValueType("prefix length", _integer(0, 128))
