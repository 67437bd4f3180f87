"""conntrack: connection tracking state, status, direction and original/reply tuples."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import (CT_STATE_LIST, CT_STATUS_LIST, NETWORK, PORT_RANGE, PROTOCOL,
                                      UINT32_RANGE, choice)

EXTENSION = match(
    "conntrack",
    OptionSpec("ctstate", value=CT_STATE_LIST, invertible=True,
               help="INVALID, NEW, ESTABLISHED, RELATED, UNTRACKED, SNAT, DNAT"),
    OptionSpec("ctproto", value=PROTOCOL, invertible=True, help="layer-4 protocol of the connection"),
    OptionSpec("ctorigsrc", value=NETWORK, invertible=True, help="original source address"),
    OptionSpec("ctorigdst", value=NETWORK, invertible=True, help="original destination address"),
    OptionSpec("ctreplsrc", value=NETWORK, invertible=True, help="reply source address"),
    OptionSpec("ctrepldst", value=NETWORK, invertible=True, help="reply destination address"),
    OptionSpec("ctorigsrcport", value=PORT_RANGE, invertible=True, help="original source port"),
    OptionSpec("ctorigdstport", value=PORT_RANGE, invertible=True, help="original destination port"),
    OptionSpec("ctreplsrcport", value=PORT_RANGE, invertible=True, help="reply source port"),
    OptionSpec("ctrepldstport", value=PORT_RANGE, invertible=True, help="reply destination port"),
    OptionSpec("ctstatus", value=CT_STATUS_LIST, invertible=True,
               help="NONE, EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED"),
    OptionSpec("ctexpire", value=UINT32_RANGE, invertible=True, help="remaining lifetime in seconds"),
    OptionSpec("ctdir", value=choice("ORIGINAL", "REPLY", what="direction"),
               help="ORIGINAL or REPLY"),
    summary="connection tracking state and tuples",
)
