"""helper: packets of connections a conntrack helper (ftp, sip ...) set up."""

from fwlint.extensions import Opaque, OptionSpec, match

EXTENSION = match(
    "helper",
    OptionSpec("helper", invertible=True,
               help='the helper name, e.g. "ftp", or "ftp-2121" for a helper on another port'),
    summary="connections related through a conntrack helper",
    meaning=Opaque("conntrack helpers are not modelled"),
    required=(frozenset({"helper"}),),
)
