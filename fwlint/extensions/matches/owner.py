"""owner: the user, group or socket behind a locally generated packet."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import OWNER

EXTENSION = match(
    "owner",
    OptionSpec("uid-owner", value=OWNER, invertible=True,
               help="the socket's file belongs to this user (name, uid or uid-uid range)"),
    OptionSpec("gid-owner", value=OWNER, invertible=True,
               help="the socket's file belongs to this group (name, gid or gid-gid range)"),
    OptionSpec("suppl-groups", arity=0,
               help="let --gid-owner also match the process's supplementary groups"),
    OptionSpec("socket-exists", arity=0, invertible=True, help="the packet has a socket at all"),
    summary="owner of the sending socket (locally generated packets only)",
    chains=frozenset({"OUTPUT", "POSTROUTING"}),
    meaning=Opaque("the owner of the socket is not a header field"),
    required=(frozenset({"uid-owner", "gid-owner", "socket-exists"}),),
)
