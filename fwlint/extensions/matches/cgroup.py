"""cgroup: the control group of the socket behind the packet (cgroup v2 path or net_cls id)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32

EXTENSION = match(
    "cgroup",
    OptionSpec("path", invertible=True,
               help="cgroup v2 path, relative to the hierarchy root; matches its whole subtree"),
    OptionSpec("cgroup", value=UINT32, invertible=True, help="net_cls class id"),
    summary="control group of the sending or receiving socket (limited use in INPUT)",
    chains=frozenset({"OUTPUT", "POSTROUTING", "INPUT"}),
    meaning=Opaque("the control group of the socket is not a header field"),
    required=(frozenset({"path", "cgroup"}),),  # the kernel refuses a cgroup match without
)
