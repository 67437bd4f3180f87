"""SECMARK: set the packet's security mark (an SELinux context)."""

from fwlint.extensions import NoNft, OptionSpec, target


def _meaning(target, enc):
    """The packet goes on (its security mark is not a modelled field)."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('SELinux security marks need nft secmark objects fwlint does not write')


EXTENSION = target(
    "SECMARK",
    OptionSpec("selctx", help="the security context, e.g. system_u:object_r:http_packet_t:s0"),
    summary="set the packet's security context and continue",
    tables=frozenset({"security", "mangle"}),
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"selctx"}),),
)
