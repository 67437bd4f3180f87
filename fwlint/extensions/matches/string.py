"""string: search the packet for a byte pattern (Boyer-Moore or Knuth-Pratt-Morris)."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import NoNft, Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import UINT16, BadValue, ValueType, choice

_NFT = NoNft("nft cannot search the packet's contents for a string")

_MAX_PATTERN = 128  # XT_STRING_MAX_PATTERN_SIZE


def _string(text: str, family: int) -> bytes:
    """--string: the bytes as written, 1 to 128 of them."""
    data = text.encode("utf-8", "surrogateescape")
    if not data:
        raise BadValue("an empty pattern: iptables wants one byte at least")
    if len(data) > _MAX_PATTERN:
        raise BadValue(f"the pattern has {len(data)} bytes: at most {_MAX_PATTERN}")
    return data


def _hex_string(text: str, family: int) -> bytes:
    """--hex-string as libxt_string's parse_hex_string reads it: text, `\\x` literals, and
    |hex pairs| in which a blank may follow each pair; 1 to 128 bytes."""
    s = text.encode("utf-8", "surrogateescape")
    if not s:
        raise BadValue("an empty pattern: iptables wants one byte at least")
    out = bytearray()
    i, in_hex, literal = 0, False, False
    while i < len(s):
        if len(out) >= _MAX_PATTERN:
            raise BadValue(f"the pattern is longer than {_MAX_PATTERN} bytes")
        ch = s[i:i + 1]
        if ch == b"\\" and not in_hex:
            literal = True
        elif ch == b"\\":
            raise BadValue("a \\ inside |hex| data: iptables takes no literals there")
        elif ch == b"|":
            if not in_hex:
                while s[i + 1:i + 2] == b" ":
                    i += 1
            in_hex = not in_hex
            if i + 1 >= len(s):
                break
            i += 1
            continue
        if literal:
            if i + 1 >= len(s):
                raise BadValue("a \\ at the end of the pattern escapes nothing")
            out += s[i + 1:i + 2]
            i += 2
            literal = False
        elif in_hex:
            if i + 1 >= len(s):
                raise BadValue("an odd number of hex digits in the |hex| block")
            if i + 2 >= len(s):
                raise BadValue("a |hex| block without its closing |")
            pair = s[i:i + 2].decode("latin-1")
            if not all(c in "0123456789abcdefABCDEF" for c in pair):
                raise BadValue(f"{pair!r} in the |hex| block is not a pair of hex digits")
            out.append(int(pair, 16))
            i += 3 if s[i + 2:i + 3] == b" " else 2
        else:
            out += ch
            i += 1
    if not out:
        raise BadValue("the pattern is empty")
    return bytes(out)


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """The kernel refuses a --from past the --to (65535 by default)."""
    given = {o.name: o for o in options}
    try:
        start = int(UINT16.parse(given["from"].value or "", family)) if "from" in given else 0  # type: ignore[arg-type]
        stop = int(UINT16.parse(given["to"].value or "", family)) if "to" in given else 65535  # type: ignore[arg-type]
    except ValueError:
        return  # reported for itself
    if start > stop:
        yield ValueProblem("from", f"--from {start} is past --to {stop}: the kernel refuses the rule")


EXTENSION = match(
    "string",
    OptionSpec("algo", value=choice("bm", "kmp", what="search algorithm"),
               help="bm (Boyer-Moore) or kmp (Knuth-Pratt-Morris); required"),
    OptionSpec("from", value=UINT16, help="first byte offset searched; 0 by default"),
    OptionSpec("to", value=UINT16, help="offset the search stops at; the packet end by default"),
    OptionSpec("string", value=ValueType("pattern", _string), invertible=True, help="the text to find"),
    OptionSpec("hex-string", value=ValueType("pattern", _hex_string), invertible=True,
               help="the pattern with |hex| escapes, e.g. '|0d 0a|'"),
    OptionSpec("icase", arity=0, help="ignore case"),
    summary="a byte pattern anywhere in the packet",
    nft=_NFT,
    meaning=Opaque("searches the payload"),
    exclusive=(frozenset({"string", "hex-string"}),),
    required=(frozenset({"string", "hex-string"}), frozenset({"algo"})),
    validate=_validate,
)
