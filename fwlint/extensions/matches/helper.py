"""helper: packets of connections a conntrack helper (ftp, sip ...) set up."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match

_NFT = NoNft(
    "-m helper tests the helper of the connection's master (the control connection); nft's ct helper "
    "is the connection's own")


EXTENSION = match(
    "helper",
    OptionSpec("helper", invertible=True,
               help='the helper name, e.g. "ftp", or "ftp-2121" for a helper on another port'),
    summary="connections related through a conntrack helper",
    nft=_NFT,
    meaning=Opaque("conntrack helpers are not modelled"),
    required=(frozenset({"helper"}),),
)
