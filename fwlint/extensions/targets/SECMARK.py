"""SECMARK: set the packet's security mark (an SELinux context)."""

from fwlint.extensions import OptionSpec, target

EXTENSION = target(
    "SECMARK",
    OptionSpec("selctx", help="the security context, e.g. system_u:object_r:http_packet_t:s0"),
    summary="set the packet's security context and continue",
    tables=frozenset({"security", "mangle"}),
)
