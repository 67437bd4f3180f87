"""SECMARK: set the packet's security mark (an SELinux context)."""

from fwlint.extensions import OptionSpec, target


def _meaning(target, enc):
    """The packet goes on (its security mark is not a modelled field)."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "SECMARK",
    OptionSpec("selctx", help="the security context, e.g. system_u:object_r:http_packet_t:s0"),
    summary="set the packet's security context and continue",
    tables=frozenset({"security", "mangle"}),
    meaning=_meaning,
    required=(frozenset({"selctx"}),),
)
