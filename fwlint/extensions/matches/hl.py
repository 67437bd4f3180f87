"""hl: the hop limit field of the IPv6 header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT8


def _meaning(match, enc):
    """The hop limit equal to (! : different from), greater than or less than the value."""
    opts = enc.options(match)
    if len(opts) != 1:
        enc.refuse("-m hl takes exactly one of --hl-eq, --hl-gt, --hl-lt")
    (name, opt), = opts.items()
    value = enc.value(opt)
    if name == "hl-eq":
        return enc.negate(enc.equals("ttl", value), opt)
    if name == "hl-gt":
        return enc.range("ttl", value + 1, 255)
    return enc.range("ttl", 0, value - 1)



def _concrete(match, pkt):
    """As hl_mt6: the hop limit equal to (! : different from), less than or greater than the value."""
    opts = pkt.options(match)
    if len(opts) != 1:
        pkt.refuse("-m hl takes exactly one of --hl-eq, --hl-gt, --hl-lt")
    (name, opt), = opts.items()
    value = pkt.value(opt)
    if name == "hl-eq":
        return pkt.invert(pkt.test("ttl", lambda ttl: ttl == value), opt)
    if name == "hl-gt":
        return pkt.test("ttl", lambda ttl: ttl > value)
    return pkt.test("ttl", lambda ttl: ttl < value)


EXTENSION = match(
    "hl",
    OptionSpec("hl-eq", aliases=("hl",), value=UINT8, invertible=True, help="hop limit equals this"),
    OptionSpec("hl-gt", value=UINT8, help="hop limit is greater than this"),
    OptionSpec("hl-lt", value=UINT8, help="hop limit is less than this"),
    summary="IPv6 hop limit",
    family=6,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"hl-eq", "hl-gt", "hl-lt"}),),
    required=(frozenset({"hl-eq", "hl-lt", "hl-gt"}),),
)
