"""u32: test up to 4-byte quantities read at computed offsets in the packet."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match

_NFT = NoNft(
    "nft has no u32 program of shifts and masks (rewrite it with raw payload matches, @nh,OFFSET,LEN)")


EXTENSION = match(
    "u32",
    OptionSpec("u32", invertible=True,
               help='tests in the u32 mini-language, e.g. "0 & 0xFFFF = 0x100:0xFFFF"'),
    summary="arbitrary header and payload bit tests",
    nft=_NFT,
    meaning=Opaque("arbitrary tests on the packet's bytes"),
    required=(frozenset({"u32"}),),
)
