"""connlabel: test (and optionally set) a bit label on the connection."""

from fwlint.extensions import Opaque, OptionSpec, match

EXTENSION = match(
    "connlabel",
    OptionSpec("label", invertible=True,
               help="a label name from connlabel.conf, or a bit number 0-127"),
    OptionSpec("set", arity=0, help="set the label on the connection if it is not set yet"),
    summary="connection labels",
    meaning=Opaque("connection labels are not modelled"),
    required=(frozenset({"label"}),),
)
