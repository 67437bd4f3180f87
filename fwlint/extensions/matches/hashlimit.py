"""hashlimit: rate limits kept per group (source/destination address, port) in a hash table."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import (
    ATOI_POSITIVE,
    HASHLIMIT_BURST,
    HASHLIMIT_RATE,
    PREFIX_LENGTH,
    PROC_NAME,
    UINT32,
    BadValue,
    ValueType,
)

_MODES = ("srcip", "srcport", "dstip", "dstport")


def _modes(text: str, family: int) -> frozenset[str]:
    """--hashlimit-mode as libxt_hashlimit reads it: words split at ``,`` and ``|``, empty
    ones skipped (so ``""`` is no mode at all), each one of the four names in lower case."""
    found = set()
    for word in text.replace("|", ",").split(","):
        if not word:
            continue
        if word not in _MODES:
            hint = " (in lower case)" if word.lower() in _MODES else ""
            raise BadValue(f"{word!r} is not a hashlimit mode (one of {', '.join(_MODES)}){hint}")
        found.add(word.upper())
    return frozenset(found)


HASHLIMIT_MODE = ValueType("hashlimit mode[,hashlimit mode]...", _modes)

_NFT_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
_NFT_BYTES = {"b": "bytes", "kb": "kbytes", "mb": "mbytes", "gb": "gbytes"}
_NFT_PORT_PROTOCOLS = {6: "tcp", 17: "udp", 136: "udplite", 132: "sctp", 33: "dccp"}


def _nft_rate(ctx, opts):
    """The limit statement's words and JSON for the rate and burst: (text, json, over)."""
    above = "hashlimit-above" in opts
    opt = opts["hashlimit-above"] if above else opts.get("hashlimit-upto")
    if opt is None:
        ctx.refuse("-m hashlimit needs --hashlimit-upto or --hashlimit-above (iptables refuses it)",
                   None, refused=True)
    over = above != opt.negated
    count, unit = ctx.value(opt)
    burst, burst_unit = ctx.value(opts["hashlimit-burst"]) if "hashlimit-burst" in opts else (5, "")
    data = {"rate": count}
    if unit in _NFT_BYTES:
        per, rate_unit = "second", _NFT_BYTES[unit]
        data["rate_unit"] = rate_unit
        burst_bytes = burst * {"": 1, "b": 1, "kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3}[burst_unit]
        text = f"rate {'over ' if over else ''}{count} {rate_unit}/second burst {burst_bytes} bytes"
        data.update({"per": per, "burst": burst_bytes, "burst_unit": "bytes"})
        ctx.approximate("a byte rate: hashlimit and nft count the bucket of bytes differently", opt)
    else:
        if burst_unit:
            ctx.refuse(f"a burst in bytes ({burst}{burst_unit}) with a packet rate", opts["hashlimit-burst"],
                       refused=True)
        per = _NFT_UNITS[unit]
        text = f"rate {'over ' if over else ''}{count}/{per} burst {burst} packets"
        data.update({"per": per, "burst": burst})
    if over:
        data["inv"] = True
    return text, data


def _nft(match, ctx):
    """A meter keyed by the --hashlimit-mode fields, each element with its own limit: ``meter
    hashlimit_NAME size 65535 { ip saddr . tcp dport timeout 10s limit rate over 10/second burst
    5 packets }`` (masks from --hashlimit-srcmask/dstmask, an element dropped after
    --hashlimit-htable-expire of silence).  iptables shares the buckets of one
    --hashlimit-name between rules; nft meters cannot be shared (approximate).  Without a mode
    every packet shares one bucket, shared by the rules that give
    the same --hashlimit-name: a named limit, ``limit name "NAME"``.  A port mode without a
    protocol reads ``th sport``/``th dport``: hashlimit counts the packets of protocols without
    ports under port 0, nft under whatever their header holds there (approximate)."""
    import ipaddress

    opts = ctx.options(match)
    for unsupported in ("hashlimit-rate-match", "hashlimit-rate-interval"):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft's limit has no rate-measuring mode", opts[unsupported])
    name = ctx.value(opts["hashlimit-name"]) if "hashlimit-name" in opts else "hashlimit"
    text, data = _nft_rate(ctx, opts)
    modes = ctx.value(opts["hashlimit-mode"]) if "hashlimit-mode" in opts else frozenset()
    if not modes:
        object_name = ctx.limit_object(f"hashlimit_{name}", text, data)
        return [ctx.matching(f'limit name "{object_name}"', {"limit": object_name})]
    width = 32 if ctx.family == 4 else 128
    keys = []
    for mode, field, mask_option in (("SRCIP", "saddr", "hashlimit-srcmask"),
                                     ("DSTIP", "daddr", "hashlimit-dstmask")):
        if mode in modes:
            key = ctx.ip(field)
            bits = ctx.value(opts[mask_option]) if mask_option in opts else width
            if bits < width:
                zero = "0.0.0.0" if width == 32 else "::"
                key = ctx.masked(key, ctx.symbol(str(ipaddress.ip_network(f"{zero}/{bits}").netmask)))
            keys.append(key)
    protocol = _NFT_PORT_PROTOCOLS.get(ctx.protocol_number)
    for mode, field in (("SRCPORT", "sport"), ("DSTPORT", "dport")):
        if mode in modes:
            if protocol is None:
                ctx.approximate(f"--hashlimit-mode {mode.lower()} without -p: packets without ports "
                                "share port 0 in hashlimit; nft reads th " + field, opts["hashlimit-mode"])
                keys.append(ctx.term(f"th {field}", {"payload": {"protocol": "th", "field": field}}))
            else:
                keys.append(ctx.payload(protocol, field))
    expire_ms = ctx.value(opts["hashlimit-htable-expire"]) if "hashlimit-htable-expire" in opts else 10000
    size = ctx.value(opts["hashlimit-htable-max"]) if "hashlimit-htable-max" in opts else 65535
    meter, taken = ctx.meter(f"hashlimit_{name}")
    if taken:
        ctx.approximate(f"rules naming --hashlimit-name {name} share its buckets in iptables; each nft "
                        "meter is the rule's own", opts.get("hashlimit-name", match))
    timeout = max(1, -(-expire_ms // 1000))  # whole seconds, as nft's JSON takes them
    if timeout * 1000 != expire_ms:
        ctx.approximate(f"--hashlimit-htable-expire {expire_ms} ms is kept as {timeout} s",
                        opts["hashlimit-htable-expire"])
    key_text = " . ".join(k.text for k in keys)
    key_json = keys[0].json if len(keys) == 1 else {"concat": [k.json for k in keys]}
    size = size or 65535
    return [ctx.matching(f"meter {meter} size {size} {{ {key_text} timeout {timeout}s limit {text} }}",
                         {"meter": {"name": meter, "size": size,
                                    "key": {"elem": {"val": key_json, "timeout": timeout}},
                                    "stmt": {"limit": data}}})]


_U32_MAX = 2 ** 32 - 1
_U64 = 2 ** 64
_BYTE_SHIFT = 4  # the kernel counts bytes in units of 16
_RATE_FACTORS = {"kb": 1024, "mb": 1024 ** 2}  # 1.8.9 scales k and m only (gb is read as b)
_BURST_SHIFTS = {"": 0, "kb": 10, "mb": 20}
_BURST_MAX = 1_000_000


def _byte_cost(rate_bytes: int) -> int | None:
    """What libxt_hashlimit stores for a byte rate (checked with 1.8.9): 2**32-1 divided by
    one more than the rate in units of 16 bytes, that taken modulo 2**32.  None: the divisor
    wraps to 0 and iptables dies of the division (SIGFPE)."""
    units = (rate_bytes >> _BYTE_SHIFT) & _U32_MAX
    if units == _U32_MAX:
        return None
    return _U32_MAX // (units + 1)


def _smallest_byte_burst(cost: int) -> int:
    """The fewest bytes a burst may hold at that cost, as iptables works it out (and prints it in
    "burst cannot be smaller than Nb"): a second's worth at the rate, in whole units of 16."""
    return ((_U32_MAX // cost) - 1) << _BYTE_SHIFT


def _rates(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """The rate and the burst together (checked with iptables 1.8.9 on Linux 6.18).  A packet
    burst is 1 to 1000000 packets.  A byte rate (Nb/s, Nkb/s, Nmb/s) makes the burst a count of
    bytes: at least a second's worth at the rate; below 16 bytes a second that is 0 and iptables
    dies dividing by it when a burst is given.  A rate so high its cost comes out as 1 the kernel
    refuses ("rate too high"), and one of 2**36-16 to 2**36-1 bytes (modulo 2**36) kills iptables."""
    rate_opt = next((o for o in options if o.name in ("hashlimit-upto", "hashlimit-above")), None)
    burst_opt = next((o for o in options if o.name == "hashlimit-burst"), None)
    if rate_opt is None or rate_opt.value is None:
        return
    try:
        count, unit = HASHLIMIT_RATE.parse(rate_opt.value, family)  # type: ignore[misc]
        burst = HASHLIMIT_BURST.parse(burst_opt.value, family) \
            if burst_opt is not None and burst_opt.value is not None else None
    except ValueError:
        return  # reported for itself
    rate = rate_opt.value
    total = None
    if burst is not None:
        number, burst_unit = burst  # type: ignore[misc]
        total = (number << _BURST_SHIFTS[burst_unit]) % _U64
    if not unit.endswith("b"):
        if total is not None and not 1 <= total <= _BURST_MAX:
            yield ValueProblem("hashlimit-burst", f"--hashlimit-burst {burst_opt.value}: {total} packets; "
                                                  f"with a packet rate iptables takes 1 to {_BURST_MAX}")
        return
    rate_bytes = min(count, _U64 - 1) * _RATE_FACTORS.get(unit, 1) % _U64  # strtoull stops at 2**64-1
    if not rate_bytes:
        return  # 2**64 bytes wrap to 0: iptables then reads the word as it reads a packet rate
    cost = _byte_cost(rate_bytes)
    if cost is None:
        yield ValueProblem(rate_opt.name, f"--{rate_opt.name} {rate}: iptables dies on this byte rate "
                                          f"(a division by zero when it works out the cost of "
                                          f"{rate_bytes} bytes a second)")
        return
    if total is not None:
        smallest = _smallest_byte_burst(cost)
        if total < smallest:
            yield ValueProblem("hashlimit-burst", (
                f"--hashlimit-burst {burst_opt.value}: with the byte rate {rate} the burst is in "  # type: ignore[union-attr]
                f"bytes, and iptables refuses one smaller than {smallest}b (a second's worth)"))
            return
        if not smallest:
            yield ValueProblem("hashlimit-burst", (
                f"--hashlimit-burst {burst_opt.value}: with a byte rate below 16 bytes a second ({rate} is "  # type: ignore[union-attr]
                f"{rate_bytes}) iptables dies working out the burst (a division by zero); give no "
                "burst, or a rate of 16b/s or more"))
            return
    if cost == 1:
        yield ValueProblem(rate_opt.name, f"--{rate_opt.name} {rate}: the kernel refuses a byte rate "
                                          f"this high (it overflows its byte credits)")


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """iptables takes a mask of up to 128 bits in either family; the kernel refuses more than 32
    for IPv4 (checked on Linux 6.18).  Then the rate and the burst together (:func:`_rates`)."""
    yield from _rates(options, family)
    if family != 4:
        return
    for opt in options:
        if opt.name in ("hashlimit-srcmask", "hashlimit-dstmask") and opt.value is not None:
            try:
                bits = int(PREFIX_LENGTH.parse(opt.value, family))  # type: ignore[arg-type]
            except ValueError:
                continue  # reported for itself
            if bits > 32:
                yield ValueProblem(opt.name, f"--{opt.name} {bits}: an IPv4 address has 32 bits; "
                                             "the kernel refuses a longer mask")


EXTENSION = match(
    "hashlimit",
    OptionSpec("hashlimit-upto", aliases=("hashlimit",), value=HASHLIMIT_RATE, invertible=True,
               help="match while the group's rate is at most this (N/unit, or bytes as Nkb/s)"),
    OptionSpec("hashlimit-above", value=HASHLIMIT_RATE, invertible=True,
               help="match once the group's rate exceeds this"),
    OptionSpec("hashlimit-burst", value=HASHLIMIT_BURST,
               help="initial allowance, packets (or bytes for byte rates); 5 by default"),
    OptionSpec("hashlimit-mode", value=HASHLIMIT_MODE,
               help="what makes a group: srcip, srcport, dstip, dstport, comma-separated"),
    OptionSpec("hashlimit-srcmask", value=PREFIX_LENGTH,
               help="prefix length source addresses are grouped by (with mode srcip)"),
    OptionSpec("hashlimit-dstmask", value=PREFIX_LENGTH,
               help="prefix length destination addresses are grouped by (with mode dstip)"),
    OptionSpec("hashlimit-name", value=PROC_NAME,
               help="name of the table (/proc/net/ipt_hashlimit/NAME); required"),
    OptionSpec("hashlimit-htable-size", value=UINT32, help="number of hash buckets"),
    OptionSpec("hashlimit-htable-max", value=UINT32, help="most entries the table holds"),
    OptionSpec("hashlimit-htable-expire", value=UINT32, help="milliseconds before an idle entry expires"),
    OptionSpec("hashlimit-htable-gcinterval", value=UINT32, help="milliseconds between garbage collections"),
    OptionSpec("hashlimit-rate-match", arity=0,
               help="classify flows by rate (above/below) instead of limiting them"),
    OptionSpec("hashlimit-rate-interval", value=ATOI_POSITIVE,
               help="seconds between rate samples, with --hashlimit-rate-match"),
    summary="per-group rate limit (per source, destination, port ...)",
    nft=_nft,
    meaning=Opaque("rates depend on the traffic before the packet"),
    exclusive=(frozenset({"hashlimit-upto", "hashlimit-above"}),),
    required=(frozenset({"hashlimit-upto", "hashlimit-above"}), frozenset({"hashlimit-name"})),
    validate=_validate,
)
