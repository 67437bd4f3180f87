"""mac: the source MAC address of frames that arrived over Ethernet."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MAC


def _meaning(match, enc):
    """The packet came in with an Ethernet header from this MAC (! inverts only the address:
    a packet without an Ethernet header never matches)."""
    opts = enc.options(match)
    if "mac-source" not in opts:
        enc.refuse("-m mac needs --mac-source")
    opt = opts["mac-source"]
    return enc.has_mac() & enc.negate(enc.mac_source(enc.value(opt)), opt)


def _concrete(match, pkt):
    """As mac_mt: a packet that did not come in over Ethernet never matches; else its source
    MAC equals the address, inverted by !."""
    opts = pkt.options(match)
    if "mac-source" not in opts:
        pkt.refuse("-m mac needs --mac-source")
    opt = opts["mac-source"]
    wanted = int(pkt.value(opt).replace(":", ""), 16)
    return pkt.all(pkt.test("hasmac", lambda ether: ether),
                   pkt.invert(pkt.test("mac", lambda mac: mac == wanted), opt))


def _nft(match, ctx):
    """``ether saddr 00:11:22:33:44:55``, negated ``!=`` (nft adds the test that the packet came
    in on an Ethernet device, as mac_mt checks)."""
    parts = []
    for name, opt in ctx.options(match).items():
        mac = ctx.value(opt)
        parts.append(ctx.match(ctx.term("ether saddr", {"payload": {"protocol": "ether", "field": "saddr"}}),
                               ctx.symbol(mac, "ether_addr"), opt.negated))
    return parts


EXTENSION = match(
    "mac",
    OptionSpec("mac-source", value=MAC, invertible=True, help="source MAC address XX:XX:XX:XX:XX:XX"),
    summary="source MAC address of incoming packets",
    chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"mac-source"}),),
)
