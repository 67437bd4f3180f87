"""bpf: run a BPF program on the packet: a pinned eBPF object or classic BPF bytecode."""

import re

from fwlint.extensions import NoNft, Opaque, OptionSpec, match
from fwlint.extensions.values import BadValue, ValueType

_MAX_INSTRUCTIONS = 64  # XT_BPF_MAX_NUM_INSTR
# sscanf's %hu / %hhu / %u: blanks, a sign, decimal digits, read greedily; a blank in the
# format matches any number of blanks, none too
_UNSIGNED = r"[ \t\n\v\f\r]*+[+-]?\d++"
_HEAD = re.compile(r"[ \t\n\v\f\r]*\+?(\d+),")
_INSTRUCTION = re.compile(rf"({_UNSIGNED})({_UNSIGNED})({_UNSIGNED})({_UNSIGNED})")


def _scan(word: str, bits: int) -> int:
    """sscanf's %hu / %hhu / %u: the number (after blanks, a sign) cut to ``bits`` bits."""
    return int(word.strip(" \t\n\v\f\r")) % (1 << bits)


# bpf_check_classic (Linux net/core/filter.c): the instruction codes the kernel takes
_ALU = [0x04 | op | src for op in (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0)
        for src in (0x00, 0x08)] + [0x04 | 0x80]
_LOADS = [mode | size for mode in (0x20, 0x40) for size in (0x00, 0x08, 0x10)]  # ld [k], ld [x+k]
_JUMPS = [0x05 | op | src for op in (0x10, 0x20, 0x30, 0x40) for src in (0x00, 0x08)]
_CODES = frozenset(_ALU + _LOADS + _JUMPS + [
    0x80, 0x00, 0x60,          # ld len, ld #k, ld M[k]
    0x81, 0xb1, 0x01, 0x61,    # ldx len, ldx 4*([k]&0xf), ldx #k, ldx M[k]
    0x02, 0x03,                # st, stx
    0x07, 0x87,                # tax, txa
    0x06, 0x16,                # ret #k, ret a
    0x05])                     # ja
_ANCILLARY = frozenset((0xFFFFF000 + offset) for offset in range(0, 64, 4))  # SKF_AD_OFF + SKF_AD_*


def _check_program(program: list[tuple[int, int, int, int]]) -> None:
    """What the kernel's bpf_check_classic refuses, at commit."""
    size = len(program)
    masks = [0xFFFF] * size
    valid = 0
    for pc, (code, jt, jf, k) in enumerate(program):
        where = f"instruction {pc} ({code} {jt} {jf} {k})"
        if code not in _CODES:
            raise BadValue(f"{where}: the kernel knows no BPF instruction {code}")
        if code in (0x34, 0x94) and k == 0:
            raise BadValue(f"{where}: a division by zero")
        if code in (0x64, 0x74) and k >= 32:
            raise BadValue(f"{where}: a shift by {k} bits")
        if code in (0x60, 0x61, 0x02, 0x03) and k >= 16:
            raise BadValue(f"{where}: memory slot {k} (there are 16)")
        if code == 0x05 and k >= size - pc - 1:
            raise BadValue(f"{where}: the jump leaves the program")
        if code in _JUMPS and (pc + jt + 1 >= size or pc + jf + 1 >= size):
            raise BadValue(f"{where}: the jump leaves the program")
        if code in _LOADS[:3] and k >= 0xFFFFF000 and k not in _ANCILLARY:
            raise BadValue(f"{where}: no such ancillary load")
        # check_load_and_stores: a slot is read only after every path to it wrote it
        valid &= masks[pc]
        if code in (0x02, 0x03):
            valid |= 1 << k
        elif code in (0x60, 0x61) and not valid & (1 << k):
            raise BadValue(f"{where}: memory slot {k} is read before it is written")
        elif code == 0x05:
            masks[pc + 1 + k] &= valid
            valid = 0xFFFF
        elif code in _JUMPS:
            masks[pc + 1 + jt] &= valid
            masks[pc + 1 + jf] &= valid
            valid = 0xFFFF
    if program[-1][0] not in (0x06, 0x16):
        raise BadValue("the program does not end with a return (ret), so the kernel refuses it")


def _bytecode(text: str, family: int) -> int:
    """--bytecode as libxt_bpf reads it: the instruction count, then that many `code jt jf k`
    instructions, comma-separated (nfbpf_compile's output); then the program as the kernel
    checks it at commit (_check_program).  Returns the count."""
    head = _HEAD.match(text)
    if head is None:
        raise BadValue("the program does not start with its length and a comma")
    count = int(head.group(1)) % 65536
    if count == 0:
        raise BadValue("a program of 0 instructions")
    if count > _MAX_INSTRUCTIONS:
        raise BadValue(f"{count} instructions: iptables takes at most {_MAX_INSTRUCTIONS}")
    program: list[tuple[int, int, int, int]] = []
    pos = text.find(",")
    while pos != -1 and pos + 1 < len(text):
        if len(program) >= count:
            raise BadValue(f"more instructions than the {count} the program says")
        m = _INSTRUCTION.match(text, pos + 1)
        if m is None:
            raise BadValue(f"instruction {len(program)} is not `code jt jf k`")
        program.append((_scan(m.group(1), 16), _scan(m.group(2), 8), _scan(m.group(3), 8),
                        _scan(m.group(4), 32)))
        pos = text.find(",", pos + 1)
    if len(program) != count:
        raise BadValue(f"{len(program)} instructions where the program says {count}")
    _check_program(program)
    return count

_NFT = NoNft('nft cannot run a BPF program (rewrite the test as nft expressions)')


EXTENSION = match(
    "bpf",
    OptionSpec("object-pinned", help="path of a pinned eBPF program in the bpf filesystem"),
    OptionSpec("bytecode", value=ValueType("BPF program", _bytecode),
               help='classic BPF: "N,op jt jf k,op jt jf k,..." as nfbpf_compile prints'),
    summary="BPF program",
    nft=_NFT,
    meaning=Opaque("runs a BPF program on the packet's bytes"),
    required=(frozenset({"bytecode", "object-pinned"}),),
)
