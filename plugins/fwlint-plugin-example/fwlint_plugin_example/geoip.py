"""geoip (xtables-addons): the country of the packet's source or destination address.

``-m geoip --src-cc CN,RU`` matches packets whose source address is in one of the
listed countries, looked up in the prefix files xt_geoip_build writes under
/usr/share/xt_geoip.  libxt_geoip takes two-character alphanumeric codes (folded to
upper case), at most 15 of them per option; a code given twice counts once.  It
takes one of the two options per match, not both.
"""

from __future__ import annotations

from fwlint.extensions import NoNft, Opaque, OptionSpec, match
from fwlint.extensions.values import BadValue, ValueType

MAX_COUNTRIES = 15
"""XT_GEOIP_MAX: the most codes one option may list."""


def _country_list(text: str, family: int) -> frozenset[str]:
    codes = text.split(",")
    if len(codes) > MAX_COUNTRIES:
        raise BadValue(f"{len(codes)} countries given; geoip takes at most {MAX_COUNTRIES}")
    found: set[str] = set()
    for code in codes:
        if len(code) != 2 or not code.isascii() or not code.isalnum():
            raise BadValue(f"{code!r} is not a two-character country code (such as NL or US)")
        found.add(code.upper())
    return frozenset(found)


COUNTRY_LIST = ValueType("country[,country]...", _country_list)

EXTENSION = match(
    "geoip",
    OptionSpec("source-country", aliases=("src-cc",), value=COUNTRY_LIST, invertible=True,
               help="the source address is in one of these countries (ISO 3166 codes, up to 15)"),
    OptionSpec("destination-country", aliases=("dst-cc",), value=COUNTRY_LIST, invertible=True,
               help="the destination address is in one of these countries (ISO 3166 codes, up to 15)"),
    summary="country of the source or destination address, from a GeoIP database (xtables-addons)",
    # libxt_geoip takes exactly one of the two options per match.
    exclusive=(frozenset({"source-country", "destination-country"}),),
    required=(frozenset({"source-country", "destination-country"}),),
    # Which addresses a country holds depends on the database installed on the firewall, so the
    # analysis does not model the match: it may take any packet and surely takes none; for the
    # same reason there is no `concrete`, and a packet trace says the match is unknown.
    meaning=Opaque("the addresses of a country come from the GeoIP database on the firewall"),
    # The translator reports each rule using it as untranslatable (FW601) with this reason.
    nft=NoNft("nftables has no geoip match: load the country's prefixes into a named set "
              "and match it (ip saddr @country_nl)"),
)
