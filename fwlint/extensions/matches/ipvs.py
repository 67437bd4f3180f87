"""ipvs: properties of the IPVS (load balancer) connection the packet belongs to."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match
from fwlint.extensions.values import NETWORK, PORT, PROTOCOL, choice

_NFT = NoNft('nft has no access to IPVS connection properties')


EXTENSION = match(
    "ipvs",
    OptionSpec("ipvs", arity=0, invertible=True, help="the packet belongs to an IPVS connection"),
    OptionSpec("vproto", value=PROTOCOL, invertible=True, help="virtual service protocol"),
    OptionSpec("vaddr", value=NETWORK, invertible=True, help="virtual IP address[/mask]"),
    OptionSpec("vport", value=PORT, invertible=True, help="virtual service port"),
    OptionSpec("vdir", value=choice("ORIGINAL", "REPLY", what="direction"), help="ORIGINAL or REPLY"),
    OptionSpec("vmethod", value=choice("GATE", "IPIP", "MASQ", what="forwarding method"),
               invertible=True, help="GATE, IPIP or MASQ"),
    OptionSpec("vportctl", value=PORT, invertible=True,
               help="virtual port of the controlling connection (21 for FTP data)"),
    summary="IPVS connection properties",
    nft=_NFT,
    meaning=Opaque("IPVS connections are not modelled"),
    required=(frozenset({"ipvs", "vproto", "vaddr", "vport", "vdir", "vmethod", "vportctl"}),),
)
