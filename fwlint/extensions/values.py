"""Value types of extension options: how a word is read, and when it is bad.

Each type is a callable object: ``parse(text, family)`` returns the value in a
form the rest of fwlint can use (ints, networks, frozensets ...) or raises
:class:`BadValue` with a message that says what was expected.  The readers
follow iptables 1.8.9 (legacy) to the letter, because the validity rules use
them to say what ``iptables-restore`` refuses: numbers are read as C's
``strtoul`` with base 0 reads them (``0x16`` and ``026`` are numbers, leading
blanks are skipped, a minus sign is refused), addresses as iptables' own
parser and then ``getaddrinfo`` read them, service names as netbase's
``/etc/services`` lists them.

Three outcomes besides a value:

- :class:`BadValue`: iptables refuses the rule.  :class:`WrongFamily`, a
  subclass, when the value is an address (or type) of the other IP family.
- :class:`Unresolved`: a host name, looked up when the rules are loaded; not
  knowable here.
- a note: iptables takes the value but silently changes it or it can never
  match (port 70000 becomes 4464 in the udp match; a range that runs
  backwards).  :meth:`ValueType.check` returns the notes with the value;
  ``parse`` returns the value only.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Callable, NamedTuple

from fwlint.data.services import PROTOCOLS, service_port


class BadValue(ValueError):
    """A value iptables would refuse, with the reason in words."""


class WrongFamily(BadValue):
    """A value of the other address family: an IPv6 address in an IPv4 rule, or the reverse."""

    def __init__(self, message: str, family: int) -> None:
        super().__init__(message)
        self.family = family  # the family the value belongs to


class NeedsProtocol(BadValue):
    """The value needs a -p the rule does not give before it (multiport's ports, a NAT port)."""


class Unresolved(ValueError):
    """A name iptables looks up when the rules are loaded (a host, a user, a label ...)."""


class HostName(Unresolved):
    """A host name: iptables resolves it (DNS, /etc/hosts) when the rules are loaded."""


_notes: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("fwlint_value_notes",
                                                                          default=None)


def _note(message: str) -> None:
    """Record that iptables accepts the value being read but changes it or never matches it."""
    notes = _notes.get()
    if notes is not None:
        notes.append(message)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per type
class ValueType:
    """How one option value is read.  ``parser(text, family)``; a type whose reading depends on
    the rule's protocol (multiport's service names) has ``with_protocol(text, family, protocol)``
    too, ``protocol`` being the ``-p`` given before the option as a lower-case name (``tcp``),
    ``""`` when no positive -p comes before it, or None when that is not known (then the value is
    read as leniently as any protocol allows)."""

    name: str
    parser: Callable[[str, int], object]
    with_protocol: Callable[[str, int, str | None], object] | None = None

    def parse(self, text: str, family: int = 4, protocol: str | None = None) -> object:
        return self.check(text, family, protocol)[0]

    def check(self, text: str, family: int = 4, protocol: str | None = None
              ) -> tuple[object, tuple[str, ...]]:
        """The value and what iptables silently does to it (empty when nothing); raises as
        :meth:`parse` does.  Results are cached: a large ruleset repeats its values."""
        if self.with_protocol is None:
            protocol = None
        outcome = _read(self, text, family, protocol)
        if isinstance(outcome, _Refusal):
            raise outcome.error()  # a new error each time: nothing the cache keeps holds frames
        return outcome

    def _read(self, text: str, family: int, protocol: str | None) -> object:
        if self.with_protocol is not None:
            return self.with_protocol(text, family, protocol)
        return self.parser(text, family)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class _Refusal:
    """The error a reading raised, kept as what it was made of (its class, arguments and
    attributes), not as the error itself: a raised error holds its traceback, and through it
    the frames of every function it passed and their variables (whole rulesets), for as long
    as the cache keeps it."""

    kind: type[ValueError]
    args: tuple
    attributes: tuple[tuple[str, object], ...]

    def error(self) -> ValueError:
        """A fresh error equal to the one the reading raised (WrongFamily keeps its family)."""
        error = self.kind.__new__(self.kind, *self.args)
        error.args = self.args
        error.__dict__.update(self.attributes)
        return error


# Room for every distinct value of a large ruleset (50,000 rules hold about 80,000): with less,
# each rule that reads the values evicts what the next one needs, and every value is read again.
@functools.lru_cache(maxsize=1 << 18)
def _read(vtype: ValueType, text: str, family: int, protocol: str | None
          ) -> tuple[object, tuple[str, ...]] | _Refusal:
    """One reading, with its notes, or the error it raises (kept as a _Refusal)."""
    notes: list[str] = []
    token = _notes.set(notes)
    try:
        return vtype._read(text, family, protocol), tuple(notes)
    except ValueError as err:
        return _Refusal(type(err), err.args, tuple(vars(err).items()))
    finally:
        _notes.reset(token)


def _any(text: str, family: int) -> str:
    return text


# --- numbers, read as xtables_strtoui reads them ------------------------------------------------

_C_SPACE = " \t\n\v\f\r"
_ULONG_MAX = 2 ** 64 - 1
_C_NUMBER = {
    0: re.compile(r"\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)"),
    10: re.compile(r"[+-]?([0-9]+)"),
}


def _strtoul(text: str, base: int = 0) -> tuple[int | None, str]:
    """C's strtoul: the number at the start of ``text`` (after blanks) and the rest; None when
    there is no number.  With base 0, ``0x`` is hexadecimal and a leading ``0`` octal.  Out of
    range (ERANGE) gives ULONG_MAX + 1."""
    stripped = text.lstrip(_C_SPACE)
    m = _C_NUMBER[base].match(stripped)
    if m is None:
        return None, text
    digits = m.group(1)
    if base == 0:
        radix = 16 if digits[:2] in ("0x", "0X") else 8 if digits.startswith("0") and len(digits) > 1 else 10
        value = int(digits[2:] if radix == 16 else digits, radix)
    else:
        value = int(digits)
        if m.group(0).startswith("-") and value:
            value = _ULONG_MAX + 1 - value if value <= _ULONG_MAX else _ULONG_MAX + 1
    return min(value, _ULONG_MAX + 1), stripped[m.end():]


def _plain_decimal(text: str) -> bool:
    """Decimal digits only, without a leading zero (which would make base 0 read octal)."""
    return text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1)


def c_number(text: str, lo: int = 0, hi: int = _ULONG_MAX, base: int = 0) -> int | None:
    """``text`` as iptables' xtables_strtoui reads a whole word: leading blanks skipped, no minus
    sign, nothing after the digits, within ``lo``..``hi``; None otherwise."""
    if _plain_decimal(text):
        value = int(text)  # the usual word, read as strtoul reads it
        return value if lo <= value <= hi and value <= _ULONG_MAX else None
    if text.lstrip(_C_SPACE).startswith("-"):
        return None
    value, rest = _strtoul(text, base)
    if value is None or rest or value > _ULONG_MAX or not lo <= value <= hi:
        return None
    return value


def _integer(lo: int, hi: int) -> Callable[[str, int], int]:
    def parse(text: str, family: int) -> int:
        n = c_number(text, 0, _ULONG_MAX)
        if n is None:
            value, rest = _strtoul(text)
            if value is not None and rest and not text.lstrip(_C_SPACE).startswith("-"):
                raise BadValue(f"{text!r}: trailing {rest!r} after the number")
            raise BadValue(f"{text!r} is not a number from {lo} to {hi}")
        if not lo <= n <= hi:
            raise BadValue(f"{n} is out of range {lo}..{hi}")
        return n
    return parse


# --- ports ------------------------------------------------------------------------------------
#
# iptables reads a port in one of two ways.  The tcp, sctp and multiport matches use
# xtables_parse_port(word, protocol): a number as strtoul base 0 reads it (`0x16` and `026`
# are 22), else a service name of that protocol (getservbyname).  The udp and dccp matches,
# conntrack's port options and the NAT targets use getaddrinfo(): a decimal number, else a
# service name of any protocol; a number past 65535 is not refused but wrapped (70000 is 4464).


def _tcp_style_port(protocol: str) -> Callable[[str, int], int]:
    def parse(text: str, family: int) -> int:
        n = c_number(text, 0, 65535)
        if n is not None:
            return n
        port = service_port(text, protocol)
        if port is not None:
            return port
        if c_number(text) is not None:
            raise BadValue(f"port {text} is out of range 0..65535")
        other = service_port(text)
        if other is not None:
            raise BadValue(f"{text!r} is not a {protocol} service name (it is a service of another "
                           f"protocol, port {other}: write the number)")
        raise BadValue(f"{text!r} is neither a port number nor a {protocol} service name"
                       + _service_hint(text))
    return parse


def _service_hint(text: str) -> str:
    if text.lower() != text and service_port(text.lower()) is not None:
        return f" (service names are lower case: {text.lower()})"
    return ""


def _any_protocol_port(text: str, family: int) -> int:
    """xtables_getportbyname: getaddrinfo(NULL, text) for a port."""
    value, rest = _strtoul(text, 10)
    if value is not None and not rest:
        number = value & 0xFFFFFFFF  # glibc keeps the number in an int ...
        if value > _ULONG_MAX or number >= 2 ** 31:
            raise BadValue(f"{text!r} is not a port number (0..65535)")
        if number > 65535:  # ... and the port in 16 bits
            _note(f"port {text.strip()} is past 65535: iptables takes it as {number & 0xFFFF}")
        return number & 0xFFFF
    port = service_port(text)
    if port is None:
        raise BadValue(f"{text!r} is neither a port number nor a service name" + _service_hint(text))
    return port


def _old_style_port_range(one: Callable[[str, int], int]) -> Callable[[str, int], tuple[int, int]]:
    """``[port]:[port]`` as the tcp and sctp matches read it: an end left out is 0 or 65535, a
    range that runs backwards is refused."""
    def parse(text: str, family: int) -> tuple[int, int]:
        first, sep, second = text.partition(":")
        if not sep:
            port = one(text, family)
            return (port, port)
        lo = one(first, family) if first else 0
        hi = one(second, family) if second else 65535
        if lo > hi:
            raise BadValue(f"port range {text} runs backwards ({lo} > {hi})")
        return (lo, hi)
    return parse


def _guided_port_range(text: str, family: int) -> tuple[int, int]:
    """``[port]:[port]`` as the udp and dccp matches (and conntrack) read it: an end left out is 0
    or 65535, at most two parts; a range that runs backwards is taken and never matches."""
    parts = text.split(":")
    if len(parts) > 2:
        raise BadValue(f"{text!r} has {len(parts)} parts: a port range is port:port")
    ports = [0, 65535]
    for i, part in enumerate(parts):
        if part:
            ports[i] = _any_protocol_port(part, family)
    if len(parts) == 1:
        if not parts[0]:
            _note("an empty port is taken as port 0")
        ports[1] = ports[0]
    if ports[0] > ports[1]:
        _note(f"port range {text} runs backwards ({ports[0]} > {ports[1]}): it never matches")
    return (ports[0], ports[1])


_PORT_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "132": "sctp", "33": "dccp", "136": "udplite"}


def _multiport_list(text: str, family: int, protocol: str | None) -> tuple[tuple[int, int], ...]:
    """multiport's list: at most 15 ports, a range counting two; each port read as
    xtables_parse_port reads it for the -p given before the option, which must be one of tcp,
    udp, udplite, sctp and dccp."""
    proto = _PORT_PROTOCOL_NAMES.get(protocol or "", protocol or "")
    if protocol is not None and proto not in _PORT_PROTOCOL_NAMES.values():
        raise NeedsProtocol("multiport needs -p tcp, udp, udplite, sctp or dccp before its ports")
    one = _tcp_style_port(proto) if proto else _any_protocol_port
    items = text.split(",")
    out = []
    count = 0
    for item in items:
        first, sep, second = item.partition(":")
        if not first or (sep and not second):
            raise BadValue(f"{item!r}: multiport takes port or port:port, with both ends"
                           if item else f"{text!r} has an empty item")
        lo = one(first, family)
        hi = one(second, family) if sep else lo
        if lo > hi:
            raise BadValue(f"port range {item} runs backwards ({lo} > {hi})")
        out.append((lo, hi))
        count += 2 if sep else 1
    if count > 15:
        raise BadValue(f"multiport takes at most 15 ports (a range counts two), {count} given")
    return tuple(out)


def _port_list(text: str, family: int) -> tuple[tuple[int, int], ...]:
    return _multiport_list(text, family, None)


def _nat_port_range(text: str, family: int) -> tuple[int, int]:
    """``port[-port]`` of --to-ports (REDIRECT, MASQUERADE)."""
    first, sep, second = text.partition("-")
    lo = _any_protocol_port(first, family)
    hi = _any_protocol_port(second, family) if sep else lo
    if lo > hi:
        raise BadValue(f"port range {text} runs backwards ({lo} > {hi})")
    return (lo, hi)


def _range(one: Callable[[str, int], int], sep: str = ":", lo: int | None = None,
           hi: int | None = None, what: str = "range", backwards: str = "refused"
           ) -> Callable[[str, int], tuple[int, int]]:
    """``a[SEP b]`` read with ``one``; with ``lo``/``hi`` given, an end may be left out
    (``:1023``, ``1024:``).  ``backwards``: what iptables does with ``b < a``: "refused",
    "never-matches" (taken, matches nothing) or "ok"."""
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
            if backwards == "refused":
                raise BadValue(f"{what} {text} runs backwards ({x} > {y})")
            if backwards == "never-matches":
                _note(f"{what} {text} runs backwards ({x} > {y}): it never matches")
        return (x, y)
    return parse


# --- addresses --------------------------------------------------------------------------------
#
# -s/-d (and iprange) go through iptables' own numeric reader first: up to four dot-separated
# numbers (strtoul base 0, each 0-255), missing ones zero, so `10/8` is 10.0.0.0/8 and `10.1`
# is 10.1.0.0.  What it does not take goes to getaddrinfo(), which reads inet_aton's forms
# (`10.1` is 10.0.0.1 there, `1.2.65535` is 1.2.255.255) and else looks a host name up.  The
# options of other extensions (--ctorigsrc, --gateway, --on-ip ...) use getaddrinfo() only.
# IPv6 addresses are read by inet_pton, strictly: no brackets, no %zone.


class MaskedNetwork(NamedTuple):
    """An address with a netmask that is not a prefix (``10.0.0.0/255.0.255.0``): iptables and
    the kernel take any mask."""

    network_address: ipaddress.IPv4Address | ipaddress.IPv6Address
    netmask: ipaddress.IPv4Address | ipaddress.IPv6Address

    @property
    def version(self) -> int:
        return self.network_address.version

    def __str__(self) -> str:
        return f"{self.network_address}/{self.netmask}"


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
"""Four decimal numbers 0-255 without leading zeros: what both readers below read as the same
address as inet_pton does (the fast path for the usual form)."""


def _ipv4_numeric(text: str, is_mask: bool = False) -> ipaddress.IPv4Address | None:
    """iptables' __numeric_to_ipaddr: 1-4 numbers 0-255 (strtoul base 0), the missing ones
    zero; a mask needs all four."""
    if _DOTTED_QUAD.fullmatch(text):
        return ipaddress.IPv4Address(_dotted_quad_bytes(text))
    parts = text[:19].split(".")  # iptables copies the word into a 20-byte buffer
    if len(parts) > 4 or (is_mask and len(parts) != 4):
        return None
    out = []
    for part in parts:
        n = c_number(part, 0, 255)
        if n is None:
            return None
        out.append(n)
    out += [0] * (4 - len(out))
    return ipaddress.IPv4Address(bytes(out))


def _dotted_quad_bytes(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET, text)


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """glibc's inet_aton as getaddrinfo uses it: a.b.c.d, a.b.c (c 16 bits), a.b (b 24 bits)
    or a (32 bits), each number in C notation (0x.., 0..); nothing else in the word."""
    if _DOTTED_QUAD.fullmatch(text):
        return ipaddress.IPv4Address(_dotted_quad_bytes(text))
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        m = re.fullmatch(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*", part)
        if m is None:
            return None
        if part[:2] in ("0x", "0X"):
            numbers.append(int(part[2:] or "0", 16))
        else:
            numbers.append(int(part, 8 if part.startswith("0") else 10))
    last_bits = 8 * (5 - len(numbers))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 2 ** last_bits:
        return None
    value = 0
    for n in numbers[:-1]:
        value = value << 8 | n
    value = value << last_bits | numbers[-1]
    return ipaddress.IPv4Address(value)


def _inet_pton6(text: str) -> ipaddress.IPv6Address | None:
    if "%" in text or not text or text.strip(_C_SPACE) != text:
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


_HOST_NAME = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"
                        r"(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?")


def _not_an_address(text: str, family: int, what: str = "address") -> ValueError:
    """The error for a word that is no address of ``family``: the other family's, a host name
    (looked up when loaded), or nothing at all."""
    other = 6 if family == 4 else 4
    if not text:
        return BadValue("an empty address (a stray comma or slash?)")
    if (family == 4 and _inet_pton6(text) is not None) or (
            family == 6 and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", text) and _inet_aton(text) is not None):
        return WrongFamily(f"{text} is an IPv{other} address, in an IPv{family} rule", other)
    if len(text) <= 253 and _HOST_NAME.fullmatch(text) and not re.fullmatch(r"[0-9][0-9a-fA-FxX.]*", text):
        return HostName(f"{text!r} is a host name: iptables looks it up (DNS, /etc/hosts) when the "
                          "rules are loaded, fails if it does not resolve then, and matches only the "
                          "addresses it resolved to")
    if text.startswith("[") and text.endswith("]"):
        return BadValue(f"{text!r}: write the IPv6 address without brackets")
    if "%" in text:
        return BadValue(f"{text!r}: iptables takes no %zone in an IPv6 address")
    return BadValue(f"{text!r} is not an IPv{family} {what}")


def _host_iptables(text: str, family: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address part of -s/-d as iptables reads it."""
    if family == 4:
        addr = _ipv4_numeric(text) or _inet_aton(text)
    else:
        addr = _inet_pton6(text)
    if addr is None:
        raise _not_an_address(text, family)
    return addr


def _host_getaddrinfo(text: str, family: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as getaddrinfo() reads it (the guided options: --ctorigsrc, --gateway ...)."""
    addr = _inet_aton(text) if family == 4 else _inet_pton6(text)
    if addr is None:
        raise _not_an_address(text, family)
    return addr


def _mask_bits(mask: int, width: int) -> int | None:
    """The prefix length of a netmask, or None when its ones are not contiguous."""
    inverted = ~mask & ((1 << width) - 1)
    if inverted & (inverted + 1):
        return None
    return width - inverted.bit_length()


def split_address(text: str, family: int) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """One item of -s/-d as iptables reads it: the address as written and the netmask (an int).
    Raises BadValue (WrongFamily), or Unresolved for a host name."""
    host, slash, mask_text = text.rpartition("/")
    if not slash:
        host, mask_text = text, ""
    width = 32 if family == 4 else 128
    if not slash:
        return _host_iptables(host, family), (1 << width) - 1
    mask: int | None = None
    if family == 4:
        dotted = _ipv4_numeric(mask_text, is_mask=True)
        if dotted is not None:
            mask = int(dotted)
    elif ":" in mask_text and (dotted6 := _inet_pton6(mask_text)) is not None:
        mask = int(dotted6)
    if mask is None:
        bits = c_number(mask_text, 0, width)
        if bits is None:
            if c_number(mask_text) is not None:
                if family == 4 and _inet_pton6(host) is not None:
                    raise WrongFamily(f"{text} is an IPv6 address and prefix, in an IPv4 rule (prefix "
                                      f"/{mask_text} is longer than 32 bits): an IPv6 ruleset is read as "
                                      "one when its file name ends in .v6 or with --family 6", 6)
                raise BadValue(f"prefix /{mask_text} is longer than {width} bits")
            raise BadValue(f"{mask_text!r} is not a prefix length (0-{width}) or a netmask")
        mask = ((1 << width) - 1) ^ ((1 << (width - bits)) - 1)
    if mask == 0:
        # xtables_ipparse_any: "if a null mask is given, the name is ignored, like in any/0"
        try:
            return _host_iptables(host, family), 0
        except (BadValue, Unresolved):
            _note(f"iptables ignores {host!r} before a /0 mask: the rule matches every address")
            return (ipaddress.IPv4Address(0) if family == 4 else ipaddress.IPv6Address(0)), 0
    return _host_iptables(host, family), mask


def _to_network(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, mask: int
                ) -> ipaddress.IPv4Network | ipaddress.IPv6Network | MaskedNetwork:
    width = addr.max_prefixlen
    bits = _mask_bits(mask, width)
    if bits is None:
        cls = ipaddress.IPv4Address if width == 32 else ipaddress.IPv6Address
        return MaskedNetwork(cls(int(addr) & mask), cls(mask))
    network = ipaddress.IPv4Network if width == 32 else ipaddress.IPv6Network
    return network((int(addr), bits), strict=False)  # as ip_network("addr/bits") reads it


def _network_iptables(text: str, family: int):
    addr, mask = split_address(text, family)
    return _to_network(addr, mask)


def _network_list(text: str, family: int) -> tuple:
    """-s/-d: a comma-separated list (one rule each)."""
    return tuple(_network_iptables(item, family) for item in text.split(","))


def _network(text: str, family: int):
    """address[/mask] as the guided options read it (getaddrinfo, then a prefix length or a
    netmask).  An IPv4 prefix length past 32 is taken as /32."""
    host, slash, mask_text = text.partition("/")
    addr = _host_getaddrinfo(host, family)
    width = 32 if family == 4 else 128
    if not slash:
        return ipaddress.ip_network(f"{addr}/{width}")
    mask_addr = _inet_aton(mask_text) if family == 4 and "." in mask_text else \
        _inet_pton6(mask_text) if family == 6 and ":" in mask_text else None
    if mask_addr is not None:
        return _to_network(addr, int(mask_addr))
    bits = c_number(mask_text, 0, 128)
    if bits is None:
        raise BadValue(f"{mask_text!r} is not a prefix length (0-{width}) or a netmask")
    if bits > width:
        _note(f"prefix /{bits} is longer than {width} bits: iptables takes /{width}")
        bits = width
    return ipaddress.ip_network(f"{addr}/{bits}", strict=False)


def _address(text: str, family: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if "/" in text:
        raise BadValue(f"{text!r}: a single address is expected here, without a /mask")
    return _host_getaddrinfo(text, family)


def _address_list(text: str, family: int) -> tuple:
    return tuple(_address(item, family) for item in text.split(","))


def _ip_range(text: str, family: int) -> tuple:
    """iprange's from[-to]: numeric addresses only (no host names); a range that runs backwards
    is taken, and matches nothing."""
    lo, dash, hi = text.partition("-")
    addrs = []
    for word in ((lo, hi) if dash else (lo,)):
        addr = _ipv4_numeric(word) if family == 4 else _inet_pton6(word)
        if addr is None:
            err = _not_an_address(word, family)
            if isinstance(err, Unresolved):
                raise BadValue(f"{word!r}: iprange takes numeric addresses only, no host names")
            raise err
        addrs.append(addr)
    if addrs[0] > addrs[-1]:
        _note(f"the range runs backwards: iptables takes it, and it matches no address; write "
              f"{addrs[-1]}-{addrs[0]}")
    return (addrs[0], addrs[-1])


# --- interfaces, protocols, names --------------------------------------------------------------


def _interface(text: str, family: int) -> str:
    """An interface name (a trailing + matches every name with that prefix).  iptables refuses an
    empty name and one of 16 characters or more; it takes any other, but the kernel never gives
    an interface a name with `/`, `:` or a blank, or `.`/`..`, so such a rule never matches."""
    if not text:
        raise BadValue("an empty interface name (iptables refuses it; + matches every interface)")
    if len(text) > 15:
        raise BadValue(f"interface name {text!r} has {len(text)} characters: at most 15")
    name = text[:-1] if text.endswith("+") else text
    if name in (".", "..") or any(c in name for c in "/:") or any(c.isspace() for c in name):
        _note(f"no interface can be called {text!r} (the kernel refuses names with `/`, `:`, "
              "blanks, or `.`/`..`), so this never matches")
    return text


def _protocol(text: str, family: int) -> int:
    """-p: a number 0-255 (strtoul base 0) or a name from /etc/protocols (iptables lowers the
    word first, so `TCP` is tcp)."""
    n = c_number(text, 0, 255)
    if n is not None:
        return n
    low = text.lower()
    if low in PROTOCOLS:
        return PROTOCOLS[low]
    if c_number(text) is not None:
        raise BadValue(f"protocol number {text} is out of range 0..255")
    raise BadValue(f"unknown protocol {text!r}")


# /etc/protocols' aliases where they are not the name in upper case (the others are): a name
# iptables does not lower (conntrack's --ctproto) may be the name or its alias, as written.
_PROTOCOL_ALIASES = {
    "ipencap": "IP-ENCAP", "ipv6": "IPv6", "ipv6-route": "IPv6-Route", "ipv6-frag": "IPv6-Frag",
    "esp": "IPSEC-ESP", "ah": "IPSEC-AH", "ipv6-icmp": "IPv6-ICMP", "ipv6-nonxt": "IPv6-NoNxt",
    "ipv6-opts": "IPv6-Opts", "ospf": "OSPFIGP", "mobility-header": "Mobility-Header",
    "udplite": "UDPLite", "mpls-in-ip": "MPLS-in-IP", "shim6": "Shim6", "ethernet": "Ethernet",
}
_NO_ALIAS = frozenset({"all", "icmpv6", "ipv6-mh", "mh", "manet"})  # iptables' own names; manet has none


def _protocol_as_written(text: str, family: int) -> int:
    """A protocol as xtables_parse_protocol reads it when nothing lowers the word first
    (conntrack's --ctproto; checked with 1.8.9: TCP and tcp are taken, Tcp and ALL refused): a
    number 0-255, or a name or alias of /etc/protocols in its own case, or iptables' own names."""
    n = c_number(text, 0, 255)
    named = next((name for name, alias in _PROTOCOL_ALIASES.items() if alias == text), None)
    if named is not None:
        return PROTOCOLS[named]
    if n is not None or text.lower() not in PROTOCOLS:
        return _protocol(text, family)
    low = text.lower()
    alias = None if low in _NO_ALIAS else _PROTOCOL_ALIASES.get(low, low.upper())
    if text not in (low, alias):
        spelt = f"{low} or {alias}" if alias else low
        raise BadValue(f"unknown protocol {text!r}: here iptables takes the name as written ({spelt})")
    return PROTOCOLS[low]


def _choice_list(choices: frozenset[str] | tuple[str, ...], what: str, sep: str = ",",
                 prefix: bool = False) -> Callable[[str, int], frozenset[str]]:
    """Comma-separated names in any case; an empty item is refused.  With ``prefix``, an item may
    be any beginning of a name, as the state, conntrack and addrtype matches take them (the
    first name in ``choices`` order that begins so wins)."""
    ordered = tuple(choices) if isinstance(choices, tuple) else tuple(sorted(choices))

    def parse(text: str, family: int) -> frozenset[str]:
        out = set()
        for item in text.split(sep):
            key = item.upper()
            found = key if key in ordered else None
            if found is None and prefix and key:
                found = next((c for c in ordered if c.startswith(key)), None)
            if found is None:
                raise BadValue(f"{item!r} is not a {what} (one of {', '.join(sorted(ordered))})"
                               + _close_hint(item, list(ordered)))
            out.add(found)
        return frozenset(out)
    return parse


def _choice(choices: tuple[str, ...], what: str, fold: bool = False) -> Callable[[str, int], str]:
    """One of ``choices``; in any case when ``fold`` (the choice is returned as listed)."""
    def parse(text: str, family: int) -> str:
        for choice in choices:
            if text == choice or (fold and text.lower() == choice.lower()):
                return choice
        hint = ""
        if not fold and any(text.lower() == c.lower() for c in choices):
            hint = " (in that case)"
        raise BadValue(f"{text!r} is not a {what} (one of {', '.join(choices)}{hint})")
    return parse


def _mark(text: str, family: int) -> tuple[int, int]:
    """value[/mask], each a 32-bit number (strtoul base 0)."""
    value, slash, mask = text.partition("/")
    v = c_number(value, 0, 0xFFFFFFFF)
    m = c_number(mask, 0, 0xFFFFFFFF) if slash else 0xFFFFFFFF
    if v is None or m is None:
        raise BadValue(f"{text!r} is not a mark: value[/mask], numbers up to 0xffffffff")
    return (v, m)


# The limit match's rate: N[/unit], the unit any prefix of second, minute, hour or day (any case);
# N as atoi reads it, 1 at least, at most 10000 per second.
_RATE_UNITS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400))
LIMIT_SCALE = 10000


def _atoi(text: str) -> int:
    m = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text)
    if m is None:
        return 0
    n = int(m.group(1))
    n &= 0xFFFFFFFFFFFFFFFF  # strtol into a long, then an int
    n &= 0xFFFFFFFF
    return n - 2 ** 32 if n >= 2 ** 31 else n


def _rate(text: str, family: int) -> tuple[int, str]:
    number, slash, unit = text.partition("/")
    seconds = 1
    if slash:
        for name, secs in _RATE_UNITS:
            if unit and name.startswith(unit.lower()):
                seconds = secs
                break
        else:
            raise BadValue(f"{text!r} is not a rate: N/second, N/minute, N/hour or N/day "
                           "(or a prefix: 5/sec, 5/min)")
    n = _atoi(number)
    if n == 0:
        raise BadValue(f"{text!r} is not a rate: the count must be a number of 1 or more")
    if n < 0 or n > LIMIT_SCALE * seconds:
        raise BadValue(f"rate {text} is too fast: the limit match goes up to 10000/second")
    return (n, {1: "s", 60: "m", 3600: "h", 86400: "d"}[seconds])


def _mac(text: str, family: int) -> str:
    if not re.fullmatch(r"[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}", text):
        raise BadValue(f"{text!r} is not a MAC address (six hex pairs separated by colons)")
    return ":".join(f"{int(part, 16):02x}" for part in text.split(":"))


def _int_range(lo: int, hi: int, backwards: str = "never-matches") -> Callable[[str, int], tuple[int, int]]:
    return _range(_integer(lo, hi), ":", lo, hi, backwards=backwards)


# libxt_tcp's flag names: iptables 1.8.9 has no ECE or CWR ("Unknown TCP flag `ECE'")
TCP_FLAGS = frozenset({"SYN", "ACK", "FIN", "RST", "URG", "PSH", "ALL", "NONE"})
CT_STATES = frozenset({"INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"})
STATE_STATES = frozenset({"INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"})
CT_STATUSES = frozenset({"NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"})


def _tcp_flag_list(text: str, family: int) -> frozenset[str]:
    """--tcp-flags' lists: flag names in any case, comma-separated; empty items are skipped."""
    out = set()
    for item in text.split(","):
        if not item:
            continue
        if item.upper() not in TCP_FLAGS:
            raise BadValue(f"{item!r} is not a TCP flag (one of {', '.join(sorted(TCP_FLAGS))})")
        out.add(item.upper())
    return frozenset(out)


ANY = ValueType("text", _any)
PORT = ValueType("port", _any_protocol_port)
PORT_RANGE = ValueType("port[:port]", _guided_port_range)
TCP_PORT_RANGE = ValueType("port[:port]", _old_style_port_range(_tcp_style_port("tcp")))
SCTP_PORT_RANGE = ValueType("port[:port]", _old_style_port_range(_tcp_style_port("sctp")))
PORT_LIST = ValueType("port[,port|,port:port]...", _port_list, _multiport_list)
NETWORK = ValueType("address[/mask]", _network)
NETWORK_LIST = ValueType("address[/mask][,address[/mask]]...", _network_list)
INTERFACE = ValueType("interface name", _interface)
PROTOCOL = ValueType("protocol", _protocol)
PROTOCOL_AS_WRITTEN = ValueType("protocol", _protocol_as_written)
CT_STATE_LIST = ValueType("state[,state]...", _choice_list(CT_STATES, "conntrack state", prefix=True))
STATE_LIST = ValueType("state[,state]...", _choice_list(STATE_STATES, "connection state", prefix=True))
CT_STATUS_LIST = ValueType("status[,status]...",
                           _choice_list(CT_STATUSES, "conntrack status", prefix=True))
TCP_FLAG_LIST = ValueType("flag[,flag]...", _tcp_flag_list)
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


def stored_in(bits: int) -> ValueType:
    """A number iptables reads as 32 bits and stores in ``bits``: what does not fit is cut off
    without a word (SYNPROXY's --mss 65536 becomes 0)."""
    read = _integer(0, 0xFFFFFFFF)

    def parse(text: str, family: int) -> int:
        value = read(text, family)
        kept = value & ((1 << bits) - 1)
        if kept != value:
            _note(f"{value} does not fit in {bits} bits: iptables keeps {kept}")
        return kept
    return ValueType(f"number 0-{(1 << bits) - 1}", parse)


def int_range(lo: int, hi: int, backwards: str = "never-matches", strict: bool = False,
              needs_both: bool = False) -> ValueType:
    """number[:number] in lo..hi.  ``backwards`` ("refused", "never-matches" or "ok"): what
    iptables does when the second is below the first; ``strict``: the two may not be equal
    either; ``needs_both``: a single number is refused."""
    read = _range(_integer(lo, hi), ":", lo, hi, backwards=backwards)

    def parse(text: str, family: int) -> tuple[int, int]:
        if needs_both and ":" not in text:
            raise BadValue(f"{text!r}: a range first:last is needed")
        first, last = read(text, family)
        if strict and ":" in text and first >= last:
            raise BadValue(f"range {text}: the first must be below the last")
        return (first, last)
    return ValueType("number:number" if needs_both else "number[:number]", parse)


def choice(*choices: str, what: str = "value", fold: bool = False) -> ValueType:
    return ValueType(what, _choice(tuple(choices), what, fold))


def choice_list(*choices: str, what: str = "value", prefix: bool = False) -> ValueType:
    """Comma-separated ``choices`` in any case (with ``prefix``, beginnings of them too, the
    first in the order given winning)."""
    return ValueType(f"{what}[,{what}]...",
                     _choice_list(tuple(c.upper() for c in choices), what, prefix=prefix))


def number_or_name(what: str, names_file: str) -> ValueType:
    """value[/mask] as xtables_parse_val_mask reads it, or (a word that does not start with a
    number) a name iptables looks up in ``names_file`` when the rules are loaded (devgroup's
    groups, realm's realms)."""
    def parse(text: str, family: int) -> tuple[int, int]:
        number = text.partition("/")[0]
        if c_number(number) is not None or not text:
            return MARK.parse(text, family)  # type: ignore[return-value]
        if text.lstrip(" \t").startswith(tuple("0123456789+")):
            raise BadValue(f"{text!r} is not a {what} (value[/mask])")
        raise Unresolved(f"{text!r} is a {what} name: iptables looks it up in {names_file} when the "
                         "rules are loaded and refuses the rule if that file does not name it")
    return ValueType(what, parse)


def _ipv6_options(word: str, family: int) -> tuple[tuple[int, int | None], ...]:
    """hbh's --hbh-opts and dst's --dst-opts as libip6t_hbh reads them: up to 16 items
    type[:length], comma-separated, each number a whole strtoul (base 0) word."""
    items = word.split(",")
    if len(items) > 16:
        raise BadValue(f"{len(items)} options: iptables takes at most 16")
    out = []
    for index, item in enumerate(items):
        kind, colon, length = item.partition(":")
        if colon and index == 15:
            raise BadValue("a length on the 16th option: iptables refuses it")
        if colon and not length:
            raise BadValue(f"{item!r}: an empty length after the colon")
        numbers = [c_number(part) if part else None for part in ((kind, length) if colon else (kind,))]
        if any(n is None for n in numbers):
            raise BadValue(f"{item!r} is not an option number[:length]")
        out.append((numbers[0], numbers[1] if colon else None))
    return tuple(out)  # type: ignore[return-value]


IPV6_OPTIONS = ValueType("type[:length][,type[:length]]...", _ipv6_options)


def _proc_name(word: str, family: int) -> str:
    """The name of a table the kernel shows in /proc (hashlimit's --hashlimit-name, recent's
    --name): not empty, no `/`, not `.` or `..` (the kernel refuses those at commit)."""
    if not word:
        raise BadValue("an empty name: the kernel refuses it")
    if "/" in word or word in (".", ".."):
        raise BadValue(f"{word!r}: the kernel names a file in /proc after it and refuses a name with "
                       "`/`, or `.` and `..`")
    return word


PROC_NAME = ValueType("name", _proc_name)


def text(min_length: int = 0, max_length: int | None = None, truncated_at: int | None = None,
         what: str = "text") -> ValueType:
    """Free text.  iptables refuses it shorter than ``min_length`` or longer than ``max_length``
    characters, and cuts it to ``truncated_at`` characters without a word."""
    def parse(word: str, family: int) -> str:
        size = len(word.encode("utf-8", "surrogateescape"))
        if size < min_length:
            raise BadValue(f"an empty {what}: iptables wants {min_length} character(s) at least")
        if max_length is not None and size > max_length:
            raise BadValue(f"the {what} has {size} characters: at most {max_length}")
        if truncated_at is not None and size > truncated_at:
            _note(f"the {what} has {size} characters: iptables keeps the first {truncated_at}")
        return word
    return ValueType(what, parse)


# ipv6header's --header: names (lower case) or the protocol numbers of those headers.
IPV6_HEADER_NAMES: dict[str, int] = {
    "hop": 0, "hop-by-hop": 0, "dst": 60, "ipv6-opts": 60, "route": 43, "ipv6-route": 43,
    "frag": 44, "ipv6-frag": 44, "auth": 51, "ah": 51, "esp": 50, "none": 59, "ipv6-nonxt": 59,
    "prot": 255, "protocol": 255,
}


def _ipv6_headers(text: str, family: int) -> frozenset[int]:
    out = set()
    for item in text.split(","):
        n = c_number(item, 0, 255)
        if item in IPV6_HEADER_NAMES:
            out.add(IPV6_HEADER_NAMES[item])
        elif n is not None and n in IPV6_HEADER_NAMES.values():
            out.add(n)
        else:
            raise BadValue(f"{item!r} is not an IPv6 extension header (hop, dst, route, frag, auth, "
                           "esp, none or prot, or their protocol numbers)")
    return frozenset(out)


IPV6_HEADER_LIST = ValueType("header[,header]...", _ipv6_headers)


# --- targets ----------------------------------------------------------------------------------

# REJECT --reject-with: a name or alias, or any prefix of one, in any case; the first in this
# order wins.  The IPv4 and IPv6 tables differ.
REJECT_TYPES_V4: tuple[tuple[str, str], ...] = (
    ("icmp-net-unreachable", "net-unreach"), ("icmp-host-unreachable", "host-unreach"),
    ("icmp-proto-unreachable", "proto-unreach"), ("icmp-port-unreachable", "port-unreach"),
    ("icmp-net-prohibited", "net-prohib"), ("icmp-host-prohibited", "host-prohib"),
    ("tcp-reset", "tcp-rst"), ("icmp-admin-prohibited", "admin-prohib"),
)
REJECT_TYPES_V6: tuple[tuple[str, str], ...] = (
    ("icmp6-no-route", "no-route"), ("icmp6-adm-prohibited", "adm-prohibited"),
    ("icmp6-addr-unreachable", "addr-unreach"), ("icmp6-port-unreachable", "port-unreach"),
    ("icmp6-policy-fail", "policy-fail"), ("icmp6-reject-route", "reject-route"),
    ("tcp-reset", "tcp-reset"),
)


def _reject_lookup(table: tuple[tuple[str, str], ...], word: str) -> str | None:
    key = word.lower()
    for name, alias in table:
        if name.startswith(key) or alias.startswith(key):
            return name
    return None


def _reject_type(word: str, family: int) -> str:
    own, other = (REJECT_TYPES_V4, REJECT_TYPES_V6) if family == 4 else (REJECT_TYPES_V6, REJECT_TYPES_V4)
    found = _reject_lookup(own, word)
    if found is not None:
        return found
    if _reject_lookup(other, word) is not None:
        theirs = 6 if family == 4 else 4
        raise WrongFamily(f"reject type {word!r} is an IPv{theirs} one, in an IPv{family} rule", theirs)
    names = ", ".join(name for name, _ in own)
    raise BadValue(f"{word!r} is not a reject type (one of {names})")


REJECT_TYPE = ValueType("reject type", _reject_type)

# LOG --log-level: 0-7 (strtoul base 0) or one of these names, lower case only.
LOG_LEVEL_NAMES: dict[str, int] = {"emerg": 0, "panic": 0, "alert": 1, "crit": 2, "error": 3,
                                   "warning": 4, "notice": 5, "info": 6, "debug": 7}


def _log_level(word: str, family: int) -> int:
    n = c_number(word, 0, 7)
    if n is not None:
        return n
    if word in LOG_LEVEL_NAMES:
        return LOG_LEVEL_NAMES[word]
    hint = f" (names are lower case: {word.lower()})" if word.lower() in LOG_LEVEL_NAMES else \
        " (warn is warning, err is error)" if word in ("warn", "err") else ""
    raise BadValue(f"{word!r} is not a log level: 0-7 or {', '.join(LOG_LEVEL_NAMES)}{hint}")


LOG_LEVEL = ValueType("log level", _log_level)


class NatRange(NamedTuple):
    """--to-destination / --to-source: an address range and a port range, each optional."""

    first: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    last: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    ports: tuple[int, int] | None


# The protocols libxt_NAT, REDIRECT and MASQUERADE take a port range with: the -p before the
# option, inverted or not (`! -p tcp` passes), by number (checked with ip6tables too: it takes
# -p icmp and refuses -p ipv6-icmp and udplite).
_NAT_PORT_PROTOCOLS = {"tcp", "udp", "sctp", "dccp", "icmp"}


def _nat_port_protocol(protocol: str | None) -> bool:
    return protocol is None or protocol.lstrip("!") in _NAT_PORT_PROTOCOLS


def _nat_port(text: str, lowest: int = 0, names: bool = True) -> tuple[int, str]:
    """One port of a NAT range as libxt_NAT reads it: a number (strtoul base 0, no minus sign,
    ``lowest``-65535) and the rest of the word after it; else (with ``names``) the whole word a
    service name."""
    if not text.lstrip(_C_SPACE).startswith("-"):
        value, rest = _strtoul(text, 0)
        if value is not None and lowest <= value <= 65535:
            return value, rest
    port = service_port(text) if names else None
    if port is None:
        what = " or a service name" if names else "; a range ends in a number, not a service name"
        raise BadValue(f"port {text!r} is not valid (a number {lowest}-65535{what})")
    return port, ""


def _nat_ports(word: str, offset: bool = True) -> tuple[int, int]:
    """port[-port[/base]] as libxt_NAT 1.8.9 reads it (checked): ports as :func:`_nat_port` reads
    them (so a service name is the whole rest of the word: ``http-alt`` is one port; the last
    port of a range is a number); a base port (1-65535, what follows it ignored) only after a
    range, and only where ``offset`` (not REDIRECT: "Shifted portmap ranges not supported")."""
    first, rest = _nat_port(word)
    if not rest:
        return (first, first)
    if rest[0] == ":":
        raise BadValue(f"{word!r}: a port range is written with a dash (1024-65535)")
    if rest[0] != "-":
        raise BadValue(f"{word!r}: iptables refuses {rest!r} after the port (a base port /N goes "
                       "after a range only)" if rest[0] == "/" else
                       f"{word!r}: iptables refuses {rest!r} after the port")
    last, rest = _nat_port(rest[1:], names=False)  # checked: 8-ssh is refused, ssh and 8-9/ssh taken
    if last < first:
        raise BadValue(f"port range {word} runs backwards")
    if not rest:
        return (first, last)
    if rest[0] != "/":
        raise BadValue(f"{word!r}: iptables refuses {rest!r} after the port range")
    _, ignored = _nat_port(rest[1:], 1)
    if not offset:
        raise BadValue(f"{word!r}: a base port (/N) shifts the range, which REDIRECT does not "
                       "do: iptables refuses it")
    if ignored:
        _note(f"iptables ignores {ignored!r} after the base port")
    return (first, last)


def _nat_range(word: str, family: int, protocol: str | None) -> NatRange:
    """addr[-addr][:port[-port]]; for IPv6 the addresses go in brackets when ports follow.  The
    addresses are numeric (no host names, no /mask); ports need a -p in the rule."""
    if family == 4 and (word.startswith("[") or _inet_pton6(word.partition("-")[0]) is not None):
        raise WrongFamily(f"{word} is an IPv6 address, in an IPv4 rule", 6)
    if family == 6 and word.startswith("["):
        close = word.find("]")
        if close == -1:
            raise BadValue(f"{word!r}: no ] closes the IPv6 address")
        addresses, rest = word[1:close], word[close + 1:]
        if rest and not rest.startswith(":"):
            raise BadValue(f"{word!r}: a port after ] goes after a colon")
        port_text = rest[1:] if rest else None
    elif family == 6:
        addresses, port_text = word, None
    else:
        addresses, colon, port_text_ = word.partition(":")
        port_text = port_text_ if colon else None
    first = last = None
    if addresses:
        a, dash, b = addresses.partition("-")
        parsed = []
        for part in (a, b) if dash else (a,):
            addr = _inet_pton4(part) if family == 4 else _inet_pton6(part)
            if addr is None:
                err = _not_an_address(part, family)
                if isinstance(err, WrongFamily):
                    raise err
                raise BadValue(f"{part!r} is not an IPv{family} address (NAT takes numeric "
                               "addresses, no host names or /mask)")
            parsed.append(addr)
        first, last = parsed[0], parsed[-1]
    elif port_text is None:
        raise BadValue("an empty address")
    ports = None
    if port_text is not None:
        ports = _nat_ports(port_text)
        if not _nat_port_protocol(protocol):
            raise NeedsProtocol("a port needs -p tcp, udp, sctp or dccp before the option")
    return NatRange(first, last, ports)


def _inet_pton4(word: str) -> ipaddress.IPv4Address | None:
    if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", word):
        return None
    try:
        return ipaddress.IPv4Address(word)
    except ValueError:
        return None


NAT_RANGE = ValueType("address[-address][:port[-port]]",
                      lambda word, family: _nat_range(word, family, "tcp"), _nat_range)


def _nat_to_ports(word: str, family: int, protocol: str | None, offset: bool = True) -> tuple[int, int]:
    if ":" in word:
        raise BadValue(f"{word!r}: --to-ports writes a range with a dash (1024-65535)")
    ports = _nat_ports(word, offset)
    if not _nat_port_protocol(protocol):
        raise NeedsProtocol("--to-ports needs -p tcp, udp, sctp or dccp before it")
    return ports


NAT_PORTS = ValueType("port[-port]", lambda word, family: _nat_to_ports(word, family, "tcp"),
                      _nat_to_ports)
# REDIRECT's: no base port ("Shifted portmap ranges not supported"; MASQUERADE takes one)
NAT_PORTS_UNSHIFTED = ValueType("port[-port]", lambda word, family: _nat_to_ports(word, family, "tcp", False),
                                lambda word, family, protocol: _nat_to_ports(word, family, protocol, False))


# --- values of the wider extension set ------------------------------------------------------

def _named_number(table: tuple[tuple[str, object], ...], text: str, what: str,
                  ambiguous_is_error: bool) -> object | None:
    """Look ``text`` up the way iptables does: case-insensitively, a name or a prefix of one; a
    prefix of two names is ambiguous (iptables refuses it when ``ambiguous_is_error``, else
    takes the first)."""
    key = text.lower()
    for name, value in table:
        if name.lower() == key:
            exact = value
            break
    else:
        exact = None
    hits = [(name, value) for name, value in table if name.lower().startswith(key)] if key else []
    if len(hits) > 1 and ambiguous_is_error:
        raise BadValue(f"{text!r} is an ambiguous {what}: {hits[0][0]} or {hits[1][0]}?")
    if exact is not None:
        return exact
    return hits[0][1] if hits else None


def _icmp_type(table: tuple[tuple[str, tuple[int, int, int]], ...], what: str
               ) -> Callable[[str, int], tuple[int, int, int]]:
    def parse(text: str, family: int) -> tuple[int, int, int]:
        found = _named_number(table, text, what, ambiguous_is_error=True)
        if found is not None:
            return found  # type: ignore[return-value]
        type_text, slash, code_text = text.partition("/")
        t = c_number(type_text, 0, 255)
        c = c_number(code_text, 0, 255) if slash else None
        if t is None or (slash and c is None):
            raise BadValue(f"{text!r} is not an {what} (a name, or type[/code] in 0-255)"
                           + _close_hint(text, [name for name, _ in table]))
        return (t, c, c) if c is not None else (t, 0, 255)
    return parse


def _close_hint(text: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(text.lower(), [n.lower() for n in names], n=1, cutoff=0.8)
    if close:
        return f"; did you mean {next(n for n in names if n.lower() == close[0])}?"
    return ""


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
    """libip6t_mh's name_to_type: a name or a prefix of one (the first such; an empty word is a
    prefix of every name, so it is binding-refresh-request, 0), else a number 0-255."""
    if not text:
        return MH_TYPE_NAMES[0][1]
    found = _named_number(MH_TYPE_NAMES, text, "mobility header type", ambiguous_is_error=False)
    if found is not None:
        return found  # type: ignore[return-value]
    try:
        return _integer(0, 255)(text, family)
    except BadValue:
        raise BadValue(f"{text!r} is not a mobility header type (a name or 0-255)") from None


_mh_type_range = _range(_mh_type, ":", 0, 255)  # `:3` is 0:3 and `3:` is 3:255


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
        if not item:
            continue  # libxt_sctp splits with strtok: empty items are skipped
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


def _owner(text: str, family: int) -> tuple[int, int]:
    """A user or group: an id or id-id range, the ends joined by `-` or `:` (numbers as strtoul
    base 0, up to 4294967294); a name is looked up (getpwnam, getgrnam) when the rules are
    loaded."""
    lo_text, dash, hi_text = text.replace(":", "-", 1).partition("-")
    lo = c_number(lo_text, 0, 0xFFFFFFFF)
    hi = c_number(hi_text, 0, 0xFFFFFFFF) if dash else lo
    if lo is not None and hi is not None:
        if max(lo, hi) > 0xFFFFFFFE:
            raise BadValue(f"{text!r}: ids go up to 4294967294")
        if lo > hi:
            raise BadValue(f"id range {text} runs backwards (the kernel refuses it)")
        return (lo, hi)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*\$?", text):
        raise Unresolved(f"{text!r} is a user or group name: iptables looks it up when the rules "
                         "are loaded and refuses the rule if the system has no such name")
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
    """A DiffServ class as iptables 1.8.9 finds it (checked): the first class whose name, in any
    case, the word begins with; what follows the name is ignored (CS20 is CS2)."""
    low = text.lower()
    for name, value in DSCP_CLASSES.items():
        if low.startswith(name):
            if low != name:
                _note(f"iptables reads {text!r} as {name.upper()}: it ignores {text[len(name):]!r} "
                      "after the class")
            return value
    raise BadValue(f"{text!r} is not a DiffServ class (BE, EF, AF11-AF43 or CS0-CS7)")


_LEADING_DECIMAL = re.compile(r"[+-]?[0-9]+")


def _atoi_positive(text: str, family: int) -> int:
    """A number as atoi() reads it into an int that must be above 0 (hashlimit's
    --hashlimit-rate-interval in iptables 1.8.9, checked): leading blanks and a sign taken,
    decimal digits read up to the first other character, the value cut to 32 bits (so
    4294967296 is 0, refused, and 99999999999 is 1215752191)."""
    m = _LEADING_DECIMAL.match(text.lstrip(_C_SPACE))
    whole = int(m.group()) if m else 0
    whole = max(-(1 << 63), min(whole, (1 << 63) - 1))  # strtol's clamp to a long
    value = (whole + (1 << 31)) % (1 << 32) - (1 << 31)  # then to an int
    if value <= 0:
        raise BadValue(f"{text!r} is not a number above 0 (iptables reads it as {value})")
    if text != str(value):
        _note(f"iptables reads {text!r} as {value}")
    return value


ATOI_POSITIVE = ValueType("number above 0", _atoi_positive)


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


def _time_field(text: str) -> tuple[int, str]:
    """One field of a time of day as libxt_time reads it: strtoul, base 10, into an unsigned int
    (blanks and a sign may lead it; no digits at all read as 0); the number and the rest."""
    value, rest = _strtoul(text, 10)
    if value is None:
        return 0, text
    return min(value, _ULONG_MAX) & 0xFFFFFFFF, rest


def _time_of_day(text: str, family: int) -> int:
    """hh:mm[:ss] as libxt_time 1.8.9 reads it (checked): each field as :func:`_time_field`
    reads it, so an empty field is 0 (``06:`` is 06:00, ``:`` midnight); the hour is followed
    by a colon, the minute by a colon or the end, the second by the end."""
    hour, rest = _time_field(text)
    if not rest.startswith(":"):
        raise BadValue(f"{text!r} is not a time of day (hh:mm[:ss])")
    minute, rest = _time_field(rest[1:])
    second = 0
    if rest[:1] not in ("", ":"):
        raise BadValue(f"{text!r} is not a time of day (hh:mm[:ss])")
    if rest:
        second, rest = _time_field(rest[1:])
        if rest:
            raise BadValue(f"{text!r} is not a time of day (hh:mm[:ss])")
    if hour > 23 or minute > 59 or second > 59:
        raise BadValue(f"{text!r} is not a time of day between 00:00:00 and 23:59:59")
    if not re.fullmatch(r"\d{1,2}:\d{1,2}(?::\d{1,2})?", text):
        _note(f"iptables reads {text!r} as {hour:02}:{minute:02}:{second:02}")
    return hour * 3600 + minute * 60 + second


_WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


def _day_items(text: str, size: int) -> list[str]:
    """libxt_time's my_strseg: the comma-separated items, each cut to ``size`` characters (a
    trailing comma ends the list)."""
    items = text.split(",")
    if items and items[-1] == "":
        items.pop()
    return [item[:size] for item in items]


def _weekdays(text: str, family: int) -> frozenset[int]:
    """--weekdays as libxt_time reads it: each item cut to 3 characters, then a number (strtoul
    base 0; 0 refused, past 7 kept as a bit no day has) or a name whose first two letters are
    those of Mon, Tue ... Sun (case-sensitive)."""
    out = set()
    names = [d.capitalize() for d in _WEEKDAYS]
    for item in _day_items(text, 3):
        number, rest = _strtoul(item, 0)
        if number is not None and not rest or not item:
            if not number:
                raise BadValue("weekday 0: the week begins with Monday (1)")
            if number > 7:
                _note(f"weekday {number} is no day (1-7): iptables takes it, and it never matches")
            out.add(number)
            continue
        days = [i + 1 for i, name in enumerate(names) if item[:2] == name[:2]]
        if not days:
            raise BadValue(f"{item!r} is not a weekday (Mon..Sun, Mo..Su or 1..7, case-sensitive)")
        out.update(days)
    return frozenset(out)


def _monthdays(text: str, family: int) -> frozenset[int]:
    """--monthdays as libxt_time reads it: each item cut to 2 characters (`192` is 19), a
    number (strtoul base 0) 0-31; an empty item is 0, which no day is."""
    out = set()
    for item in _day_items(text, 2):
        number, rest = _strtoul(item, 0) if item else (0, "")
        if number is None or rest or number > 31:
            raise BadValue(f"{item!r} is not a day of the month (1-31)")
        if number == 0:
            _note("day 0 is no day of the month: iptables takes it, and it never matches")
        out.add(number)
    return frozenset(out)


def _probability(text: str, family: int) -> float:
    try:
        p = float(text)
    except ValueError:
        raise BadValue(f"{text!r} is not a probability (a number from 0.0 to 1.0)") from None
    if not 0.0 <= p <= 1.0:
        raise BadValue(f"probability {text} is outside 0.0..1.0")
    return p


def _hashlimit_rate(text: str, family: int) -> tuple[int, str]:
    """hashlimit's rate: bytes when the word holds `b/s` (100kb/s, 1mb/s), else packets, N[/unit]
    with the unit any prefix of second, minute, hour or day; N read as strtoull reads it (digits
    at the start, the rest ignored), 1 at least, at most 1000000 per second."""
    m = re.match(r"[ \t\n\v\f\r]*\+?(\d+)", text)
    n = int(m.group(1)) if m else 0
    if "b/s" in text:
        if n == 0:
            raise BadValue(f"{text!r} is not a byte rate (Nb/s, Nkb/s, Nmb/s with N of 1 or more)")
        unit = re.search(r"([kmg]?b)/s", text)
        if unit is not None and unit.group(1) == "gb":
            # libxt_hashlimit 1.8.9 scales k and m only (checked: iptables-save shows 1gb/s as 0b/s)
            _note(f"iptables reads {text} as {n} bytes a second: it scales k and m, not g; "
                  f"write {n * 1024}mb/s")
            return (n, "b")
        return (n, unit.group(1) if unit else "b")
    number, slash, unit = text.partition("/")
    seconds = 1
    if slash:
        for name, secs in _RATE_UNITS:
            if unit and name.startswith(unit.lower()):
                seconds = secs
                break
        else:
            raise BadValue(f"{text!r} is not a rate: N/second, N/minute, N/hour or N/day "
                           "(or bytes: Nkb/s)")
    if number.lstrip(_C_SPACE).startswith("-"):
        raise BadValue(f"rate {text} is too fast")
    if n == 0:
        raise BadValue(f"{text!r} is not a rate: the count must be a number of 1 or more")
    if n > 1_000_000 * seconds:
        raise BadValue(f"rate {text} is too fast: hashlimit goes up to 1000000/second")
    return (n, {1: "s", 60: "m", 3600: "h", 86400: "d"}[seconds])


def _hashlimit_burst(text: str, family: int) -> tuple[int, str]:
    """--hashlimit-burst as libxt_hashlimit reads it (checked with 1.8.9): a number (strtoul
    base 0) of 1 or more, at most 1000000 when nothing follows it; a `k` after it multiplies it
    by 1024, an `m` by 1048576 (lower case; anything else after the number is ignored).  Whether
    that is a count of packets (1 to 1000000 in all) or of bytes (at least a second's worth)
    depends on the rate: the hashlimit module checks the two together."""
    number, rest = _strtoul(text, 0)
    if number is None or text.lstrip(_C_SPACE).startswith("-"):
        raise BadValue(f"{text!r} is not a burst (a packet count, or bytes as Nb, Nkb, Nmb)")
    unit = {"k": "kb", "m": "mb"}.get(rest[:1], "")
    if not 1 <= number <= _ULONG_MAX or (not rest and number > 1_000_000):
        raise BadValue(f"burst {text}: iptables takes 1 to 1000000")
    if rest and not unit and rest.lower() != "b":
        _note(f"iptables ignores {rest!r} after the burst")
    return (number, unit)


_HEX_NUMBER = r"[ \t\n\v\f\r]*([+-]?)(?:0[xX])?([0-9A-Fa-f]+)"


def _tc_class(text: str, family: int) -> tuple[int, int]:
    """CLASSIFY's major:minor as libxt_CLASSIFY reads it, sscanf("%x:%x"): two hex numbers, the
    rest of the word ignored; the class is (major << 16 | minor) in 32 bits, so a part above
    ffff spills over or is lost."""
    m = re.match(_HEX_NUMBER + ":" + _HEX_NUMBER, text)
    if not m:
        raise BadValue(f"{text!r} is not a traffic-control class (major:minor, in hex)")
    major = int(m.group(2), 16) * (-1 if m.group(1) == "-" else 1) % 2 ** 32
    minor = int(m.group(4), 16) * (-1 if m.group(3) == "-" else 1) % 2 ** 32
    handle = ((major << 16) & 0xFFFF0000) | (minor & 0xFFFF)
    result = (handle >> 16, handle & 0xFFFF)
    if (major, minor) != result:
        _note(f"major and minor are 16 bits each: iptables sets the class {result[0]:x}:{result[1]:x}")
    if m.end() != len(text):
        _note(f"iptables ignores {text[m.end():]!r} after the class")
    return result


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
PORT_DASH_RANGE = ValueType("port[-port]", _nat_port_range)
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


def _prefix_or_mask(text: str, family: int) -> int:
    """xtables' XTTYPE_PLENMASK (connlimit's --connlimit-mask): a prefix length (0-32 for IPv4,
    0-128 for IPv6), else a numeric address taken as the mask.  A mask that is not a prefix
    (the address 0.0.0.129 that `129` reads as for IPv4) becomes the whole address width."""
    width = 32 if family == 4 else 128
    number = c_number(text, 0, width)
    if number is not None:
        return number
    mask = _inet_aton(text) if family == 4 else _inet_pton6(text)
    if mask is None:
        raise BadValue(f"{text!r} is neither a prefix length (0-{width}) nor an IPv{family} mask")
    bits = int(mask)
    ones = bits.bit_count()
    if bits != ((1 << width) - 1) ^ ((1 << (width - ones)) - 1):
        _note(f"iptables reads {text!r} as the mask {mask}, which is not a prefix: it uses "
              f"/{width}; write a prefix length 0-{width}")
        return width
    return ones


PREFIX_OR_MASK = ValueType("prefix length or mask", _prefix_or_mask)
