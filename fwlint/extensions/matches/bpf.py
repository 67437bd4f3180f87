"""bpf: run a BPF program on the packet: a pinned eBPF object or classic BPF bytecode."""

from fwlint.extensions import OptionSpec, match

EXTENSION = match(
    "bpf",
    OptionSpec("object-pinned", help="path of a pinned eBPF program in the bpf filesystem"),
    OptionSpec("bytecode", help='classic BPF: "N,op jt jf k,op jt jf k,..." as nfbpf_compile prints'),
    summary="BPF program",
)
