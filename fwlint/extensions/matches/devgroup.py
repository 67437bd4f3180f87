"""devgroup: the device group of the incoming or outgoing interface."""

from fwlint.extensions import OptionSpec, match

EXTENSION = match(
    "devgroup",
    OptionSpec("src-group", invertible=True,
               help="group of the incoming device: value[/mask] or a name from /etc/iproute2/group"),
    OptionSpec("dst-group", invertible=True,
               help="group of the outgoing device: value[/mask] or a name"),
    summary="interface device group",
)
