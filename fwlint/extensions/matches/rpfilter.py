"""rpfilter: reverse path filter: would a reply leave by the interface the packet came in on?"""

from fwlint.extensions import Opaque, OptionSpec, match

EXTENSION = match(
    "rpfilter",
    OptionSpec("loose", arity=0, help="pass if there is any route back, whatever the interface"),
    OptionSpec("validmark", arity=0, help="use the packet mark in the reverse route lookup"),
    OptionSpec("accept-local", arity=0, help="pass packets whose source is a local address"),
    OptionSpec("invert", arity=0, help="match packets that fail the test (the match has no !)"),
    summary="reverse path (anti-spoofing) test",
    tables=frozenset({"raw", "mangle"}),
    chains=frozenset({"PREROUTING"}),
    meaning=Opaque("depends on the routing table"),
)
