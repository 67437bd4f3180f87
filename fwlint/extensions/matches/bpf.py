"""bpf: run a BPF program on the packet: a pinned eBPF object or classic BPF bytecode."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match

_NFT = NoNft('nft cannot run a BPF program (rewrite the test as nft expressions)')


EXTENSION = match(
    "bpf",
    OptionSpec("object-pinned", help="path of a pinned eBPF program in the bpf filesystem"),
    OptionSpec("bytecode", help='classic BPF: "N,op jt jf k,op jt jf k,..." as nfbpf_compile prints'),
    summary="BPF program",
    nft=_NFT,
    meaning=Opaque("runs a BPF program on the packet's bytes"),
    required=(frozenset({"bytecode", "object-pinned"}),),
)
