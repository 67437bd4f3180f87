"""SNPT: stateless IPv6 source prefix translation (RFC 6296); DNPT undoes it."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NETWORK

EXTENSION = target(
    "SNPT",
    OptionSpec("src-pfx", value=NETWORK, help="prefix/length translated from"),
    OptionSpec("dst-pfx", value=NETWORK, help="prefix/length translated to"),
    summary="rewrite the IPv6 source prefix and continue (pair with DNPT and NOTRACK)",
    tables=frozenset({"mangle"}),
    chains=frozenset({"INPUT", "POSTROUTING"}),
    family=6,
)
