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


def _port_range(text: str, family: int) -> tuple[int, int]:
    if ":" in text:
        lo_text, _, hi_text = text.partition(":")
        lo = _port(lo_text, family) if lo_text else 0
        hi = _port(hi_text, family) if hi_text else 65535
        if lo > hi:
            raise BadValue(f"port range {text} runs backwards ({lo} > {hi})")
        return (lo, hi)
    p = _port(text, family)
    return (p, p)


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
    one = _integer(lo, hi)

    def parse(text: str, family: int) -> tuple[int, int]:
        a, colon, b = text.partition(":")
        x = one(a, family) if a else lo
        y = one(b, family) if colon and b else (hi if colon else x)
        if x > y:
            raise BadValue(f"range {text} runs backwards")
        return (x, y)
    return parse


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
