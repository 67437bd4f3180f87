"""osf: passive OS fingerprinting of TCP SYN packets."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import choice

EXTENSION = match(
    "osf",
    OptionSpec("genre", invertible=True, help="the operating system genre, e.g. Linux"),
    OptionSpec("ttl", value=choice("0", "1", "2", what="TTL check level"),
               help="0: compare IP TTL exactly, 1: TTL below the fingerprint's, 2: ignore TTL"),
    OptionSpec("log", value=choice("0", "1", "2", what="log level"),
               help="log genres to dmesg: 0 all, 1 first only, 2 known matches"),
    summary="passive operating system fingerprint (needs fingerprints loaded with nfnl_osf)",
    chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}),
    protocols=frozenset({"tcp", "6"}),
    family=4,
    meaning=Opaque("OS fingerprints are not modelled"),
    required=(frozenset({"genre"}),),
)
