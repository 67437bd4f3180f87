"""statistic: match a random share of packets, or every nth packet."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import PROBABILITY, UINT32, choice, integer


def _validate(options: tuple[Option, ...]) -> Iterator[ValueProblem]:
    """random mode needs --probability; nth mode needs --every and --packet (iptables 1.8.9
    refuses --every alone: 'option "--every" also requires "--packet"'), --packet below it."""
    given = {o.name: o for o in options}
    mode = given.get("mode")
    if mode is None or mode.value not in ("random", "nth"):
        return
    if mode.value == "random" and "probability" not in given:
        yield ValueProblem("mode", "--mode random needs --probability")
    if mode.value == "nth":
        if "every" not in given:
            yield ValueProblem("mode", "--mode nth needs --every")
        elif "packet" not in given:
            yield ValueProblem("every", "--every needs --packet too (0 for the first packet): "
                                        "iptables refuses it alone")
        every, packet = given.get("every"), given.get("packet")
        try:
            n = int(every.value, 0) if every is not None and every.value else None
            p = int(packet.value, 0) if packet is not None and packet.value else None
        except ValueError:
            return
        if n is not None and p is not None and p >= n:
            yield ValueProblem("packet", f"--packet {p} must be below --every {n}")


def _nft(match, ctx):
    """--mode random: ``numgen random mod 2147483648 < N`` with N = probability x 2^31, as
    statistic draws (a 31-bit number under the same bound); --mode nth: ``numgen inc mod n ==
    p`` with p the --packet (0 by default): both take the rule's first packet when p is 0, its
    second when 1, then every n-th (checked on the kernel).  Negated ``>=`` / ``!=``."""
    opts = ctx.options(match)
    mode = ctx.value(opts["mode"]) if "mode" in opts else None
    if mode == "random":
        opt = opts.get("probability")
        if opt is None:
            ctx.refuse("--mode random needs --probability (iptables refuses it)", match, refused=True)
        bound = round(0x80000000 * ctx.value(opt))
        left = ctx.term("numgen random mod 2147483648", {"numgen": {"mode": "random", "mod": 2147483648}})
        return [ctx.compare(left, ">=" if opt.negated else "<", ctx.number(bound))]
    opt = opts.get("every")
    if opt is None:
        ctx.refuse("--mode nth needs --every (iptables refuses it)", match, refused=True)
    every = ctx.value(opt)
    packet = ctx.value(opts["packet"]) if "packet" in opts else 0
    left = ctx.term(f"numgen inc mod {every}", {"numgen": {"mode": "inc", "mod": every}})
    return [ctx.match(left, ctx.number(packet % every), opt.negated)]


EXTENSION = match(
    "statistic",
    OptionSpec("mode", value=choice("random", "nth", what="statistic mode"), help="random or nth"),
    OptionSpec("probability", value=PROBABILITY, invertible=True,
               help="chance 0.0-1.0 that a packet matches (mode random)"),
    OptionSpec("every", value=integer(1, 0xFFFFFFFF), invertible=True,
               help="match one packet in every N (mode nth)"),
    OptionSpec("packet", value=UINT32, help="initial counter, 0 to N-1 (mode nth)"),
    summary="random or every-nth sampling",
    nft=_nft,
    meaning=Opaque("a random or every-nth choice"),
    exclusive=(frozenset({"probability", "every"}), frozenset({"probability", "packet"})),
    validate=lambda options, family: _validate(options),
    required=(frozenset({"mode"}),),
)
