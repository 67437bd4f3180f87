"""connmark: the mark on the packet's connection (ctmark), as set by the CONNMARK target."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MARK

EXTENSION = match(
    "connmark",
    OptionSpec("mark", value=MARK, invertible=True,
               help="value[/mask]: the connection mark, ANDed with mask, equals value"),
    summary="connection mark (ctmark)",
)
