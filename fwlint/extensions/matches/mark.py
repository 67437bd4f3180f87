"""mark: the packet's netfilter mark (nfmark), as set by the MARK target."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MARK

EXTENSION = match(
    "mark",
    OptionSpec("mark", value=MARK, invertible=True,
               help="value[/mask]: the mark, ANDed with mask, equals value"),
    summary="packet mark (nfmark)",
)
