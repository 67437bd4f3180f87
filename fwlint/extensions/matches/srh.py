"""srh: fields of the IPv6 Segment Routing Header."""

from fwlint.extensions import NoNft, OptionSpec, match
from fwlint.extensions.values import NETWORK, UINT8, UINT16

_NFT = NoNft('the segment routing header tests have no nft form fwlint writes')


EXTENSION = match(
    "srh",
    OptionSpec("srh-next-hdr", value=UINT8, invertible=True, help="Next Header value"),
    OptionSpec("srh-hdr-len-eq", value=UINT8, invertible=True, help="Hdr Ext Len equal"),
    OptionSpec("srh-hdr-len-gt", value=UINT8, invertible=True, help="Hdr Ext Len greater"),
    OptionSpec("srh-hdr-len-lt", value=UINT8, invertible=True, help="Hdr Ext Len less"),
    OptionSpec("srh-segs-left-eq", value=UINT8, invertible=True, help="Segments Left equal"),
    OptionSpec("srh-segs-left-gt", value=UINT8, invertible=True, help="Segments Left greater"),
    OptionSpec("srh-segs-left-lt", value=UINT8, invertible=True, help="Segments Left less"),
    OptionSpec("srh-last-entry-eq", value=UINT8, invertible=True, help="Last Entry equal"),
    OptionSpec("srh-last-entry-gt", value=UINT8, invertible=True, help="Last Entry greater"),
    OptionSpec("srh-last-entry-lt", value=UINT8, invertible=True, help="Last Entry less"),
    OptionSpec("srh-tag", value=UINT16, invertible=True, help="Tag value"),
    OptionSpec("srh-psid", value=NETWORK, invertible=True, help="previous SID, addr[/mask]"),
    OptionSpec("srh-nsid", value=NETWORK, invertible=True, help="next SID, addr[/mask]"),
    OptionSpec("srh-lsid", value=NETWORK, invertible=True, help="last SID, addr[/mask]"),
    summary="IPv6 segment routing header",
    family=6, nft=_NFT)
