"""The standard verdicts: ACCEPT, DROP, RETURN and QUEUE (built into iptables)."""

from fwlint.extensions import target

EXTENSIONS = [
    target("ACCEPT", summary="let the packet through; no later rule in this table sees it",
           terminal=True),
    target("DROP", summary="discard the packet silently", terminal=True,
           tables=frozenset({"filter", "mangle", "raw", "security"})),
    target("RETURN", summary="stop this chain and go back to the calling chain "
                             "(or apply the policy in a built-in chain)", terminal=True),
    target("QUEUE", summary="hand the packet to a userspace program (queue 0)", terminal=True),
]
