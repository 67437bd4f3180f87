"""A concrete packet, and the ``--packet`` mini-language of ``fwlint trace``.

The language
------------
::

    [ipv4|ipv6] PROTOCOL [SOURCE -> DESTINATION] [CLAUSE]...

``PROTOCOL`` is ``tcp``, ``udp``, ``icmp``, ``icmpv6`` (or ``ipv6-icmp``), ``sctp``, ``dccp``,
``udplite``, ``esp``, ``ah``, ``gre``, any other name iptables knows from /etc/protocols, or a
number 0-255.  ``SOURCE`` and ``DESTINATION`` are ``ADDRESS``, ``ADDRESS:PORT``, ``[IPV6]:PORT``,
a bare IPv6 address, or ``*`` (``*:PORT``) for an address left unsaid; ports are numbers or
service names.  The clauses, in any order:

==========================  ==========================================================
``in IFACE``                the interface it arrives on
``out IFACE``               the interface it leaves by
``state S``                 conntrack state: new (the default), established, related,
                            invalid, untracked; ``,snat`` / ``,dnat`` add the NAT flags
                            of an existing connection (``state established,dnat``)
``status S[,S]``            conntrack status: expected, seen_reply, assured, confirmed,
                            none
``flags F[,F]``             TCP flags: syn, ack, fin, rst, psh, urg, ece, cwr, none
``type T``                  ICMP(v6) type: a number, ``type/code`` or a name
                            (``echo-request``)
``code C``                  ICMP(v6) code
``mark N`` / ``connmark N`` packet mark / connection mark (decimal or 0x hex)
``length N``                layer-3 length in bytes
``ttl N`` (``hl N``)        TTL / hop limit
``tos N`` / ``dscp N``      TOS byte / DiffServ code point (a number or a class: ef, af11 ...)
``pkttype T``               unicast, broadcast or multicast (link layer)
``srctype T[,T]``           address type of the source: local, unicast, broadcast,
``dsttype T[,T]``           multicast ... (as -m addrtype names them)
``mac XX:XX:XX:XX:XX:XX``   the Ethernet source address it came in with
``fragment``                a second or later fragment (no ports, no TCP flags)
``forward``                 it is forwarded, not for this host (see trace's path rules)
==========================  ==========================================================

Defaults (a field left unsaid with no default is *unknown*; matches that test it say
"unknown" in the trace): state NEW; for a NEW packet no conntrack status bit (the first packet
of a connection) and, for TCP, the flags SYN (an ESTABLISHED TCP packet: ACK); mark, connmark,
TOS 0; not a fragment; no NAT flags.  The interfaces, the packet type and the address types
depend on the packet's path and are filled in by :mod:`fwlint.analysis.evaluate`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping

from fwlint.analysis.fields import ADDRESS_TYPES, CT_STATES, CT_STATUS_BITS, TCP_FLAG_BITS
from fwlint.data.services import PROTOCOLS, service_port
from fwlint.extensions.values import DSCP_CLASSES, ICMP_TYPE, ICMPV6_TYPE, BadValue

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PORT_PROTOCOLS = frozenset({6, 17, 33, 132, 136})
"""Protocols with source and destination ports: tcp, udp, dccp, sctp, udplite."""

PACKET_TYPE_NAMES = ("unicast", "broadcast", "multicast", "otherhost", "outgoing")
PACKET_TYPE_CODES = {"unicast": 0, "broadcast": 1, "multicast": 2, "otherhost": 3, "outgoing": 4,
                     "fastroute": 6, "type7": 7}
"""skb->pkt_type of each name (5, PACKET_LOOPBACK, reads as broadcast or multicast to the match)."""
_PACKET_TYPE_ALIASES = {"host": "unicast", "bcast": "broadcast", "mcast": "multicast"}

FIELD_DESCRIPTIONS: dict[str, str] = {
    "proto": "protocol", "src": "source address", "dst": "destination address",
    "sport": "source port", "dport": "destination port", "iif": "input interface",
    "oif": "output interface", "ctstate": "connection state", "snat": "SNAT flag of its connection",
    "dnat": "DNAT flag of its connection", "ctstatus": "conntrack status",
    "tcpflags": "TCP flags", "icmptype": "ICMP type", "icmpcode": "ICMP code",
    "frag": "fragment offset", "mark": "mark", "ctmark": "connection mark", "length": "length",
    "ttl": "TTL", "tos": "TOS byte", "pkttype": "link-layer packet type",
    "srctype": "source address type", "dsttype": "destination address type",
    "hasmac": "link layer", "mac": "source MAC address",
}
"""How the trace names each field when it is unknown."""

FIELDS = tuple(FIELD_DESCRIPTIONS)


class PacketError(ValueError):
    """The ``--packet`` text does not describe a packet; the message names the bad part."""


@dataclass(frozen=True)
class Packet:
    """One packet as the firewall sees it.  ``None`` in a field: unknown.

    ``iif``/``oif``: an interface name, "" for none.  ``ctstate``: one of
    :data:`~fwlint.analysis.fields.CT_STATES`.  ``ctstatus``, ``srctype``, ``dsttype``: sets of
    upper-case names.  ``tcpflags``: the flag byte (FIN = 0x01 ... CWR = 0x80).  ``tos``: the
    IPv4 TOS byte / IPv6 traffic class (DSCP is its top six bits).  ``ttl``: TTL or hop limit.
    ``mac``: the Ethernet source address as an int, ``hasmac`` whether there is one.
    """

    family: int
    proto: int | None = None
    src: IPAddress | None = None
    dst: IPAddress | None = None
    sport: int | None = None
    dport: int | None = None
    iif: str | None = None
    oif: str | None = None
    ctstate: str | None = "NEW"
    snat: bool | None = False
    dnat: bool | None = False
    ctstatus: frozenset[str] | None = None
    tcpflags: int | None = None
    icmptype: int | None = None
    icmpcode: int | None = None
    frag: bool | None = False
    mark: int | None = 0
    ctmark: int | None = 0
    length: int | None = None
    ttl: int | None = None
    tos: int | None = 0
    pkttype: str | None = None
    srctype: frozenset[str] | None = None
    dsttype: frozenset[str] | None = None
    hasmac: bool | None = None
    mac: int | None = None

    def replace(self, **changes: Any) -> "Packet":
        return dataclasses.replace(self, **changes)

    def get(self, field: str) -> Any:
        return getattr(self, field)

    @property
    def tracked(self) -> bool | None:
        """It has a conntrack entry (NEW, ESTABLISHED, RELATED); None when the state is unknown."""
        if self.ctstate is None:
            return None
        return self.ctstate in ("NEW", "ESTABLISHED", "RELATED")

    # --- to and from the model's packets ---------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """The known fields in the form :meth:`fwlint.analysis.fields.Encoding.holds` takes."""
        out: dict[str, Any] = {"family": self.family}
        for name in FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if name in ("src", "dst"):
                value = str(value)
            elif name in ("ctstatus", "srctype", "dsttype"):
                value = set(value)
            elif name == "pkttype":
                value = PACKET_TYPE_CODES.get(value, value)
            out[name] = value
        return out

    @classmethod
    def from_fields(cls, values: Mapping[str, Any]) -> "Packet":
        """A packet from the model's field values (as :meth:`Encoding.sample` gives them);
        fields not given are unknown."""
        kw: dict[str, Any] = {name: None for name in FIELDS}
        family = int(values.get("family", 4))
        for name, value in values.items():
            if name == "family":
                continue
            if name not in FIELD_DESCRIPTIONS:
                raise KeyError(f"unknown packet field {name!r}")
            if name in ("src", "dst"):
                value = ipaddress.ip_address(value) if not isinstance(value, int) else (
                    ipaddress.IPv4Address(value) if family == 4 else ipaddress.IPv6Address(value))
            elif name in ("ctstatus",):
                value = frozenset(s.upper() for s in value) if not isinstance(value, int) else frozenset(
                    s for s, b in CT_STATUS_BITS.items() if value >> b & 1)
            elif name in ("srctype", "dsttype"):
                if isinstance(value, int):
                    value = frozenset(t for i, t in enumerate(ADDRESS_TYPES) if value >> i & 1)
                elif isinstance(value, str):
                    value = frozenset({value.upper()})
                else:
                    value = frozenset(t.upper() for t in value)
            elif name == "tcpflags" and not isinstance(value, int):
                value = sum(TCP_FLAG_BITS[f.upper()] for f in value)
            elif name == "ctstate" and isinstance(value, int):
                value = CT_STATES[value]
            elif name == "ctstate":
                value = value.upper()
            elif name == "pkttype" and isinstance(value, str):
                value = _PACKET_TYPE_ALIASES.get(value.lower(), value.lower())
            elif name == "pkttype":
                value = {code: n for n, code in PACKET_TYPE_CODES.items()}.get(int(value), str(value))
            elif name == "mac" and isinstance(value, str):
                value = int(value.replace(":", ""), 16)
            elif name in ("iif", "oif"):
                value = value or ""
            elif name in ("frag", "snat", "dnat", "hasmac"):
                value = bool(value)
            else:
                value = int(value)
            kw[name] = value
        return cls(family=family, **kw)

    # --- showing it ------------------------------------------------------------------------

    def describe(self) -> str:
        """The packet in the mini-language (every known field; unknown ones left out)."""
        words = [protocol_name(self.proto) if self.proto is not None else "(protocol unknown)"]
        if self.src is not None or self.dst is not None or self.sport is not None or self.dport is not None:
            words += [endpoint(self.src, self.sport), "->", endpoint(self.dst, self.dport)]
        if self.iif:
            words += ["in", self.iif]
        if self.oif:
            words += ["out", self.oif]
        if self.ctstate is not None:
            state = self.ctstate
            if self.snat:
                state += ",SNAT"
            if self.dnat:
                state += ",DNAT"
            words += ["state", state]
        if self.ctstatus:
            words += ["status", ",".join(sorted(self.ctstatus))]
        if self.tcpflags is not None and self.proto == 6:
            words += ["flags", flag_names(self.tcpflags)]
        if self.icmptype is not None:
            words += ["type", str(self.icmptype)]
            if self.icmpcode is not None:
                words += ["code", str(self.icmpcode)]
        if self.frag:
            words.append("fragment")
        if self.mark:
            words += ["mark", hex(self.mark)]
        if self.ctmark:
            words += ["connmark", hex(self.ctmark)]
        if self.length is not None:
            words += ["length", str(self.length)]
        if self.ttl is not None:
            words += ["ttl" if self.family == 4 else "hl", str(self.ttl)]
        if self.tos:
            words += ["tos", hex(self.tos)]
        if self.mac is not None and self.hasmac:
            words += ["mac", mac_text(self.mac)]
        return " ".join(words)


def protocol_name(number: int) -> str:
    for name in ("tcp", "udp", "icmp", "ipv6-icmp", "sctp", "dccp", "udplite", "esp", "ah", "gre"):
        if PROTOCOLS.get(name) == number:
            return "icmpv6" if name == "ipv6-icmp" else name
    for name, n in PROTOCOLS.items():
        if n == number and n != 0:
            return name
    return str(number)


def endpoint(address: IPAddress | None, port: int | None) -> str:
    shown = "*" if address is None else str(address)
    if port is None:
        return shown
    if address is not None and address.version == 6:
        shown = f"[{shown}]"
    return f"{shown}:{port}"


def flag_names(flags: int) -> str:
    names = [n for n, b in sorted(TCP_FLAG_BITS.items(), key=lambda kv: kv[1]) if flags & b]
    order = ("SYN", "ACK", "FIN", "RST", "PSH", "URG", "ECE", "CWR")
    names.sort(key=order.index)
    return ",".join(names) if names else "NONE"


def mac_text(mac: int) -> str:
    return ":".join(f"{(mac >> (8 * (5 - i))) & 0xFF:02x}" for i in range(6))


# --- the parser -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PacketText:
    """What ``--packet`` says: the packet, and the path hints that are not packet fields."""

    packet: Packet
    forward: bool = False
    family_given: bool = False
    text: str = ""


_TOKEN = re.compile(r"->|(?:(?!->)\S)+")
_KEYWORDS = ("in", "out", "state", "status", "flags", "type", "code", "mark", "connmark", "length",
             "ttl", "hl", "tos", "dscp", "pkttype", "srctype", "dsttype", "mac")
_FLAGS = ("fragment", "forward")


def _words(text: str) -> list[str]:
    """The words of the text; ``->`` is a word of its own, spaces around it or not."""
    return _TOKEN.findall(text)


def _address_like(word: str) -> bool:
    """``word`` reads as ADDRESS[:PORT], [IPV6]:PORT or *[:PORT] (whatever the port)."""
    host = word
    if word.startswith("["):
        host = word[1:].partition("]")[0]
    elif word.count(":") == 1:
        host = word.partition(":")[0]
    if host == "*":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _Parser:
    def __init__(self, text: str, family: int | None) -> None:
        self.text = text
        self.words = _words(text)
        self.pos = 0
        self.family = family
        self.family_given = False
        self.fields: dict[str, Any] = {}
        self.said: set[str] = set()
        self.forward = False

    def fail(self, message: str) -> PacketError:
        return PacketError(message)

    def peek(self) -> str | None:
        return self.words[self.pos] if self.pos < len(self.words) else None

    def take(self, what: str) -> str:
        word = self.peek()
        if word is None:
            raise self.fail(f"{what} expected after {self.words[self.pos - 1]!r}")
        self.pos += 1
        return word

    def parse(self) -> PacketText:
        if not self.words:
            raise self.fail("empty packet: say at least its protocol, e.g. "
                            "'tcp 203.0.113.7:40000 -> 192.0.2.1:22 in eth0'")
        word = self.peek()
        if word is not None and word.lower() in ("ipv4", "ipv6", "ip4", "ip6"):
            self.set_family(4 if word.lower() in ("ipv4", "ip4") else 6, word)
            self.pos += 1
        self.protocol(self.take("a protocol"))
        if self.peek() is not None and self.peek() not in _KEYWORDS and self.peek() not in _FLAGS:
            self.endpoints()
        while self.peek() is not None:
            self.clause(self.take("a clause"))
        return PacketText(self.packet(), self.forward, self.family_given, self.text)

    def set_family(self, family: int, word: str) -> None:
        if self.family is not None and self.family != family and self.family_given:
            raise self.fail(f"{word!r} is IPv{family}, but the packet is IPv{self.family}")
        self.family = family
        self.family_given = True

    def protocol(self, word: str) -> None:
        low = word.lower()
        if low in ("icmp6", "icmpv6"):
            low = "ipv6-icmp"
        if low.isdigit():
            number = int(low)
            if number > 255:
                raise self.fail(f"protocol {word!r} is out of range 0-255")
        elif low in PROTOCOLS and PROTOCOLS[low] != 0:
            number = PROTOCOLS[low]
        else:
            raise self.fail(f"{word!r} is not a protocol (tcp, udp, icmp, icmpv6, sctp, a name from "
                            "/etc/protocols or a number)")
        if number == 58:
            self.set_family(6, word)
        elif number == 1 and self.family == 6 and self.family_given:
            raise self.fail(f"{word!r} is IPv4's ICMP: IPv6 packets use icmpv6")
        self.fields["proto"] = number

    def endpoints(self) -> None:
        first = self.take("a source")
        if self.peek() != "->" and not _address_like(first):
            known = ", ".join((*_KEYWORDS, *_FLAGS))
            raise self.fail(f"{first!r} is neither an address nor a clause (one of: {known})")
        arrow = self.take("'->'")
        if arrow != "->":
            raise self.fail(f"'->' expected between source and destination, not {arrow!r}")
        second = self.take("a destination")
        for word, addr_field, port_field in ((first, "src", "sport"), (second, "dst", "dport")):
            address, port = self.address_port(word)
            if address is not None:
                self.fields[addr_field] = address
            if port is not None:
                self.fields[port_field] = port

    def address_port(self, word: str) -> tuple[IPAddress | None, int | None]:
        host, port_text = word, None
        if word.startswith("["):
            close = word.find("]")
            if close == -1:
                raise self.fail(f"{word!r}: no ']' closes the IPv6 address")
            host, rest = word[1:close], word[close + 1:]
            if rest:
                if not rest.startswith(":"):
                    raise self.fail(f"{word!r}: a port goes after ']:'")
                port_text = rest[1:]
        elif word.count(":") == 1 or word.startswith("*:"):
            host, _, port_text = word.rpartition(":")
        address = None
        if host not in ("*", ""):
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                raise self.fail(f"{host!r} is not an IPv4 or IPv6 address (in {word!r})") from None
            self.set_family(address.version, word)
        elif host == "" and port_text is None:
            raise self.fail(f"{word!r} is not an address")
        port = None
        if port_text is not None:
            port = self.port(port_text, word)
        return address, port

    def port(self, text: str, word: str) -> int:
        proto = self.fields.get("proto")
        if proto not in PORT_PROTOCOLS:
            raise self.fail(f"{word!r}: {protocol_name(proto)} packets have no ports")
        if text.isdigit():
            n = int(text)
            if n > 65535:
                raise self.fail(f"port {text} is out of range 0-65535 (in {word!r})")
            return n
        names = {6: "tcp", 17: "udp", 132: "sctp", 33: "dccp", 136: "udp"}
        n = service_port(text, names.get(proto))
        if n is None:
            n = service_port(text)
        if n is None:
            raise self.fail(f"{text!r} is not a port number or service name (in {word!r})")
        return n

    def once(self, keyword: str) -> None:
        if keyword in self.said:
            raise self.fail(f"{keyword!r} given twice")
        self.said.add(keyword)

    def clause(self, word: str) -> None:
        key = word.lower()
        if key in _FLAGS:
            self.once(key)
            if key == "fragment":
                self.fields["frag"] = True
            else:
                self.forward = True
            return
        if key not in _KEYWORDS:
            known = ", ".join((*_KEYWORDS, *_FLAGS))
            raise self.fail(f"{word!r} is not a clause (one of: {known})")
        canonical = {"hl": "ttl"}.get(key, key)
        self.once(canonical if canonical != "dscp" else "tos")
        value = self.take(f"a value for {word!r}")
        getattr(self, "clause_" + canonical)(value, word)

    # --- clauses -----------------------------------------------------------------------

    def clause_in(self, value: str, word: str) -> None:
        self.fields["iif"] = self.interface(value, word)

    def clause_out(self, value: str, word: str) -> None:
        self.fields["oif"] = self.interface(value, word)

    def interface(self, value: str, word: str) -> str:
        if len(value) > 15 or value.endswith("+") or any(c in value for c in "/:") or value in (".", ".."):
            raise self.fail(f"{value!r} is not an interface name (after {word!r}: at most 15 "
                            "characters, no '/', ':' or '+')")
        return value

    def clause_state(self, value: str, word: str) -> None:
        state = None
        for item in value.split(","):
            up = item.upper()
            if up in CT_STATES:
                if state is not None:
                    raise self.fail(f"{value!r}: a packet has one connection state, not {state} and {up}")
                state = up
            elif up in ("SNAT", "DNAT"):
                self.fields[up.lower()] = True
            else:
                raise self.fail(f"{item!r} is not a connection state (new, established, related, "
                                "invalid, untracked; ,snat and ,dnat add NAT flags)")
        if state is None:
            raise self.fail(f"{value!r}: say the state too (established,dnat)")
        self.fields["ctstate"] = state

    def clause_status(self, value: str, word: str) -> None:
        out = set()
        for item in value.split(","):
            up = item.upper()
            if up == "NONE":
                continue
            if up not in CT_STATUS_BITS:
                raise self.fail(f"{item!r} is not a conntrack status (expected, seen_reply, assured, "
                                "confirmed, none)")
            out.add(up)
        self.fields["ctstatus"] = frozenset(out)

    def clause_flags(self, value: str, word: str) -> None:
        if self.fields.get("proto") != 6:
            raise self.fail("'flags' are TCP flags: the packet is not TCP")
        bits = 0
        for item in value.split(","):
            up = item.upper()
            if up == "NONE":
                continue
            if up == "ALL":
                bits |= 0xFF
                continue
            if up not in TCP_FLAG_BITS:
                raise self.fail(f"{item!r} is not a TCP flag (syn, ack, fin, rst, psh, urg, ece, cwr, none)")
            bits |= TCP_FLAG_BITS[up]
        self.fields["tcpflags"] = bits

    def clause_type(self, value: str, word: str) -> None:
        proto = self.fields.get("proto")
        if proto not in (1, 58):
            raise self.fail("'type' is an ICMP type: the packet is not icmp or icmpv6")
        value_type = ICMP_TYPE if proto == 1 else ICMPV6_TYPE
        try:
            type_, low, high = value_type.parse(value, 4 if proto == 1 else 6)
        except BadValue as err:
            raise self.fail(f"after 'type': {err}") from None
        if type_ == 255 and value.lower() == "any":
            raise self.fail("'type any' is no packet's type: give a type")
        self.fields["icmptype"] = type_
        if low == high:
            self.fields["icmpcode"] = low
        elif "/" in value:
            raise self.fail(f"{value!r}: a packet has one ICMP code")

    def clause_code(self, value: str, word: str) -> None:
        if self.fields.get("proto") not in (1, 58):
            raise self.fail("'code' is an ICMP code: the packet is not icmp or icmpv6")
        self.fields["icmpcode"] = self.number(value, word, 255)

    def clause_mark(self, value: str, word: str) -> None:
        self.fields["mark"] = self.number(value, word, 0xFFFFFFFF)

    def clause_connmark(self, value: str, word: str) -> None:
        self.fields["ctmark"] = self.number(value, word, 0xFFFFFFFF)

    def clause_length(self, value: str, word: str) -> None:
        self.fields["length"] = self.number(value, word, 65535)

    def clause_ttl(self, value: str, word: str) -> None:
        self.fields["ttl"] = self.number(value, word, 255)

    def clause_tos(self, value: str, word: str) -> None:
        self.fields["tos"] = self.number(value, word, 255)

    def clause_dscp(self, value: str, word: str) -> None:
        if value.lower() in DSCP_CLASSES:
            self.fields["tos"] = DSCP_CLASSES[value.lower()] << 2
        else:
            self.fields["tos"] = self.number(value, word, 63) << 2

    def clause_pkttype(self, value: str, word: str) -> None:
        low = _PACKET_TYPE_ALIASES.get(value.lower(), value.lower())
        if low not in PACKET_TYPE_NAMES[:3]:
            raise self.fail(f"{value!r} is not a packet type (unicast, broadcast, multicast)")
        self.fields["pkttype"] = low

    def clause_srctype(self, value: str, word: str) -> None:
        self.fields["srctype"] = self.address_types(value)

    def clause_dsttype(self, value: str, word: str) -> None:
        self.fields["dsttype"] = self.address_types(value)

    def address_types(self, value: str) -> frozenset[str]:
        out = set()
        for item in value.split(","):
            if item.upper() not in ADDRESS_TYPES:
                names = ", ".join(t.lower() for t in ADDRESS_TYPES)
                raise self.fail(f"{item!r} is not an address type ({names})")
            out.add(item.upper())
        return frozenset(out)

    def clause_mac(self, value: str, word: str) -> None:
        if not re.fullmatch(r"[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}", value):
            raise self.fail(f"{value!r} is not a MAC address (six hex pairs separated by colons)")
        self.fields["mac"] = int("".join(f"{int(p, 16):02x}" for p in value.split(":")), 16)
        self.fields["hasmac"] = True

    def number(self, text: str, word: str, high: int) -> int:
        try:
            n = int(text, 0)
        except ValueError:
            raise self.fail(f"{text!r} is not a number (after {word!r})") from None
        if not 0 <= n <= high:
            raise self.fail(f"{text} is out of range 0-{high} (after {word!r})")
        return n

    # --- the packet with its defaults --------------------------------------------------

    def packet(self) -> Packet:
        f = self.fields
        family = self.family or 4
        proto = f["proto"]
        if proto == 1 and family == 6:
            raise self.fail("'icmp' is IPv4's ICMP: IPv6 packets use icmpv6")
        state = f.get("ctstate", "NEW")
        kw: dict[str, Any] = dict(f)
        kw["ctstate"] = state
        if "ctstatus" not in f and state == "NEW":
            kw["ctstatus"] = frozenset()
        if proto == 6 and "tcpflags" not in f and not f.get("frag"):
            if state == "NEW":
                kw["tcpflags"] = TCP_FLAG_BITS["SYN"]
            elif state == "ESTABLISHED":
                kw["tcpflags"] = TCP_FLAG_BITS["ACK"]
        if proto in (1, 58) and "icmptype" in f and "icmpcode" not in f:
            kw["icmpcode"] = 0
        if f.get("frag"):
            for name in ("sport", "dport", "tcpflags", "icmptype", "icmpcode"):
                if name in f:
                    raise self.fail(f"a later fragment has no {FIELD_DESCRIPTIONS[name]}: leave it "
                                    "out or drop 'fragment'")
        if f.get("snat") or f.get("dnat"):
            if state not in ("NEW", "ESTABLISHED", "RELATED"):
                raise self.fail(f"an {state} packet has no connection, so no NAT flags")
        return Packet(family=family, **kw)


def parse_packet(text: str, family: int | None = None) -> PacketText:
    """Read the ``--packet`` mini-language (see the module docstring); ``family`` is the
    ruleset's, used when the text does not say.  Raises :class:`PacketError`."""
    return _Parser(text, family).parse()
