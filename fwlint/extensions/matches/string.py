"""string: search the packet for a byte pattern (Boyer-Moore or Knuth-Pratt-Morris)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import ANY, UINT16, choice

EXTENSION = match(
    "string",
    OptionSpec("algo", value=choice("bm", "kmp", what="search algorithm"),
               help="bm (Boyer-Moore) or kmp (Knuth-Pratt-Morris); required"),
    OptionSpec("from", value=UINT16, help="first byte offset searched; 0 by default"),
    OptionSpec("to", value=UINT16, help="offset the search stops at; the packet end by default"),
    OptionSpec("string", value=ANY, invertible=True, help="the text to find"),
    OptionSpec("hex-string", value=ANY, invertible=True,
               help="the pattern with |hex| escapes, e.g. '|0d 0a|'"),
    OptionSpec("icase", arity=0, help="ignore case"),
    summary="a byte pattern anywhere in the packet",
    meaning=Opaque("searches the payload"),
    exclusive=(frozenset({"string", "hex-string"}),),
    required=(frozenset({"string", "hex-string"}), frozenset({"algo"})),
)
