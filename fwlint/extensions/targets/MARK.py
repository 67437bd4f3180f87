"""MARK: set the packet's netfilter mark (nfmark); the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import MARK, UINT32

EXTENSION = target(
    "MARK",
    OptionSpec("set-xmark", value=MARK,
               help="value[/mask]: clear the mask bits, then XOR value in"),
    OptionSpec("set-mark", value=MARK,
               help="value[/mask]: clear the mask bits, then OR value in"),
    OptionSpec("and-mark", value=UINT32, help="AND the mark with these bits"),
    OptionSpec("or-mark", value=UINT32, help="OR these bits into the mark"),
    OptionSpec("xor-mark", value=UINT32, help="XOR these bits into the mark"),
    summary="set the packet mark and continue (documented for mangle, accepted in every table by "
            "current kernels; set it in mangle PREROUTING/OUTPUT to affect routing)",
)
