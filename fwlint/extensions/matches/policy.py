"""policy: the IPsec policy that decapsulated the packet, or will encapsulate it."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import NETWORK, UINT32, choice

EXTENSION = match(
    "policy",
    OptionSpec("dir", value=choice("in", "out", what="policy direction"),
               help="in: the decapsulation policy (PREROUTING, INPUT, FORWARD); "
                    "out: the encapsulation policy (POSTROUTING, OUTPUT, FORWARD)"),
    OptionSpec("pol", value=choice("none", "ipsec", what="policy"),
               help="none or ipsec: whether the packet is subject to IPsec processing"),
    OptionSpec("strict", arity=0, help="match the exact policy, element by element"),
    OptionSpec("reqid", value=UINT32, invertible=True, help="reqid of the policy rule"),
    OptionSpec("spi", value=UINT32, invertible=True, help="SPI of the security association"),
    OptionSpec("proto", value=choice("ah", "esp", "ipcomp", "50", "51", "108",
                                     what="IPsec protocol", fold=True),
               invertible=True, help="ah, esp or ipcomp"),
    OptionSpec("mode", value=choice("tunnel", "transport", what="IPsec mode"), invertible=True,
               help="tunnel or transport"),
    OptionSpec("tunnel-src", value=NETWORK, invertible=True,
               help="tunnel source endpoint (with --mode tunnel)"),
    OptionSpec("tunnel-dst", value=NETWORK, invertible=True,
               help="tunnel destination endpoint (with --mode tunnel)"),
    OptionSpec("next", arity=0, help="start the next policy element (with --strict)"),
    summary="IPsec policy of the packet",
)
