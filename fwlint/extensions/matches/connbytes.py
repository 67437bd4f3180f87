"""connbytes: bytes, packets or average packet size a connection has carried so far."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import choice, int_range

EXTENSION = match(
    "connbytes",
    OptionSpec("connbytes", value=int_range(0, 2 ** 64 - 1, backwards="refused"), invertible=True,
               help="from[:to]: the counter is within this range"),
    OptionSpec("connbytes-dir", value=choice("original", "reply", "both", what="direction"),
               help="original, reply or both"),
    OptionSpec("connbytes-mode", value=choice("packets", "bytes", "avgpkt", what="counter"),
               help="packets, bytes or avgpkt"),
    summary="connection byte/packet counters (needs nf_conntrack_acct)",
    meaning=Opaque("counters of the connection's past traffic"),
    required=(frozenset({"connbytes"}), frozenset({"connbytes-dir"}), frozenset({"connbytes-mode"})),
)
