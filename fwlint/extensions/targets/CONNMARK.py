"""CONNMARK: set the connection's mark (ctmark), or copy it to or from the packet mark."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import MARK, UINT32, integer


def _meaning(target, enc):
    """ctmark = (ctmark & ~mask) ^ value, as the kernel computes every form:
    --set-xmark v/m, --set-mark v/m (mask m|v), --and-mark, --or-mark, --xor-mark.
    --save-mark changes the ctmark, --restore-mark the nfmark, in ways
    not modelled (masks, shifts): any value."""
    opts = enc.options(target)
    full = 0xFFFFFFFF
    steps = []
    for name, opt in opts.items():
        if name == "set-xmark":
            value, mask = enc.value(opt)
            steps.append(enc.set_bits("ctmark", value, mask))
        elif name == "set-mark":
            value, mask = enc.value(opt)
            steps.append(enc.set_bits("ctmark", value, mask | value))
        elif name == "and-mark":
            steps.append(enc.set_bits("ctmark", 0, ~enc.value(opt) & full))
        elif name == "or-mark":
            bits = enc.value(opt)
            steps.append(enc.set_bits("ctmark", bits, bits))
        elif name == "xor-mark":
            steps.append(enc.set_bits("ctmark", enc.value(opt), 0))
        elif name == "save-mark":
            steps.append(enc.havoc("ctmark"))
        elif name == "restore-mark":
            steps.append(enc.havoc("mark"))
        elif name in ("nfmask", "ctmask", "mask", "left-shift-mark", "right-shift-mark"):
            enc.value(opt)
    if len(steps) != 1:
        enc.refuse("-j CONNMARK takes exactly one action")
    return enc.go_on(*steps)


def _nft(target, ctx):
    """``ct mark set ...`` as MARK does for the packet mark; --save-mark as ``ct mark set meta
    mark`` (``& nfmask``), --restore-mark as ``meta mark set ct mark`` (``& ctmask``).  nft
    1.0 cannot merge two marks bit by bit, so a --ctmask (save) or --nfmask (restore) that keeps
    some bits of the mark being set, or a shift, has no nft form."""
    opts = ctx.options(target)
    if "save-mark" in opts or "restore-mark" in opts:
        for shift in ("left-shift-mark", "right-shift-mark"):
            if shift in opts and ctx.value(opts[shift]):
                ctx.refuse(f"--{shift}: nft 1.0 has no shift of a mark being copied", opts[shift])
        both = ctx.value(opts["mask"]) if "mask" in opts else 0xFFFFFFFF
        nfmask = ctx.value(opts["nfmask"]) if "nfmask" in opts else both
        ctmask = ctx.value(opts["ctmask"]) if "ctmask" in opts else both
        save = "save-mark" in opts
        kept, copied = (ctmask, nfmask) if save else (nfmask, ctmask)
        if kept != 0xFFFFFFFF:
            which = "--ctmask" if save else "--nfmask"
            ctx.refuse(f"{which} 0x{kept:x} keeps bits of the mark being set: nft 1.0 cannot merge "
                       "two marks", target)
        dest, source = (ctx.ct("mark"), ctx.meta("mark")) if save else (ctx.meta("mark"), ctx.ct("mark"))
        if copied != 0xFFFFFFFF:
            source = ctx.masked(source, ctx.hex(copied))
        return [ctx.statement(f"{dest.text} set {source.text}",
                              {"mangle": {"key": dest.json, "value": source.json}})]
    return [ctx.mark_statement(ctx.ct("mark"), opts)]


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
    nft=_nft,
    meaning=_meaning,
    exclusive=(
        frozenset({"set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark", "save-mark", "restore-mark"}),
    ),
    required=(
        frozenset({"set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark", "save-mark", "restore-mark"}),
    ),
)
