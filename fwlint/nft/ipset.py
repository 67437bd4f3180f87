"""``--ipset FILE``: the sets ``-m set`` and ``-j SET`` use, read from ``ipset save`` output, as
named nft sets.

A rule naming an ipset depends on what the kernel holds at the time; translating it needs the
set's contents, which ``ipset save`` prints::

    create blocklist hash:net family inet hashsize 1024 maxelem 65536
    add blocklist 192.0.2.0/24
    add blocklist 198.51.100.7

Each set becomes ``set blocklist { type ipv4_addr; flags interval; elements = { ... } }``.
The types with an nft form: hash:ip, hash:net, hash:ip,port, hash:net,port, hash:ip,port,ip,
hash:ip,port,net, hash:net,net, hash:ip,mark, hash:net,iface, hash:mac, bitmap:ip, bitmap:port,
bitmap:ip,mac.  A set of another type (list:set ...), or with ``nomatch`` entries (exceptions
nft sets cannot hold), is known but untranslatable: a rule using it is FW601 with the reason.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass, field

from fwlint.nft.emitter import NftSet
from fwlint.nft.names import is_identifier, sanitise

# the dimensions of each type: ip (an address), net (an address or network), port (a
# protocol and a port), mark, iface, mac
TYPES: dict[str, tuple[str, ...]] = {
    "hash:ip": ("ip",), "hash:net": ("net",), "hash:ip,port": ("ip", "port"),
    "hash:net,port": ("net", "port"), "hash:ip,port,ip": ("ip", "port", "ip"),
    "hash:ip,port,net": ("ip", "port", "net"), "hash:net,net": ("net", "net"),
    "hash:ip,mark": ("ip", "mark"), "hash:net,iface": ("net", "iface"), "hash:mac": ("mac",),
    "bitmap:ip": ("ip",), "bitmap:port": ("bport",), "bitmap:ip,mac": ("ip", "mac"),
}
_PORT_PROTOCOLS = ("tcp", "udp", "sctp", "udplite")


class IpsetError(ValueError):
    """The --ipset file cannot be read as ipset save output."""


@dataclass
class IpSet:
    name: str
    type: str
    family: int | None  # 4, 6, or None (hash:mac, bitmap:port)
    dims: tuple[str, ...] = ()
    timeout: int | None = None
    entries: list[tuple[str, int | None, str | None]] = field(default_factory=list)
    problem: str | None = None  # why it cannot be an nft set
    dynamic: bool = False  # -j SET adds to it

    @property
    def nft_name(self) -> str:
        name = sanitise(self.name)
        return name if is_identifier(name) else f"ipset_{name}"

    def nft_types(self) -> list[str]:
        addr = "ipv6_addr" if self.family == 6 else "ipv4_addr"
        out: list[str] = []
        for dim in self.dims:
            if dim in ("ip", "net"):
                out.append(addr)
            elif dim == "port":
                out.extend(("inet_proto", "inet_service"))
            elif dim == "bport":
                out.append("inet_service")
            elif dim == "mark":
                out.append("mark")
            elif dim == "iface":
                out.append("ifname")
            elif dim == "mac":
                out.append("ether_addr")
        return out

    @property
    def interval(self) -> bool:
        return "net" in self.dims

    def to_nft(self) -> NftSet:
        texts, datas = [], []
        for entry, timeout, comment in self.entries:
            text, data = self._element(entry)
            if timeout is not None:
                text += f" timeout {timeout}s"
            if comment is not None:
                text += f' comment "{comment}"'
            if timeout is not None or comment is not None:
                elem: dict = {"val": data}
                if timeout is not None:
                    elem["timeout"] = timeout
                if comment is not None:
                    elem["comment"] = comment
                data = {"elem": elem}
            texts.append(text)
            datas.append(data)
        flags: list[str] = []
        if self.interval:
            flags.append("interval")
        if self.timeout is not None:
            flags.append("timeout")
        return NftSet(self.nft_name, " . ".join(self.nft_types()), tuple(flags), tuple(texts),
                      tuple(datas), self.timeout, note=f"ipset {self.name} ({self.type})")

    def _element(self, entry: str) -> tuple[str, object]:
        parts = entry.split(",")
        texts, datas = [], []
        for dim, part in zip(self.dims, parts):
            if dim in ("ip", "net"):
                net = ipaddress.ip_network(part, strict=False)
                if net.prefixlen == net.max_prefixlen:
                    texts.append(str(net.network_address))
                    datas.append(str(net.network_address))
                else:
                    texts.append(str(net))
                    datas.append({"prefix": {"addr": str(net.network_address), "len": net.prefixlen}})
            elif dim == "port":
                proto, _, port = part.rpartition(":")
                proto = proto or "tcp"
                texts.extend((proto, port))
                datas.extend((proto, int(port)))
            elif dim == "bport":
                texts.append(part.rpartition(":")[2])
                datas.append(int(part.rpartition(":")[2]))
            elif dim == "mark":
                texts.append(part)
                datas.append(int(part, 0))
            elif dim == "iface":
                texts.append(f'"{part}"')
                datas.append(part)
            elif dim == "mac":
                texts.append(part.lower())
                datas.append(part.lower())
        if len(texts) == 1:
            return texts[0], datas[0]
        return " . ".join(texts), {"concat": datas}


def _check_entry(ipset: IpSet, entry: str, options: list[str]) -> str | None:
    """Why ``entry`` cannot be an nft element (None when it can)."""
    if "nomatch" in options:
        return f"entry {entry} is an exception (nomatch), which nft sets cannot hold"
    parts = entry.split(",")
    if len(parts) != len(ipset.dims):
        return f"entry {entry!r} does not fit type {ipset.type}"
    for dim, part in zip(ipset.dims, parts):
        try:
            if dim in ("ip", "net"):
                if "-" in part:
                    return f"entry {entry}: an address range (ipset save prints single entries)"
                net = ipaddress.ip_network(part, strict=False)
                if ipset.family is not None and net.version != ipset.family:
                    return f"entry {entry} is not of the set's family"
            elif dim == "port":
                proto, _, port = part.rpartition(":")
                if proto and proto not in _PORT_PROTOCOLS:
                    return f"entry {entry}: ipset keys the {proto} type there, nft's set a port"
                if not 0 <= int(port) <= 65535:
                    return f"entry {entry}: port out of range"
            elif dim == "bport":
                int(part.rpartition(":")[2])
            elif dim == "mark":
                int(part, 0)
            elif dim == "iface":
                if part.startswith("physdev:") or '"' in part:
                    return f"entry {entry}: a bridge port (physdev:)"
        except ValueError:
            return f"entry {entry!r} does not fit type {ipset.type}"
    return None


def read_ipset_text(text: str, path: str = "-") -> dict[str, IpSet]:
    """The sets of ``ipset save`` text, by name."""
    sets: dict[str, IpSet] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def where(index: int = 0, raw: str = raw, number: int = number) -> str:
            """file:line:column of the line's word ``index`` (a word in quotes may move it)."""
            starts = [m.start() for m in re.finditer(r"\S+", raw)]
            return f"{path}:{number}:{starts[min(index, len(starts) - 1)] + 1}"

        try:
            words = shlex.split(line)
        except ValueError as err:
            quotes = [at for at in (raw.rfind('"'), raw.rfind("'")) if at >= 0]
            raise IpsetError(f"{path}:{number}:{max(quotes) + 1 if quotes else 1}: {err}") from None
        command = words[0]
        if command in ("create", "-N", "-exist") and len(words) >= 3:
            name, type_ = words[1], words[2]
            options = words[3:]
            family = None
            if type_.startswith(("hash:", "bitmap:ip")) and type_ not in ("hash:mac",):
                family = 4
            if "family" in options:
                at = options.index("family") + 1
                fam = options[at] if at < len(options) else ""
                family = {"inet": 4, "inet6": 6}.get(fam, family)
            timeout = None
            if "timeout" in options:
                try:
                    timeout = int(options[options.index("timeout") + 1])
                except (IndexError, ValueError):
                    raise IpsetError(f"{where(3 + options.index('timeout'))}: timeout needs a number") from None
            dims = TYPES.get(type_)
            ipset = IpSet(name, type_, family, dims or (), timeout)
            if dims is None:
                ipset.problem = f"type {type_} has no nft form"
            sets[name] = ipset
        elif command in ("add", "-A") and len(words) >= 3:
            name, entry, options = words[1], words[2], words[3:]
            ipset = sets.get(name)
            if ipset is None:
                raise IpsetError(f"{where(1)}: add to set {name}, never created")
            if ipset.problem is not None:
                continue
            why = _check_entry(ipset, entry, options)
            if why is not None:
                ipset.problem = why
                continue
            timeout = int(options[options.index("timeout") + 1]) if "timeout" in options else None
            comment = options[options.index("comment") + 1] if "comment" in options else None
            if comment is not None and '"' in comment:
                comment = comment.replace('"', "'")
            ipset.entries.append((entry, timeout, comment))
        else:
            raise IpsetError(f"{where()}: not ipset save output: {line[:60]!r}")
    return sets


def read_ipset_file(path: str) -> dict[str, IpSet]:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return read_ipset_text(f.read(), path)
