"""u32: test up to 4-byte quantities read at computed offsets in the packet."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match
from fwlint.extensions.values import BadValue, ValueType, _strtoul

_MAX = 10  # XT_U32_MAXSIZE: tests, operators per location and values per test
_BLANK = " \t\n\v\f\r"


def _program(text: str, family: int) -> int:
    """The tests as libxt_u32's parser reads them: location (number, then op number with op one
    of & << >> @), `=`, value ranges (n or n:m, comma-separated), tests joined by &&; numbers
    as strtoul base 0 reads them, up to 4294967295.  Returns the number of tests."""
    pos, tests, state, locations, values = 0, 0, 0, 0, 0

    def number() -> None:
        nonlocal pos
        value, rest = _strtoul(text[pos:], 0)
        if value is None or value > 0xFFFFFFFF:
            raise BadValue(f"at character {pos}: a number is expected")
        pos = len(text) - len(rest)

    while True:
        while pos < len(text) and text[pos] in _BLANK:
            pos += 1
        if pos >= len(text):
            if state == 0:
                raise BadValue("the input ends after a location, before `=` and a value")
            if values == 0:
                raise BadValue("the last test has no value")
            tests += 1
            if tests > _MAX:
                raise BadValue(f"more than {_MAX} tests joined with &&")
            return tests
        ch = text[pos]
        if state == 0:
            if ch == "=":
                if locations == 0:
                    raise BadValue(f"at character {pos}: the location is missing before `=`")
                pos += 1
                state = 1
                continue
            if locations:
                if ch in "<>":
                    if text[pos + 1:pos + 2] != ch:
                        raise BadValue(f"at character {pos + 1}: a second {ch!r} is expected")
                    pos += 1
                elif ch not in "&@":
                    raise BadValue(f"at character {pos}: an operator (& << >> @) is expected")
                pos += 1
            number()
            locations += 1
            if locations > _MAX:
                raise BadValue(f"at character {pos}: more than {_MAX} operators")
        elif ch == "&":
            if text[pos + 1:pos + 2] != "&":
                raise BadValue(f"at character {pos + 1}: a second '&' is expected")
            if values == 0:
                raise BadValue(f"at character {pos + 1}: the value is missing before &&")
            tests += 1
            if tests > _MAX:
                raise BadValue(f"at character {pos + 1}: more than {_MAX} tests joined with &&")
            pos += 2
            state, locations, values = 0, 0, 0
        else:
            if values:
                if ch != ",":
                    raise BadValue(f"at character {pos}: `,` or `&&` is expected")
                pos += 1
            number()
            while pos < len(text) and text[pos] in _BLANK:
                pos += 1
            if text[pos:pos + 1] == ":":
                pos += 1
                number()
            values += 1
            if values > _MAX:
                raise BadValue(f"at character {pos}: more than {_MAX} values")

_NFT = NoNft(
    "nft has no u32 program of shifts and masks (rewrite it with raw payload matches, @nh,OFFSET,LEN)")


EXTENSION = match(
    "u32",
    OptionSpec("u32", value=ValueType("u32 tests", _program), invertible=True,
               help='tests in the u32 mini-language, e.g. "0 & 0xFFFF = 0x100:0xFFFF"'),
    summary="arbitrary header and payload bit tests",
    nft=_NFT,
    meaning=Opaque("arbitrary tests on the packet's bytes"),
    required=(frozenset({"u32"}),),
)
