"""sctp: ports and chunk types of SCTP packets (loaded by ``-p sctp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_RANGE, SCTP_CHUNKS, choice

EXTENSION = match(
    "sctp",
    OptionSpec("source-port", aliases=("sport",), value=PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    OptionSpec("chunk-types", arity=2,
               value=(choice("all", "any", "only", what="chunk match mode", fold=True), SCTP_CHUNKS),
               invertible=True,
               help="MODE CHUNKS: all, any or only of the comma-separated chunk types "
                    "(DATA, INIT ...), each with optional :flags"),
    summary="SCTP ports and chunk types",
    protocols=frozenset({"sctp", "132"}),
    implied_by=frozenset({"sctp", "132"}),
)
