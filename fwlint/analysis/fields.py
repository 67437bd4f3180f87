"""Header fields as BDD variables, and how values of each field are encoded.

Every field is a fixed number of bits, most significant bit first, declared to CUDD in one
order (:data:`FIELD_ORDER`).  A chain's "remaining packets" set is the complement of a union of
rule boxes, and its size (and the cost of every operation on it) depends on that order.  The
order was chosen by measuring (bench/analysis.py, and CUDD's group sifting run on the reach sets
of generated chains, which it could improve by only a quarter): the interface and MAC of the
"-i IF -m mac --mac-source M" rules first, so those boxes are settled before anything else and
not copied below every combination of the other fields; then the protocol and what depends on it
(fragment, TCP flags, ICMP type), the connection state, the destination port and the output
interface; the addresses and the fields few rules test (marks, source port) last, where a prefix
trie costs one node per fixed bit.  Fields no rule tests cost nothing wherever they stand, except
the address types: the universe says "exactly one type" of each IPv4 address (24 levels of a
one-hot test), and every set is cut down to the universe, so above the other fields that test
was copied under each distinct rest of a chain's "remaining packets" set (a third of its nodes,
on gen_ruleset.py chains); at the bottom all paths share one copy.

Interfaces are symbols, not strings: :class:`InterfaceSymbols` gives each name the ruleset uses
a code, each ``prefix+`` wildcard a code of its own for "other names with this prefix", and one
code for every other name (and for "no interface").  ``-i eth+`` is then the set of the codes
whose name or prefix starts with ``eth``, exactly.

Values are built from cached 8-bit pieces (an address prefix is at most four cached pieces and
three conjunctions; a range, two comparisons of at most four pieces), so a value many rules
test, or a byte many values share, is built once.
"""

from __future__ import annotations

import ipaddress
import os
import random
from collections.abc import Iterable, Mapping
from typing import Any

# field name -> width in bits (addresses: 32 for IPv4, 128 for IPv6; interfaces: per ruleset)
FIXED_WIDTHS: dict[str, int] = {
    "family": 1,      # 0: IPv4, 1: IPv6
    "proto": 8,       # layer-4 protocol (IPv6: the upper-layer header)
    "frag": 1,        # a second or later fragment (offset != 0)
    "ctstate": 3,     # INVALID NEW ESTABLISHED RELATED UNTRACKED (0..4, exclusive)
    "snat": 1,        # conntrack status: source NAT applied (the virtual state SNAT)
    "dnat": 1,        # conntrack status: destination NAT applied (DNAT)
    "ctstatus": 4,    # EXPECTED SEEN_REPLY ASSURED CONFIRMED
    "pkttype": 3,     # link-layer packet type (PACKET_HOST=0, BROADCAST=1, MULTICAST=2 ...)
    "tcpflags": 8,    # CWR ECE URG ACK PSH RST SYN FIN (bit 7 .. bit 0)
    "icmptype": 8,    # ICMP or ICMPv6 type
    "icmpcode": 8,
    "srctype": 12,    # address type mask of the source (xt_addrtype bits, UNSPEC = bit 0)
    "dsttype": 12,
    "tos": 8,         # IPv4 TOS / IPv6 traffic class: DSCP is the top six bits, ECN the low two
    "ttl": 8,         # IPv4 TTL / IPv6 hop limit
    "length": 16,     # layer-3 length
    "mark": 32,       # nfmark
    "ctmark": 32,     # connection mark
    "hasmac": 1,      # the packet came in with an Ethernet header
    "mac": 48,        # its source MAC
    "sport": 16,
    "dport": 16,
}

FIELD_ORDER: tuple[str, ...] = (
    "family", "iif", "hasmac", "mac", "proto", "frag", "tcpflags", "icmptype", "icmpcode",
    "ctstate", "snat", "dnat", "ctstatus", "dport", "oif", "pkttype", "tos",
    "ttl", "length", "dst", "src", "mark", "ctmark", "sport", "srctype", "dsttype",
)
"""The variable order, outermost first (see the module docstring)."""

CT_STATES: tuple[str, ...] = ("INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED")
"""Codes of the ``ctstate`` field, in order.  NEW, ESTABLISHED and RELATED packets have a
conntrack entry ("tracked"); INVALID and UNTRACKED ones have none."""

CT_STATUS_BITS: dict[str, int] = {"EXPECTED": 0, "SEEN_REPLY": 1, "ASSURED": 2, "CONFIRMED": 3}
"""Bit of each conntrack status in the ``ctstatus`` field (bit 0 is the least significant)."""

TCP_FLAG_BITS: dict[str, int] = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10,
                                 "URG": 0x20, "ECE": 0x40, "CWR": 0x80}

ADDRESS_TYPES: tuple[str, ...] = ("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
                                  "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE")
"""xt_addrtype's types; type i is bit i of the ``srctype`` / ``dsttype`` masks."""

PACKET_TYPES: dict[str, int] = {"unicast": 0, "host": 0, "broadcast": 1, "bcast": 1,
                                "multicast": 2, "mcast": 2, "otherhost": 3, "outgoing": 4,
                                "user": 6, "kernel": 7}
PACKET_TYPE_NAMES: dict[int, str] = {0: "unicast", 1: "broadcast", 2: "multicast", 3: "otherhost",
                                     4: "outgoing", 6: "user", 7: "kernel"}
"""pkttype codes as the match sees them (a looped-back packet reads as broadcast or multicast,
so code 5, PACKET_LOOPBACK, never occurs)."""


def memory_budget() -> int:
    """Bytes CUDD may use: 1 GiB, or half the machine's memory when that is less."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 30
    return max(64 << 20, min(1 << 30, total // 2))


SCRATCH_MEMORY = 64 << 20
"""The memory a scratch manager plans for (CUDD sizes its tables' growth by it; not a limit)."""

SCRATCH_CACHE = 1 << 13
"""The entries of a scratch manager's computed table (CUDD would grow it as it pays off for the
hit rate; a larger one misses the processor's caches: 32k entries made the 50k-rule benchmark
20% slower than 16k, CUDD's own growth 25-30%; 8k was ~3% faster than 16k in interleaved runs
of the 10k case, 4k no faster than 8k)."""

SCRATCH_CACHE_MAX = SCRATCH_CACHE


class InterfaceSymbols:
    """The interface names and ``+`` prefixes a ruleset uses, each with a code.

    Code 0 is "any other name" (and no interface at all); then the exact names, then one
    code per wildcard prefix for the names with that prefix that are not listed.
    """

    def __init__(self, names: Iterable[str]) -> None:
        exact: set[str] = set()
        prefixes: set[str] = set()
        for name in names:
            if name.endswith("+"):
                if name[:-1]:
                    prefixes.add(name[:-1])
            elif name:
                exact.add(name)
        self.exact: tuple[str, ...] = tuple(sorted(exact))
        self.prefixes: tuple[str, ...] = tuple(sorted(prefixes))
        self.symbols: tuple[tuple[str, str], ...] = (("other", ""),) + tuple(
            ("name", n) for n in self.exact) + tuple(("prefix", p) for p in self.prefixes)
        self.code: dict[tuple[str, str], int] = {s: i for i, s in enumerate(self.symbols)}
        self.width = max(1, (len(self.symbols) - 1).bit_length())

    def __len__(self) -> int:
        return len(self.symbols)

    def codes_for(self, pattern: str) -> list[int] | None:
        """The codes an ``-i``/``-o`` value matches; None for ``+`` (every interface)."""
        if pattern.endswith("+"):
            prefix = pattern[:-1]
            if not prefix:
                return None
            return [i for i, (kind, text) in enumerate(self.symbols)
                    if kind != "other" and text.startswith(prefix)]
        code = self.code.get(("name", pattern))
        return [code] if code is not None else []

    def symbol_of(self, name: str) -> int:
        """The code of a concrete interface name ("" for none)."""
        if name in self.exact:
            return self.code[("name", name)]
        best = None
        for p in self.prefixes:
            if name.startswith(p) and (best is None or len(p) > len(best)):
                best = p
        return self.code[("prefix", best)] if best is not None else 0

    def example(self, code: int) -> str:
        """A concrete name with this code: the name itself, the prefix plus a suffix no listed
        name or longer prefix takes, or "" (no interface) for "other"."""
        kind, text = self.symbols[code]
        if kind == "name":
            return text
        if kind == "other":
            return ""
        for suffix in ("fw", "fw0", "z9", "x", "0fw", "_fw"):
            candidate = (text + suffix)[:15]
            if self.symbol_of(candidate) == code:
                return candidate
        for n in range(1000):
            candidate = (text + f"q{n}")[:15]
            if self.symbol_of(candidate) == code:
                return candidate
        raise ValueError(f"no interface name stands for the prefix {text}+ alone")


def _cudd():
    """dd's CUDD module, imported without networkx.

    dd imports networkx when it is installed, only for drawing diagrams; that import costs
    about a third of a second, paid by every `fwlint check`.  Hiding it during dd's import
    makes dd take its no-networkx path; other code importing networkx later is unaffected."""
    import sys

    if "dd.cudd" in sys.modules or "networkx" in sys.modules:
        import dd.cudd
        return dd.cudd
    sys.modules["networkx"] = None  # type: ignore[assignment]
    try:
        import dd.cudd
    finally:
        del sys.modules["networkx"]
    return dd.cudd


class Encoding:
    """One BDD manager with every header field declared, and encoders for their values.

    ``family`` fixes the address width; ``interfaces`` the interface codes.  The sets of
    packets of one ruleset's analysis live in one Encoding, so they share nodes; a ``scratch``
    one (small tables, the same variables in the same order) serves leaf chains worked out
    apart, whose results are moved to the main one (fwlint.analysis.scratch).
    """

    def __init__(self, family: int, interfaces: InterfaceSymbols, scratch: bool = False) -> None:
        cudd = _cudd()

        self.family = family
        self.interfaces = interfaces
        self.widths: dict[str, int] = dict(FIXED_WIDTHS)
        self.widths["iif"] = self.widths["oif"] = interfaces.width
        self.widths["src"] = self.widths["dst"] = 32 if family == 4 else 128
        if scratch:  # small tables, dead nodes collected early (fwlint.analysis.scratch)
            self.bdd = cudd.BDD(SCRATCH_MEMORY, SCRATCH_CACHE)
            self.bdd.configure(reordering=False, loose_up_to=1, max_cache_hard=SCRATCH_CACHE_MAX)
        else:
            self.bdd = cudd.BDD(memory_budget())
            self.bdd.configure(reordering=False)
        self.names: dict[str, tuple[str, ...]] = {}
        order: list[str] = []
        for f in FIELD_ORDER:
            bits = tuple(f"{f}{i}" for i in range(self.widths[f]))
            self.names[f] = bits
            order.extend(bits)
        self.bdd.declare(*order)
        self.variable_count = len(order)
        self.true = self.bdd.true
        self.false = self.bdd.false
        self._vars = {name: self.bdd.var(name) for name in order}
        self._cache: dict[tuple, Any] = {}
        self._field_of_var = {v: f for f, bits in self.names.items() for v in bits}
        self.universe = self._universe()
        from fwlint.analysis.native import questions

        self.ask = questions(self.bdd, self.variable_count)
        """``ask.within(f, g)``, ``ask.disjoint(f, g)``: answered without building a BDD."""

    # --- building blocks -------------------------------------------------------------------

    def var(self, name: str):
        return self._vars[name]

    def bits(self, field: str) -> tuple[str, ...]:
        return self.names[field]

    def _cached(self, key: tuple, build):
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = build()
        return hit

    def equals(self, field: str, value: int):
        """field == value."""
        return self.masked(field, value, (1 << self.widths[field]) - 1)

    def masked(self, field: str, value: int, mask: int):
        """(field & mask) == value; empty when value has bits outside mask.

        Built from cached 8-bit pieces, lowest first (each piece sits above the ones already
        built, so every conjunction only adds nodes on top)."""
        key = ("masked", field, value, mask)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        width = self.widths[field]
        if value & ~mask & ((1 << width) - 1):
            out = self.false
        else:
            out = self.true
            for start in range(((width - 1) // 8) * 8, -1, -8):
                size = min(8, width - start)
                shift = width - start - size
                piece_mask = (mask >> shift) & ((1 << size) - 1)
                if piece_mask:
                    out = self._piece(field, start, size, (value >> shift) & piece_mask, piece_mask) & out
        if width <= 16:  # wide values (addresses, MACs, marks) are rarely repeated: the pieces are
            self._cache[key] = out
        return out

    def _piece(self, field: str, start: int, size: int, value: int, mask: int):
        """Bits start..start+size-1 of ``field`` (MSB first) under ``mask`` equal ``value``."""
        key = ("piece", field, start, size, value, mask)
        hit = self._cache.get(key)
        if hit is None and size == 8:
            # two cached 4-bit pieces, the upper one above: one conjunction, where the bit
            # by bit build takes eight (a scratch manager builds its pieces anew)
            hit = self._cache[key] = self._piece(field, start, 4, value >> 4, mask >> 4) & \
                self._piece(field, start + 4, 4, value & 15, mask & 15)
        elif hit is None:
            hit = self.true
            names = self.names[field]
            for i in range(size - 1, -1, -1):
                bit = 1 << (size - 1 - i)
                if mask & bit:
                    v = self._vars[names[start + i]]
                    hit = (v & hit) if value & bit else (~v & hit)
            self._cache[key] = hit
        return hit

    def bit(self, field: str, value: int):
        """The bit of ``field`` whose value is ``value`` (a one-bit mask) is set."""
        return self.masked(field, value, value)

    def at_least(self, field: str, low: int):
        """field >= low."""
        return self._compare(field, low, "ge")

    def at_most(self, field: str, high: int):
        """field <= high."""
        return self._compare(field, high, "le")

    def _compare(self, field: str, bound: int, kind: str):
        """field >= bound ("ge") or <= bound ("le"), from cached 8-bit pieces: the top piece
        beyond its bound, or equal to it and the rest compared the same way."""
        key = (kind, field, bound)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        width = self.widths[field]
        strict = "gt" if kind == "ge" else "lt"
        out = self.true
        starts = list(range(0, width, 8))
        for n, start in enumerate(reversed(starts)):
            size = min(8, width - start)
            shift = width - start - size
            piece = (bound >> shift) & ((1 << size) - 1)
            if n == 0:
                out = self._order_piece(field, start, size, piece, kind)
            else:
                out = self._order_piece(field, start, size, piece, strict) | (
                    self._piece(field, start, size, piece, (1 << size) - 1) & out)
        self._cache[key] = out
        return out

    def _order_piece(self, field: str, start: int, size: int, value: int, kind: str):
        """Bits start..start+size-1 of ``field`` read as a number: >, >=, <, <= value."""
        key = ("order", field, start, size, value, kind)
        hit = self._cache.get(key)
        if hit is None and size == 8:
            # from cached 4-bit pieces: the upper half beyond its bound, or equal to it and the
            # lower half compared the same way (two operations, where bit by bit takes eight)
            high, low = value >> 4, value & 15
            strict = "gt" if kind in ("ge", "gt") else "lt"
            hit = self._cache[key] = self._order_piece(field, start, 4, high, strict) | (
                self._piece(field, start, 4, high, 15) & self._order_piece(field, start + 4, 4, low, kind))
        elif hit is None:
            names = self.names[field]
            greater = kind in ("gt", "ge")
            hit = self.true if kind in ("ge", "le") else self.false
            for i in range(size - 1, -1, -1):
                v = self._vars[names[start + i]]
                if value >> (size - 1 - i) & 1:
                    hit = (v & hit) if greater else (~v | hit)
                else:
                    hit = (v | hit) if greater else (~v & hit)
            self._cache[key] = hit
        return hit

    def range(self, field: str, low: int, high: int):
        """low <= field <= high, in O(width) nodes."""
        width = self.widths[field]
        top = (1 << width) - 1
        if low > high:
            return self.false
        if low <= 0 and high >= top:
            return self.true
        if low == high:
            return self.equals(field, low)
        key = ("range", field, low, high)
        hit = self._cache.get(key)
        if hit is None:
            if low <= 0:
                hit = self.at_most(field, high)
            elif high >= top:
                hit = self.at_least(field, low)
            else:
                hit = self.at_least(field, low) & self.at_most(field, high)
            self._cache[key] = hit
        return hit

    def prefix(self, field: str, value: int, length: int):
        """The top ``length`` bits of ``field`` equal those of ``value``."""
        width = self.widths[field]
        mask = ((1 << length) - 1) << (width - length) if length else 0
        return self.masked(field, value & mask, mask)

    def one_of(self, field: str, values: Iterable[int]):
        """field is one of ``values``."""
        key = ("one_of", field, tuple(sorted(set(values))))

        def build():
            acc = self.false
            for v in key[2]:
                acc = acc | self.equals(field, v)
            return acc
        return self._cached(key, build)

    def network(self, field: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network):
        """An address field within a network (the address family must match the encoding's)."""
        return self.prefix(field, int(net.network_address), net.prefixlen)

    def interface(self, field: str, pattern: str):
        """``-i``/``-o`` semantics: an exact name, or a ``prefix+`` wildcard."""
        codes = self.interfaces.codes_for(pattern)
        if codes is None:
            return self.true
        return self.one_of(field, codes)

    # --- the packet space ------------------------------------------------------------------

    def _universe(self):
        u = self.equals("family", 0 if self.family == 4 else 1)
        u &= self.range("ctstate", 0, len(CT_STATES) - 1)
        u &= ~self.equals("pkttype", 5)
        n = len(self.interfaces)
        u &= self.range("iif", 0, n - 1) & self.range("oif", 0, n - 1)
        if self.family == 4:
            for field in ("srctype", "dsttype"):
                u &= self.one_of(field, [1 << i for i in range(len(ADDRESS_TYPES))])
        return u

    def tracked(self):
        """The packet has a conntrack entry (NEW, ESTABLISHED or RELATED)."""
        return self._cached(("tracked",), lambda: self.range("ctstate", 1, 3))

    def support_vars(self, fields: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for f in fields:
            out.update(self.names[f])
        return out

    # --- concrete packets ------------------------------------------------------------------

    def assignment(self, values: Mapping[str, Any]) -> dict[str, bool]:
        """Bit values for the fields given (see :func:`field_value` for their forms)."""
        out: dict[str, bool] = {}
        for field, value in values.items():
            if field not in self.names:
                raise KeyError(f"unknown header field {field!r}")
            number = self.field_number(field, value)
            width = self.widths[field]
            for i, name in enumerate(self.names[field]):
                out[name] = bool(number >> (width - 1 - i) & 1)
        return out

    def field_number(self, field: str, value: Any) -> int:
        """The integer a field holds for a concrete value."""
        if field == "family":
            return 0 if int(value) == 4 else 1
        if field in ("src", "dst"):
            return int(ipaddress.ip_address(value)) if not isinstance(value, int) else value
        if field in ("iif", "oif"):
            return self.interfaces.symbol_of(value or "")
        if field == "ctstate":
            return CT_STATES.index(value.upper()) if isinstance(value, str) else int(value)
        if field == "ctstatus":
            if isinstance(value, int):
                return value
            return sum(1 << CT_STATUS_BITS[s.upper()] for s in value)
        if field == "tcpflags":
            if isinstance(value, int):
                return value
            return sum(TCP_FLAG_BITS[f.upper()] for f in value)
        if field in ("srctype", "dsttype"):
            if isinstance(value, int):
                return value
            if isinstance(value, str):
                value = (value,)
            return sum(1 << ADDRESS_TYPES.index(t.upper()) for t in value)
        if field == "pkttype":
            return PACKET_TYPES[value.lower()] if isinstance(value, str) else int(value)
        if field == "mac":
            if isinstance(value, str):
                return int(value.replace(":", ""), 16)
            return int(value)
        return int(value)

    def decode(self, bits: Mapping[str, bool]) -> dict[str, Any]:
        """Field values from bit values (bits not given count as 0)."""
        numbers: dict[str, int] = {}
        for field, names in self.names.items():
            n = 0
            for name in names:
                n = (n << 1) | (1 if bits.get(name, False) else 0)
            numbers[field] = n
        out: dict[str, Any] = {}
        for field, n in numbers.items():
            if field == "family":
                out[field] = 4 if n == 0 else 6
            elif field in ("src", "dst"):
                out[field] = ipaddress.ip_address(n) if self.family == 4 else ipaddress.IPv6Address(n)
            elif field in ("iif", "oif"):
                out[field] = self.interfaces.example(n) if n < len(self.interfaces) else ""
            elif field == "ctstate":
                out[field] = CT_STATES[n] if n < len(CT_STATES) else f"state{n}"
            elif field == "ctstatus":
                out[field] = frozenset(s for s, b in CT_STATUS_BITS.items() if n >> b & 1)
            elif field in ("snat", "dnat", "frag", "hasmac"):
                out[field] = bool(n)
            elif field in ("srctype", "dsttype"):
                out[field] = frozenset(t for i, t in enumerate(ADDRESS_TYPES) if n >> i & 1)
            elif field == "pkttype":
                out[field] = PACKET_TYPE_NAMES.get(n, str(n))
            elif field == "mac":
                out[field] = ":".join(f"{(n >> (8 * (5 - i))) & 0xFF:02x}" for i in range(6))
            else:
                out[field] = n
        return out

    def holds(self, u, values: Mapping[str, Any]) -> bool | None:
        """Whether the packet ``values`` describes is in ``u``; None when that depends on
        fields ``values`` leaves out."""
        r = self.bdd.let(self.assignment(values), u)
        if r == self.true:
            return True
        if r == self.false:
            return False
        return None

    def sample(self, u, count: int = 1, seed: int | None = 0) -> list[dict[str, Any]]:
        """Up to ``count`` concrete packets of ``u`` (within the universe), picked at random:
        each bit, in variable order, takes a random value that keeps the set non-empty."""
        rng = random.Random(seed)
        u = u & self.universe
        if u == self.false:
            return []
        order = [name for f in FIELD_ORDER for name in self.names[f]]
        out = []
        for _ in range(count):
            cur = u
            bits: dict[str, bool] = {}
            for name in order:
                first = rng.random() < 0.5
                nxt = self.bdd.let({name: first}, cur)
                if nxt == self.false:
                    first = not first
                    nxt = self.bdd.let({name: first}, cur)
                bits[name] = first
                cur = nxt
            out.append(self.decode(bits))
        return out

    def field_of(self, var: str) -> str:
        return self._field_of_var[var]

    def node_count(self) -> int:
        return len(self.bdd)
