"""Raw IPv4 and IPv6 packets, built and read back: TCP, UDP, ICMP and ICMPv6, with checksums.

The verification agent writes these into a TUN device (so they arrive "from the network") or
sends them through a raw socket (so they leave the host), and reads back whatever the kernel
sends: forwarded packets, SYN/ACKs, resets, ICMP errors with the offending header inside.

This module uses the standard library only: the agent imports it inside the network
namespace, where startup time counts.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58

TCP_FLAG_NAMES = (("FIN", 0x01), ("SYN", 0x02), ("RST", 0x04), ("PSH", 0x08), ("ACK", 0x10),
                  ("URG", 0x20), ("ECE", 0x40), ("CWR", 0x80))
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

TAG_MAGIC = b"fwV"
TAG_SIZE = 8
"""A probe's tag, at the start of its payload: ``fwV``, the batch (2 bytes), the probe's index
in the batch (2 bytes) and the step of its exchange (1 byte).  It survives forwarding and NAT."""

ICMP_ECHO_REQUEST = {4: 8, 6: 128}
ICMP_ECHO_REPLY = {4: 0, 6: 129}
ICMP_ERROR_TYPES = {4: frozenset({3, 4, 5, 11, 12}), 6: frozenset({1, 2, 3, 4})}
"""ICMP types that carry the header of the packet they are about."""


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def make_tag(batch: int, probe: int, step: int) -> bytes:
    return TAG_MAGIC + struct.pack("!HHB", batch & 0xFFFF, probe & 0xFFFF, step & 0xFF)


def read_tag(payload: bytes) -> tuple[int, int, int] | None:
    """(batch, probe, step) of a payload that starts with a tag, else None."""
    if len(payload) >= TAG_SIZE and payload[:3] == TAG_MAGIC:
        return struct.unpack("!HHB", payload[3:TAG_SIZE])
    return None


def header_size(family: int, proto: int) -> int:
    """The bytes of the IP and transport headers of a packet this module builds."""
    ip = 20 if family == 4 else 40
    return ip + {TCP: 20, UDP: 8}.get(proto, 8)


@dataclass(frozen=True)
class Spec:
    """What to build.  ``ident`` is the IPv4 identification or the IPv6 flow label; ``tos`` the
    TOS byte or traffic class; ``ttl`` the TTL or hop limit.  ``payload`` follows the transport
    header (for ICMP, the 4 bytes after type, code and checksum are ``icmp_id`` and ``icmp_seq``)."""

    family: int
    proto: int
    src: str
    dst: str
    sport: int = 0
    dport: int = 0
    flags: int = 0
    seq: int = 0
    ack: int = 0
    window: int = 64240
    icmp_type: int = 0
    icmp_code: int = 0
    icmp_id: int = 0
    icmp_seq: int = 0
    tos: int = 0
    ttl: int = 64
    ident: int = 0
    payload: bytes = b""


def build(spec: Spec) -> bytes:
    """The packet ``spec`` describes, IP header first, checksums filled in."""
    src = ipaddress.ip_address(spec.src).packed
    dst = ipaddress.ip_address(spec.dst).packed
    proto = spec.proto
    if proto == TCP:
        l4 = struct.pack("!HHIIHHHH", spec.sport, spec.dport, spec.seq & 0xFFFFFFFF, spec.ack & 0xFFFFFFFF,
                         (5 << 12) | (spec.flags & 0xFF), spec.window, 0, 0) + spec.payload
        at = 16
    elif proto == UDP:
        l4 = struct.pack("!HHHH", spec.sport, spec.dport, 8 + len(spec.payload), 0) + spec.payload
        at = 6
    elif proto in (ICMP, ICMPV6):
        l4 = struct.pack("!BBHHH", spec.icmp_type, spec.icmp_code, 0, spec.icmp_id,
                         spec.icmp_seq) + spec.payload
        at = 2
    else:
        l4 = spec.payload
        at = -1
    if spec.family == 4:
        if at >= 0:
            pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4)) if proto != ICMP else b""
            value = checksum(pseudo + l4)
            if proto == UDP and value == 0:
                value = 0xFFFF
            l4 = l4[:at] + struct.pack("!H", value) + l4[at + 2:]
        header = struct.pack("!BBHHHBBH4s4s", 0x45, spec.tos & 0xFF, 20 + len(l4), spec.ident & 0xFFFF, 0,
                             spec.ttl & 0xFF, proto, 0, src, dst)
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        return header + l4
    if at >= 0:
        pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
        value = checksum(pseudo + l4)
        if proto == UDP and value == 0:
            value = 0xFFFF
        l4 = l4[:at] + struct.pack("!H", value) + l4[at + 2:]
    first = (6 << 28) | ((spec.tos & 0xFF) << 20) | (spec.ident & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first, len(l4), proto, spec.ttl & 0xFF, src, dst) + l4


@dataclass(frozen=True)
class Parsed:
    """A packet read back.  ``inner``: for an ICMP error, the header it carries (possibly cut
    short: then only the fields that fit are set).  ``payload``: the bytes after the transport
    header."""

    family: int
    src: str
    dst: str
    proto: int
    ttl: int
    tos: int
    ident: int
    length: int
    sport: int = 0
    dport: int = 0
    flags: int = 0
    seq: int = 0
    ack: int = 0
    icmp_type: int = -1
    icmp_code: int = -1
    icmp_id: int = 0
    payload: bytes = b""
    inner: "Parsed | None" = None

    @property
    def tag(self) -> tuple[int, int, int] | None:
        return read_tag(self.payload)

    def flow(self) -> tuple:
        """(proto, src, sport, dst, dport); for ICMP echo the identifier takes both port places."""
        if self.proto in (TCP, UDP):
            return (self.proto, self.src, self.sport, self.dst, self.dport)
        return (self.proto, self.src, self.icmp_id, self.dst, self.icmp_id)


def parse(data: bytes, inner: bool = False) -> Parsed | None:
    """Read an IPv4 or IPv6 packet (None when it is neither or too short to tell)."""
    if len(data) < 1:
        return None
    version = data[0] >> 4
    if version == 4 and len(data) >= 20:
        ihl = (data[0] & 0x0F) * 4
        tos, length, ident, _frag, ttl, proto = struct.unpack("!xBHHHBB", data[:10])
        src = str(ipaddress.IPv4Address(data[12:16]))
        dst = str(ipaddress.IPv4Address(data[16:20]))
        rest = data[ihl:]
        family = 4
    elif version == 6 and len(data) >= 40:
        first, length, proto, ttl = struct.unpack("!IHBB", data[:8])
        tos = (first >> 20) & 0xFF
        ident = first & 0xFFFFF
        src = str(ipaddress.IPv6Address(data[8:24]))
        dst = str(ipaddress.IPv6Address(data[24:40]))
        length += 40
        rest = data[40:]
        family = 6
    else:
        return None
    return _transport(family, src, dst, proto, ttl, tos, ident, length, rest, inner)


def _transport(family: int, src: str, dst: str, proto: int, ttl: int, tos: int, ident: int, length: int,
               rest: bytes, inner: bool) -> Parsed:
    base = dict(family=family, src=src, dst=dst, proto=proto, ttl=ttl, tos=tos, ident=ident, length=length)
    if proto in (TCP, UDP) and len(rest) >= 4:
        sport, dport = struct.unpack("!HH", rest[:4])
        if proto == TCP and len(rest) >= 14:
            seq, ack, offset_flags = struct.unpack("!IIH", rest[4:14])
            offset = (offset_flags >> 12) * 4
            return Parsed(**base, sport=sport, dport=dport, flags=offset_flags & 0xFF, seq=seq, ack=ack,
                          payload=rest[offset:] if len(rest) >= 20 else b"")
        return Parsed(**base, sport=sport, dport=dport, payload=rest[8:] if proto == UDP else b"")
    if proto in (ICMP, ICMPV6) and len(rest) >= 2:
        icmp_type, icmp_code = rest[0], rest[1]
        icmp_id = struct.unpack("!H", rest[4:6])[0] if len(rest) >= 6 else 0
        carried = None
        if not inner and icmp_type in ICMP_ERROR_TYPES[family] and len(rest) > 8:
            carried = parse(rest[8:], inner=True)
        return Parsed(**base, icmp_type=icmp_type, icmp_code=icmp_code, icmp_id=icmp_id,
                      payload=rest[8:], inner=carried)
    return Parsed(**base, payload=rest)


def from_transport(family: int, src: str, dst: str, proto: int, ttl: int, tos: int, ident: int,
                   transport: bytes) -> Parsed:
    """A packet whose IP header was not read (an IPv6 raw socket gives the transport header
    only; the addresses and the rest come with the message)."""
    header = 20 if family == 4 else 40
    return _transport(family, src, dst, proto, ttl, tos, ident, header + len(transport), transport, False)


def flag_text(flags: int) -> str:
    names = [name for name, bit in TCP_FLAG_NAMES if flags & bit]
    order = ("SYN", "ACK", "FIN", "RST", "PSH", "URG", "ECE", "CWR")
    names.sort(key=order.index)
    return ",".join(names) if names else "none"


def endpoint(address: str, port: int | None) -> str:
    if port is None:
        return address
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def describe(p: Parsed, with_ttl: bool = True) -> str:
    """The packet in one line: protocol, addresses and ports, what kind of segment or message,
    TTL and TOS (kernel-chosen fields that differ from run to run, sequence numbers and IDs, are
    left out, so equal descriptions mean equal packets for the comparison)."""
    if p.proto == TCP:
        text = f"tcp {endpoint(p.src, p.sport)} -> {endpoint(p.dst, p.dport)} flags {flag_text(p.flags)}"
    elif p.proto == UDP:
        text = f"udp {endpoint(p.src, p.sport)} -> {endpoint(p.dst, p.dport)}"
    elif p.proto in (ICMP, ICMPV6):
        name = "icmp" if p.proto == ICMP else "icmpv6"
        text = f"{name} {p.src} -> {p.dst} type {p.icmp_type}/{p.icmp_code}"
        if p.inner is not None:
            text += " about [" + describe(p.inner, with_ttl=False) + "]"
    else:
        text = f"proto {p.proto} {p.src} -> {p.dst}"
    if with_ttl:
        text += f" {'ttl' if p.family == 4 else 'hl'} {p.ttl}"
        if p.tos:
            text += f" tos {p.tos:#04x}"
    return text
