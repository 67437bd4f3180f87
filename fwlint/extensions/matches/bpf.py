"""bpf: run a BPF program on the packet: a pinned eBPF object or classic BPF bytecode."""

from fwlint.extensions import Opaque, OptionSpec, match

EXTENSION = match(
    "bpf",
    OptionSpec("object-pinned", help="path of a pinned eBPF program in the bpf filesystem"),
    OptionSpec("bytecode", help='classic BPF: "N,op jt jf k,op jt jf k,..." as nfbpf_compile prints'),
    summary="BPF program",
    meaning=Opaque("runs a BPF program on the packet's bytes"),
    required=(frozenset({"bytecode", "object-pinned"}),),
)
