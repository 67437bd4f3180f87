"""state: the older connection state match; ``-m conntrack --ctstate`` supersedes it."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import STATE_LIST

EXTENSION = match(
    "state",
    OptionSpec("state", value=STATE_LIST, invertible=True,
               help="INVALID, NEW, ESTABLISHED, RELATED, UNTRACKED"),
    summary="connection state (superseded by conntrack --ctstate)",
)
