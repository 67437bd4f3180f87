"""CONNSECMARK: copy security marks from packets to their connection and back."""

from fwlint.extensions import NoNft, OptionSpec, target


def _meaning(target, enc):
    """The packet goes on (security marks are not modelled fields)."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('SELinux security marks need nft secmark objects fwlint does not write')


EXTENSION = target(
    "CONNSECMARK",
    OptionSpec("save", arity=0, help="copy the packet's security mark to an unmarked connection"),
    OptionSpec("restore", arity=0, help="copy the connection's security mark to an unmarked packet"),
    summary="save or restore the connection's security mark and continue",
    tables=frozenset({"security", "mangle"}),
    nft=_NFT,
    meaning=_meaning,
    exclusive=(frozenset({"save", "restore"}),),
    required=(frozenset({"save", "restore"}),),
)
