"""TOS: rewrite the Type of Service byte (IPv4) or Traffic Class (IPv6)."""

from fwlint.extensions import NoNft, OptionSpec, target
from fwlint.extensions.values import TOS, UINT8


def _meaning(target, enc):
    """tos = (tos & ~mask) ^ value, as the kernel computes every form."""
    opts = enc.options(target)
    if len(opts) != 1:
        enc.refuse("-j TOS takes exactly one action")
    (name, opt), = opts.items()
    if name == "set-tos":
        value, mask = enc.value(opt)
        return enc.go_on(enc.set_bits("tos", value, mask))
    bits = enc.value(opt)
    if name == "and-tos":
        return enc.go_on(enc.set_bits("tos", 0, ~bits & 0xFF))
    if name == "or-tos":
        return enc.go_on(enc.set_bits("tos", bits, bits))
    return enc.go_on(enc.set_bits("tos", bits, 0))


_NFT = NoNft('nft sets the DSCP and ECN fields, not the TOS byte under a mask')


EXTENSION = target(
    "TOS",
    OptionSpec("set-tos", value=TOS,
               help="value[/mask]: clear the mask bits, then XOR value in; or (IPv4) a TOS name"),
    OptionSpec("and-tos", value=UINT8, help="AND the TOS byte with these bits"),
    OptionSpec("or-tos", value=UINT8, help="OR these bits into the TOS byte"),
    OptionSpec("xor-tos", value=UINT8, help="XOR these bits into the TOS byte"),
    summary="set the TOS / traffic class byte and continue",
    tables=frozenset({"mangle"}),
    nft=_NFT,
    meaning=_meaning,
    exclusive=(frozenset({"set-tos", "and-tos", "or-tos", "xor-tos"}),),
    required=(frozenset({"set-tos", "and-tos", "or-tos", "xor-tos"}),),
)
