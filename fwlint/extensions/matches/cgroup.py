"""cgroup: the control group of the socket behind the packet (cgroup v2 path or net_cls id)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32


def _nft(match, ctx):
    """--path as ``socket cgroupv2 level N "PATH"`` (the socket's cgroup is PATH or below it: its
    ancestor at PATH's depth is PATH; nft, as iptables, finds the path when the rules are
    loaded; nft 1.0 reads it in the block syntax only, not in JSON); --cgroup as ``meta cgroup``
    (net_cls classid)."""
    opts = ctx.options(match)
    parts = []
    for name, opt in opts.items():
        if name == "path":
            path = ctx.value(opt).strip("/")
            level = len([p for p in path.split("/") if p])
            if level == 0:
                ctx.refuse("--path / is every cgroup: nft's socket cgroupv2 needs a level of 1 or more",
                           opt)
            if ctx.json_only:
                ctx.refuse("--path: nft 1.0's JSON has no socket cgroupv2 (the block syntax does)", opt)
            value = ctx.string(path, opt)
            left = ctx.term(f"socket cgroupv2 level {level}", {"socket": {"key": "cgroupv2", "level": level}})
            parts.append(ctx.match(left, value, opt.negated))
        elif name == "cgroup":
            parts.append(ctx.match(ctx.meta("cgroup"), ctx.hex(ctx.value(opt), "integer"), opt.negated))
    return parts


EXTENSION = match(
    "cgroup",
    OptionSpec("path", invertible=True,
               help="cgroup v2 path, relative to the hierarchy root; matches its whole subtree"),
    OptionSpec("cgroup", value=UINT32, invertible=True, help="net_cls class id"),
    summary="control group of the sending or receiving socket (limited use in INPUT)",
    chains=frozenset({"OUTPUT", "POSTROUTING", "INPUT"}),
    nft=_nft,
    meaning=Opaque("the control group of the socket is not a header field"),
    required=(frozenset({"path", "cgroup"}),),  # the kernel refuses a cgroup match without
)
