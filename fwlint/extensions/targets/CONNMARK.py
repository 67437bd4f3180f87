"""CONNMARK: set the connection's mark (ctmark), or copy it to or from the packet mark."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import MARK, UINT32, integer

EXTENSION = target(
    "CONNMARK",
    OptionSpec("set-xmark", value=MARK, help="value[/mask]: clear the mask bits, then XOR value in"),
    OptionSpec("set-mark", value=MARK, help="value[/mask]: set the masked bits of the ctmark"),
    OptionSpec("and-mark", value=UINT32, help="AND the ctmark with these bits"),
    OptionSpec("or-mark", value=UINT32, help="OR these bits into the ctmark"),
    OptionSpec("xor-mark", value=UINT32, help="XOR these bits into the ctmark"),
    OptionSpec("save-mark", arity=0, help="copy the packet mark to the connection mark"),
    OptionSpec("restore-mark", arity=0,
               help="copy the connection mark to the packet mark (documented for mangle only)"),
    OptionSpec("nfmask", value=UINT32, help="mask of the packet mark for --save-mark/--restore-mark"),
    OptionSpec("ctmask", value=UINT32, help="mask of the connection mark for --save-mark/--restore-mark"),
    OptionSpec("mask", value=UINT32, help="both masks at once"),
    OptionSpec("left-shift-mark", value=integer(0, 31),
               help="shift the copied mark left by this many bits (revision 2)"),
    OptionSpec("right-shift-mark", value=integer(0, 31),
               help="shift the copied mark right by this many bits (revision 2)"),
    summary="set or copy the connection mark and continue",
)
