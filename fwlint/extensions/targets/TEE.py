"""TEE: send a copy of the packet to another host on the local segment; the original continues."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import ADDRESS


def _meaning(target, enc):
    """The original goes on unchanged."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "TEE",
    OptionSpec("gateway", value=ADDRESS, help="next hop for the copy (not 0.0.0.0 or ::)"),
    summary="mirror the packet to a gateway and continue (accepted in every table and chain)",
    meaning=_meaning,
    required=(frozenset({"gateway"}),),
)
