"""The agent: a process inside one verification namespace that sends probes and watches what
becomes of them.

It is started with ``ip netns exec NAME python -m fwlint.verify.agent`` and reads one JSON
command per line on standard input, answering each with one JSON line on standard output:

``{"op": "setup", "interfaces": [[name, ipv4, ipv6], ...], "default_out": name}``
    Set the namespace's sysctls (forwarding on, reverse-path filter off, no ICMP rate limit,
    no IPv6 router solicitation or duplicate address detection, no SYN/ACK retransmission),
    create one TUN device per name (``ip tuntap`` semantics: TUNSETIFF on /dev/net/tun, made
    in this namespace), give each its two addresses, route everything else out of
    ``default_out``, open the raw sockets that see local delivery.
``{"op": "configure", "local": [...], "routes": [[address, name], ...], "listen": {...}}``
    Replace the addresses added to ``lo`` and the host routes of the previous round; open TCP
    listeners and UDP echo sockets on the ports of ``listen`` (``{"tcp4": [22, ...], ...}``).
``{"op": "flush"}``
    Empty the conntrack table (a ctnetlink IPCTNL_MSG_CT_DELETE without a tuple) and make the
    TCP listeners anew (dropping the half-open connections of earlier SYNs).
``{"op": "run", "batch": n, "probes": [...], "wait": seconds, "settle": seconds}``
    Run the probes of one batch at the same time and return, for each, the sorted list of
    what was observed (see :func:`fwlint.verify.packets.describe`):

    - ``IFACE: PACKET``: a packet that came out of the TUN device ``IFACE`` (forwarded,
      a reply of the local stack, an ICMP error, a reset ...);
    - ``delivered: PACKET``: the packet was delivered to the local stack (a raw socket of its
      protocol saw it, after PREROUTING and INPUT, with NAT applied);
    - ``send: ERRNO``: sending from this host failed (EPERM: dropped in OUTPUT);
    - ``step N: no answer``: an exchange stopped because its packet did not come out.

Probes (dicts) have ``index``, ``family``, ``kind``, ``iif``, ``oif`` and ``packet`` (the
fields of :class:`fwlint.verify.packets.Spec` plus ``pad``, the payload length).  Kinds:

``inject``       the packet arrives on ``iif``;
``send``         the packet is sent by this host (raw socket, header as given);
``local-open``   this host opens the connection the packet belongs to (TCP: a socket bound
                 to the packet's destination connects to its source; UDP: such a socket
                 sends; ICMP: an echo request is sent), then the packet arrives on the device
                 the opening packet left by, as a reply: ESTABLISHED;
``remote-open``  a host behind ``oif`` opens it (the reverse packet arrives on ``oif``, is
                 forwarded; for TCP the handshake is completed through the firewall), then
                 the packet arrives as part of that connection: ESTABLISHED, forwarded;
``peer-open``    a host behind ``oif`` opens a connection to this host (the reverse packet
                 arrives on ``oif``); the local stack's answer is the packet observed
                 (SYN/ACK from a listener, a UDP echo, an ICMP echo reply): ESTABLISHED in
                 OUTPUT.

Attribution: every packet the agent makes carries, when there is room, a tag in its payload
(batch, probe, step) and a unique IPv4 identification or IPv6 flow label; packets of the
kernel are matched to a probe by their flow (either direction) or, for ICMP errors, by the
packet they carry.  Within a batch every probe has a flow of its own (the caller sees to it).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

from fwlint.verify.packets import (
    ACK,
    ICMP,
    ICMP_ECHO_REPLY,
    ICMP_ECHO_REQUEST,
    ICMPV6,
    PSH,
    SYN,
    TAG_SIZE,
    TCP,
    UDP,
    Parsed,
    Spec,
    build,
    describe,
    from_transport,
    make_tag,
    parse,
)

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
SO_RCVBUFFORCE = 33
IPV6_FLOWINFO = 11
IP_PKTINFO = 8
NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_DELETE = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4

SYSCTLS = {
    "net/ipv4/ip_forward": "1",
    "net/ipv4/conf/all/rp_filter": "0",
    "net/ipv4/conf/default/rp_filter": "0",
    "net/ipv4/conf/all/accept_local": "1",
    "net/ipv4/icmp_ratelimit": "0",
    "net/ipv4/icmp_msgs_per_sec": "1000000",
    "net/ipv4/icmp_msgs_burst": "1000000",
    "net/ipv4/tcp_synack_retries": "0",
    "net/ipv4/ip_nonlocal_bind": "1",
    "net/ipv4/conf/all/send_redirects": "0",
    "net/ipv4/conf/default/send_redirects": "0",
    "net/ipv6/ip_nonlocal_bind": "1",
    "net/ipv6/conf/all/forwarding": "1",
    "net/ipv6/conf/default/forwarding": "1",
    "net/ipv6/conf/all/accept_ra": "0",
    "net/ipv6/conf/default/accept_ra": "0",
    "net/ipv6/conf/default/accept_dad": "0",
    "net/ipv6/conf/default/dad_transmits": "0",
    "net/ipv6/conf/default/router_solicitations": "0",
    "net/ipv6/conf/default/addr_gen_mode": "1",
    "net/ipv6/icmp/ratelimit": "0",
    "net/ipv6/auto_flowlabels": "0",
}

TCP_ISN = 5000
"""Sequence number of the TCP segments the agent makes on the probe's side."""
OPENER_ISN = 1000
"""... and on the opening side of a ``remote-open`` exchange."""


def write_sysctl(name: str, value: str) -> None:
    try:
        with open(f"/proc/sys/{name}", "w") as f:
            f.write(value)
    except OSError:
        pass  # a knob this kernel lacks: the defaults it stands for are then in force


def ip_batch(commands: list[str], check: bool = True) -> None:
    """Run ``ip`` commands (one per line, as ``ip -batch`` takes them); with ``check``, a
    failing one raises with ip's message."""
    if not commands:
        return
    done = subprocess.run(["ip", "-force", "-batch", "-"], input="\n".join(commands) + "\n", text=True,
                          capture_output=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip: {done.stderr.strip()}")


def wait_for_local(addresses: list[str], limit: float = 3.0) -> None:
    """Wait until each IPv6 address is in the local routing table: the kernel adds its route
    from a work queue once the address is no longer tentative, a moment after ``ip addr add``
    returns, and until then packets for it are not for this host."""
    import ipaddress

    wanted = {ipaddress.ip_address(a) for a in addresses}
    deadline = time.monotonic() + limit
    while wanted:
        shown = subprocess.run(["ip", "-6", "route", "show", "table", "local"], capture_output=True,
                               text=True).stdout
        for line in shown.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "local":
                try:
                    wanted.discard(ipaddress.ip_address(words[1].split("/")[0]))
                except ValueError:
                    continue
        if not wanted or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def flush_conntrack() -> None:
    """Delete every conntrack entry of this namespace (ctnetlink, no tuple: flush)."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        sock.bind((0, 0))
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, 0)
        header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE,
                             NLM_F_REQUEST | NLM_F_ACK, 1, 0)
        sock.send(header + body)
        sock.settimeout(2)
        sock.recv(65536)
    finally:
        sock.close()


# --- what a probe does: generators yielding commands ------------------------------------------

@dataclass
class Inject:
    device: str
    data: bytes


@dataclass
class SendRaw:
    family: int
    data: bytes
    dst: str


@dataclass
class Wait:
    """Resume with the first packet attributed to the probe that ``accept`` takes (None after
    the timeout)."""

    accept: Callable[[str, Parsed], bool]
    step: int


@dataclass
class Pause:
    """Go on after this long (without waiting for a packet)."""

    seconds: float


@dataclass
class Connect:
    family: int
    proto: int
    local: tuple[str, int]
    remote: tuple[str, int]
    payload: bytes = b""


Script = Generator[Any, Any, None]


@dataclass
class Probe:
    index: int
    family: int
    kind: str
    iif: str
    oif: str
    packet: dict[str, Any]
    batch: int
    events: set[str] = field(default_factory=set)
    waiting: Wait | None = None
    deadline: float = 0.0
    done: bool = False
    script: Script | None = None
    sockets: list[socket.socket] = field(default_factory=list)

    def ident(self, step: int) -> int:
        return (self.index * 4 + step) + 1

    def spec(self, step: int, **changes: Any) -> Spec:
        """The probe's packet for ``step`` (tag and identification of that step), changed."""
        p = dict(self.packet)
        pad = int(p.pop("pad", 0))
        p.update(changes)
        payload = p.pop("payload", None)
        if payload is None:
            payload = make_tag(self.batch, self.index, step) if pad >= TAG_SIZE else b""
            payload += b"\0" * max(0, pad - len(payload))
        return Spec(family=self.family, ident=self.ident(step), payload=payload,
                    **{k: v for k, v in p.items() if k in Spec.__dataclass_fields__})


def _signature(p: Parsed) -> tuple:
    """What NAT and forwarding leave alone of a packet: protocol, TCP flags, ICMP type and
    code, payload length."""
    return (p.proto, p.flags, p.icmp_type, p.icmp_code, len(p.payload))


def reverse_of(p: Parsed) -> dict[str, Any]:
    """Addresses and ports of a packet answering ``p``."""
    return {"src": p.dst, "dst": p.src, "sport": p.dport, "dport": p.sport}


def _script(probe: Probe) -> Script:
    kind = probe.kind
    pk = probe.packet
    proto = pk["proto"]
    family = probe.family
    if kind == "inject":
        yield Inject(probe.iif, build(probe.spec(1)))
        return
    if kind == "send":
        yield SendRaw(family, build(probe.spec(1)), pk["dst"])
        return
    echo_request = ICMP_ECHO_REQUEST[family]
    echo_reply = ICMP_ECHO_REPLY[family]
    if kind == "local-open":
        # this host opens towards the probe's source, from its destination
        if proto == TCP:
            yield Connect(family, TCP, (pk["dst"], pk["dport"]), (pk["src"], pk["sport"]))
            opened = yield Wait(lambda dev, p: p.proto == TCP and p.flags & (SYN | ACK) == SYN, 1)
            if opened is None:
                return
            device, first = opened
            back = reverse_of(first)
            yield Inject(device, build(probe.spec(2, **back, flags=SYN | ACK, seq=TCP_ISN, ack=first.seq + 1,
                                                   payload=b"")))
            yield Pause(0.02)
            yield Inject(device, build(probe.spec(3, **back, seq=TCP_ISN + 1, ack=first.seq + 1)))
            return
        if proto == UDP:
            yield Connect(family, UDP, (pk["dst"], pk["dport"]), (pk["src"], pk["sport"]),
                          make_tag(probe.batch, probe.index, 1))
        else:
            opener = probe.spec(1, src=pk["dst"], dst=pk["src"], icmp_type=echo_request, icmp_code=0)
            yield SendRaw(family, build(opener), pk["src"])
        opened = yield Wait(lambda dev, p: p.tag is not None and p.tag[2] == 1 and p.proto == proto, 1)
        if opened is None:
            return
        device, first = opened
        changes: dict[str, Any] = reverse_of(first)
        if proto != UDP:
            changes.update(icmp_type=echo_reply, icmp_code=0, icmp_id=first.icmp_id)
        yield Inject(device, build(probe.spec(2, **changes)))
        return
    if kind in ("remote-open", "peer-open"):
        # the far end behind oif opens: the reverse of the probe's packet arrives on oif
        reverse = {"src": pk["dst"], "dst": pk["src"], "sport": pk.get("dport", 0),
                   "dport": pk.get("sport", 0)}
        if proto == TCP:
            opener = probe.spec(1, **reverse, flags=SYN, seq=OPENER_ISN, ack=0, payload=b"")
        elif proto == UDP:
            opener = probe.spec(1, **reverse)
        else:
            opener = probe.spec(1, **reverse, icmp_type=echo_request, icmp_code=0)
        yield Inject(probe.oif, build(opener))
        if kind == "peer-open":
            return  # the local stack answers: that answer is the packet observed
        if proto == TCP:
            opened = yield Wait(lambda dev, p: p.proto == TCP and p.flags & (SYN | ACK) == SYN
                                and p.seq == OPENER_ISN, 1)
        else:
            opened = yield Wait(lambda dev, p: p.tag is not None and p.tag[2] == 1 and p.proto == proto, 1)
        if opened is None:
            return
        device, first = opened
        back = reverse_of(first)
        if proto == UDP:
            yield Inject(device, build(probe.spec(2, **back)))
            return
        if proto != TCP:
            yield Inject(device, build(probe.spec(2, **back, icmp_type=echo_reply, icmp_code=0,
                                                   icmp_id=first.icmp_id)))
            return
        yield Inject(device, build(probe.spec(2, **back, flags=SYN | ACK, seq=TCP_ISN, ack=OPENER_ISN + 1,
                                               payload=b"")))
        answered = yield Wait(lambda dev, p: p.proto == TCP and p.flags & (SYN | ACK) == SYN | ACK
                              and p.seq == TCP_ISN, 2)
        if answered is None:
            return
        yield Inject(probe.oif, build(probe.spec(3, **reverse, flags=ACK, seq=OPENER_ISN + 1, ack=TCP_ISN + 1,
                                                 payload=b"")))
        acked = yield Wait(lambda dev, p: p.proto == TCP and p.flags & (SYN | ACK) == ACK
                           and p.seq == OPENER_ISN + 1, 3)
        if acked is None:
            return
        flags = pk.get("flags") or (ACK | PSH)
        yield Inject(device, build(probe.spec(4, **back, flags=flags, seq=TCP_ISN + 1, ack=OPENER_ISN + 1)))
        return
    raise ValueError(f"unknown probe kind {kind!r}")


# --- the agent ---------------------------------------------------------------------------

class Agent:
    def __init__(self) -> None:
        self.tuns: dict[str, int] = {}
        self.selector = selectors.DefaultSelector()
        self.raw_in: list[tuple[socket.socket, int, int]] = []
        self.senders: dict[int, socket.socket] = {}
        self.listeners: dict[tuple[str, int], socket.socket] = {}
        self.round_commands: list[str] = []
        self.probes: dict[int, Probe] = {}
        self.flows: dict[tuple, int] = {}
        self.idents: dict[tuple[int, int, int], tuple[int, tuple]] = {}
        self.ends: dict[tuple[str, int], int] = {}
        self.batch = 0
        self.unattributed = 0
        self.timers: list[tuple[float, Probe]] = []

    # --- commands ---

    def setup(self, interfaces: list[list[str]], default_out: str) -> dict[str, Any]:
        for name, value in SYSCTLS.items():
            write_sysctl(name, value)
        commands = []
        for name, v4, v6 in interfaces:
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
            self.tuns[name] = fd
            self.selector.register(fd, selectors.EVENT_READ, ("tun", name))
            commands += [f"link set {name} up mtu 1500 txqueuelen 10000",
                         f"addr add {v4}/32 dev {name}", f"addr add {v6}/128 dev {name} nodad"]
        # (ip -batch takes no -4/-6: the family comes from the addresses)
        commands += [f"route add 0.0.0.0/0 dev {default_out}", f"route add ::/0 dev {default_out}"]
        ip_batch(commands)
        wait_for_local([v6 for _, _, v6 in interfaces])
        for name, _, _ in interfaces:
            write_sysctl(f"net/ipv4/conf/{name}/rp_filter", "0")
        for family, proto in ((4, TCP), (4, UDP), (4, ICMP), (6, TCP), (6, UDP), (6, ICMPV6)):
            s = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6, socket.SOCK_RAW, proto)
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
            s.setblocking(False)
            if family == 6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_FLOWINFO, 1)
            self.raw_in.append((s, family, proto))
            self.selector.register(s, selectors.EVENT_READ, ("raw", (family, proto)))
        for family in (4, 6):
            s = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6, socket.SOCK_RAW,
                              socket.IPPROTO_RAW)
            s.setblocking(False)
            self.senders[family] = s
        return {"ok": True}

    def configure(self, local: list[str], routes: list[list[str]],
                  listen: dict[str, list[int]]) -> dict[str, Any]:
        undo = [c.replace(" add ", " del ", 1) for c in self.round_commands]
        ip_batch(undo, check=False)
        commands = []
        for address in local:
            commands.append(f"addr add {address}/128 dev lo nodad" if ":" in address else
                            f"addr add {address}/32 dev lo")
        for address, device in routes:
            commands.append(f"route add {address}/{128 if ':' in address else 32} dev {device}")
        ip_batch(commands)
        self.round_commands = commands
        wait_for_local([a for a in local if ":" in a])
        for key, ports in listen.items():
            for port in ports:
                if (key, port) not in self.listeners:
                    self.listen(key, port)
        return {"ok": True}

    def listen(self, key: str, port: int) -> None:
        """A TCP listener or a UDP echo socket ("tcp4", "udp6" ...) on every address, ``port``."""
        family = 4 if key.endswith("4") else 6
        kind = socket.SOCK_STREAM if key.startswith("tcp") else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == 6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if kind == socket.SOCK_DGRAM:
            if family == 4:
                s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            else:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        try:
            s.bind(("0.0.0.0" if family == 4 else "::", port))
            if kind == socket.SOCK_STREAM:
                s.listen(4096)
        except OSError:
            s.close()
            return
        s.setblocking(False)
        self.listeners[(key, port)] = s
        self.selector.register(s, selectors.EVENT_READ, ("listen", key))

    def reset(self) -> None:
        """Forget every connection: the conntrack table is emptied and each TCP listener made
        anew (which drops the half-open connections an earlier SYN left with it, so that the
        same SYN sent again is answered again)."""
        flush_conntrack()
        for (key, port), s in list(self.listeners.items()):
            if key.startswith("tcp"):
                self.selector.unregister(s)
                s.close()
                del self.listeners[(key, port)]
                self.listen(key, port)

    def run(self, batch: int, probes: list[dict[str, Any]], wait: float, settle: float) -> dict[str, Any]:
        self.drain()
        self.batch = batch
        self.probes = {}
        self.flows = {}
        self.idents = {}
        self.ends = {}
        self.unattributed = 0
        self.timers = []
        for d in probes:
            probe = Probe(index=d["index"], family=d["family"], kind=d["kind"], iif=d.get("iif", ""),
                          oif=d.get("oif", ""), packet=d["packet"], batch=batch)
            self.probes[probe.index] = probe
            self.register(probe)
            probe.script = _script(probe)
        for probe in self.probes.values():
            self.advance(probe, None, wait)
        started = last_activity = time.monotonic()
        limit = started + 10 * (wait + settle) + 5
        while True:
            now = time.monotonic()
            for probe in self.probes.values():
                if probe.waiting is not None and now >= probe.deadline:
                    probe.events.add(f"step {probe.waiting.step}: no answer")
                    probe.waiting = None
                    self.advance(probe, None, wait)
            for at, probe in list(self.timers):
                if now >= at:
                    self.timers.remove((at, probe))
                    self.advance(probe, None, wait)
            pending = any(not p.done for p in self.probes.values())
            if (not pending and now - last_activity >= settle) or now >= limit:
                break
            upcoming = [p.deadline for p in self.probes.values() if p.waiting is not None]
            upcoming += [at for at, _ in self.timers]
            upcoming.append(last_activity + settle if not pending else now + 0.05)
            if self.poll(min(0.05, max(0.0, min(upcoming) - now)), wait):
                last_activity = time.monotonic()
        for probe in self.probes.values():
            for s in probe.sockets:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
        return {"results": [{"index": p.index, "events": sorted(p.events)} for p in self.probes.values()],
                "unattributed": self.unattributed}

    # --- the event loop ---

    def register(self, probe: Probe) -> None:
        pk = probe.packet
        proto = pk["proto"]
        if proto in (TCP, UDP):
            key = (proto, pk["src"], pk["sport"], pk["dst"], pk["dport"])
        else:
            key = (proto, pk["src"], pk.get("icmp_id", 0), pk["dst"], pk.get("icmp_id", 0))
        self.flows[key] = probe.index
        self.flows[(key[0], key[3], key[4], key[1], key[2])] = probe.index
        if probe.kind == "local-open" and proto == TCP:
            self.ends[(pk["src"], pk["sport"])] = probe.index
            self.ends[(pk["dst"], pk["dport"])] = probe.index

    def sent(self, probe: Probe, data: bytes) -> None:
        """Remember a packet the agent made, by its identification (IPv4) or flow label (IPv6)
        and what kind of packet it is: a kernel packet with the same identification by chance
        (IPv4 identifications of the kernel's packets are random) is not taken for it."""
        packet = parse(data)
        if packet is not None:
            self.idents[(packet.family, packet.proto, packet.ident)] = (probe.index, _signature(packet))

    def advance(self, probe: Probe, value: Any, wait: float) -> None:
        """Run the probe's script until it waits, pauses or ends."""
        assert probe.script is not None
        while True:
            try:
                command = probe.script.send(value)
            except StopIteration:
                probe.done = True
                probe.waiting = None
                return
            value = None
            if isinstance(command, Inject):
                self.sent(probe, command.data)
                try:
                    os.write(self.tuns[command.device], command.data)
                except OSError as err:
                    probe.events.add(f"inject: {errno.errorcode.get(err.errno, err.errno)}")
            elif isinstance(command, SendRaw):
                self.sent(probe, command.data)
                try:
                    self.senders[command.family].sendto(command.data, (command.dst, 0))
                except OSError as err:
                    probe.events.add(f"send: {errno.errorcode.get(err.errno, err.errno)}")
            elif isinstance(command, Connect):
                value = self.connect(probe, command)
            elif isinstance(command, Wait):
                probe.waiting = command
                probe.deadline = time.monotonic() + wait
                return
            elif isinstance(command, Pause):
                self.timers.append((time.monotonic() + command.seconds, probe))
                return

    def connect(self, probe: Probe, command: Connect) -> None:
        family = socket.AF_INET if command.family == 4 else socket.AF_INET6
        kind = socket.SOCK_STREAM if command.proto == TCP else socket.SOCK_DGRAM
        s = socket.socket(family, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.setblocking(False)
        probe.sockets.append(s)
        try:
            s.bind(command.local)
            if kind == socket.SOCK_STREAM:
                s.connect_ex(command.remote)
            else:
                s.sendto(command.payload, command.remote)
        except OSError as err:
            probe.events.add(f"send: {errno.errorcode.get(err.errno, err.errno)}")

    def poll(self, timeout: float, wait: float) -> bool:
        seen = False
        for key, _ in self.selector.select(timeout):
            kind, what = key.data
            if kind == "tun":
                fd = key.fd
                while True:
                    try:
                        data = os.read(fd, 65536)
                    except BlockingIOError:
                        break
                    seen = True
                    packet = parse(data)
                    if packet is not None:
                        self.observed(what, packet, wait)
            elif kind == "raw":
                family, _proto = what
                while True:
                    packet = self.read_raw(key.fileobj, family)
                    if packet is False:
                        break
                    seen = True
                    if packet is not None:
                        self.observed("delivered", packet, wait)
            elif kind == "listen":
                self.serve(key.fileobj, what)
        return seen

    def read_raw(self, sock: Any, family: int) -> Parsed | None | bool:
        try:
            data, ancillary, _flags, address = sock.recvmsg(65536, 1024)
        except BlockingIOError:
            return False
        if family == 4:
            return parse(data)
        dst, hop, tclass, flowinfo = "::", 0, 0, 0
        for level, kind, value in ancillary:
            if level != socket.IPPROTO_IPV6:
                continue
            if kind == socket.IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, value[:16])
            elif kind == socket.IPV6_HOPLIMIT:
                hop = struct.unpack("=i", value[:4])[0]
            elif kind == socket.IPV6_TCLASS:
                tclass = struct.unpack("=i", value[:4])[0]
            elif kind == IPV6_FLOWINFO:
                flowinfo = struct.unpack("!I", value[:4])[0]
        proto = sock.proto
        return from_transport(6, address[0].split("%")[0], dst, proto, hop, tclass, flowinfo & 0xFFFFF, data)

    def serve(self, sock: Any, key: str) -> None:
        """Accept (and reset) a TCP connection; echo a UDP datagram from the address it was sent to."""
        try:
            if key.startswith("tcp"):
                conn, _ = sock.accept()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            while True:
                data, ancillary, _flags, peer = sock.recvmsg(65536, 256)
                reply = []
                for level, kind, value in ancillary:
                    if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                        # struct in_pktinfo: ifindex, spec_dst, addr: answer from addr
                        reply.append((level, kind, struct.pack("=i4s4s", 0, value[8:12], b"\0" * 4)))
                    elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                        reply.append((level, kind, value[:16] + struct.pack("=i", 0)))
                sock.sendmsg([data], reply, 0, peer)
        except OSError:
            pass

    def owner(self, packet: Parsed) -> int | None:
        tag = packet.tag
        if tag is not None and tag[0] == self.batch & 0xFFFF and tag[1] in self.probes:
            return tag[1]
        inner = packet.inner
        if inner is not None:
            found = self.owner(inner)
            if found is not None:
                return found
        found = self.flows.get(packet.flow())
        if found is not None:
            return found
        if packet.proto == TCP:
            # the opening segment of a local socket after NAT changed one end: the other end
            # is still the probe's (no two ESTABLISHED TCP probes of a batch share an end)
            found = self.ends.get((packet.src, packet.sport)) or self.ends.get((packet.dst, packet.dport))
            if found is not None:
                return found
        made = self.idents.get((packet.family, packet.proto, packet.ident))
        if made is not None and made[1] == _signature(packet):
            return made[0]
        return None

    def observed(self, where: str, packet: Parsed, wait: float) -> None:
        index = self.owner(packet)
        if index is None:
            self.unattributed += 1
            return
        probe = self.probes[index]
        probe.events.add(f"{where}: {describe(packet)}")
        if where != "delivered" and probe.waiting is not None and probe.waiting.accept(where, packet):
            probe.waiting = None
            self.advance(probe, (where, packet), wait)

    def drain(self) -> None:
        """Read and forget whatever is still queued from an earlier batch."""
        for fd in self.tuns.values():
            while True:
                try:
                    os.read(fd, 65536)
                except BlockingIOError:
                    break
        for sock, _, _ in self.raw_in:
            while True:
                try:
                    sock.recv(65536)
                except BlockingIOError:
                    break


def main() -> int:
    agent = Agent()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        op = command.pop("op")
        try:
            if op == "setup":
                reply = agent.setup(**command)
            elif op == "configure":
                reply = agent.configure(**command)
            elif op == "flush":
                agent.reset()
                reply = {"ok": True}
            elif op == "run":
                reply = agent.run(**command)
            elif op == "quit":
                out.write(json.dumps({"ok": True}) + "\n")
                out.flush()
                return 0
            else:
                reply = {"error": f"unknown command {op!r}"}
        except Exception as err:  # reported to the caller, which raises it there
            reply = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
