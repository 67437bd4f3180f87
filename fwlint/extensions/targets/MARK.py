"""MARK: set the packet's netfilter mark (nfmark); the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import MARK, UINT32


def _meaning(target, enc):
    """mark = (mark & ~mask) ^ value, as the kernel computes every form:
    --set-xmark v/m, --set-mark v/m (mask m|v), --and-mark, --or-mark, --xor-mark."""
    opts = enc.options(target)
    full = 0xFFFFFFFF
    steps = []
    for name, opt in opts.items():
        if name == "set-xmark":
            value, mask = enc.value(opt)
            steps.append(enc.set_bits("mark", value, mask))
        elif name == "set-mark":
            value, mask = enc.value(opt)
            steps.append(enc.set_bits("mark", value, mask | value))
        elif name == "and-mark":
            steps.append(enc.set_bits("mark", 0, ~enc.value(opt) & full))
        elif name == "or-mark":
            bits = enc.value(opt)
            steps.append(enc.set_bits("mark", bits, bits))
        elif name == "xor-mark":
            steps.append(enc.set_bits("mark", enc.value(opt), 0))
    if len(steps) != 1:
        enc.refuse("-j MARK takes exactly one action")
    return enc.go_on(*steps)


def _nft(target, ctx):
    """``meta mark set 0x1``; with a mask, ``meta mark set meta mark & ~mask ^ value`` (xmark)
    or ``| value`` (set-mark); --and/--or/--xor-mark as ``&``, ``|``, ``^``."""
    opts = ctx.options(target)
    return [ctx.mark_statement(ctx.meta("mark"), opts)]


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
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"}),),
    required=(frozenset({"set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"}),),
)
