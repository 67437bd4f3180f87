"""connlabel: test (and optionally set) a bit label on the connection."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match
from fwlint.extensions.values import BadValue, Unresolved, ValueType, c_number

_NFT = NoNft(
    "connection label names come from the host's connlabel.conf when the rules are loaded (nft's ct "
    "label reads that file too)")


def _label(text: str, family: int) -> int | str:
    """A bit number 0-127 (XT_CONNLABEL_MAXBIT), or a name the host's connlabel.conf maps to
    one when the rules are loaded."""
    number = c_number(text)
    if number is not None:
        if number > 127:
            raise BadValue(f"label bit {number}: the kernel has bits 0-127")
        return number
    if not text:
        raise BadValue("an empty label")
    raise Unresolved(f"{text!r} is a label name: iptables looks it up in connlabel.conf when the "
                     "rules are loaded and refuses the rule if that file does not name it")


EXTENSION = match(
    "connlabel",
    OptionSpec("label", value=ValueType("label", _label), invertible=True,
               help="a label name from connlabel.conf, or a bit number 0-127"),
    OptionSpec("set", arity=0, help="set the label on the connection if it is not set yet"),
    summary="connection labels",
    nft=_NFT,
    meaning=Opaque("connection labels are not modelled"),
    required=(frozenset({"label"}),),
)
