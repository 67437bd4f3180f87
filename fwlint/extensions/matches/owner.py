"""owner: the user, group or socket behind a locally generated packet."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import OWNER


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """--suppl-groups only after a --gid-owner ("you need to use --gid-owner first")."""
    for opt in options:
        if opt.name == "gid-owner":
            return
        if opt.name == "suppl-groups":
            yield ValueProblem("suppl-groups", "--suppl-groups before --gid-owner: iptables reads "
                                               "options in order and refuses it; put it after")
            return


def _nft(match, ctx):
    """``meta skuid 1000-1999``, ``meta skgid 100``, negated ``!=``; --socket-exists as ``meta
    skuid 0-4294967295`` (readable exactly when the packet has a full socket).  A packet without
    a socket (a reset or ICMP error the kernel sends): owner_mt takes it when the test is
    negated; nft cannot read its owner and does not (so a negated test is approximate).  nft
    cannot test supplementary groups."""
    opts = ctx.options(match)
    parts = []
    if "suppl-groups" in opts:
        ctx.refuse("--suppl-groups: nft cannot test a socket's supplementary groups", opts["suppl-groups"])
    for name, opt in opts.items():
        if name in ("uid-owner", "gid-owner"):
            low, high = ctx.value(opt)
            key = "skuid" if name == "uid-owner" else "skgid"
            parts.append(ctx.match(ctx.meta(key), ctx.range(low, high), opt.negated))
        elif name == "socket-exists":
            if opt.negated:
                ctx.refuse("! --socket-exists: nft cannot test that a packet has no socket", opt)
            parts.append(ctx.match(ctx.meta("skuid"), ctx.range(0, 0xFFFFFFFF)))
        if opt.negated and name in ("uid-owner", "gid-owner"):
            ctx.approximate(f"! {opt.written}: a packet without a socket matches in iptables, not in "
                            "nft", opt)
    return parts


EXTENSION = match(
    "owner",
    OptionSpec("uid-owner", value=OWNER, invertible=True,
               help="the socket's file belongs to this user (name, uid or uid-uid range)"),
    OptionSpec("gid-owner", value=OWNER, invertible=True,
               help="the socket's file belongs to this group (name, gid or gid-gid range)"),
    OptionSpec("suppl-groups", arity=0,
               help="let --gid-owner also match the process's supplementary groups"),
    OptionSpec("socket-exists", arity=0, invertible=True, help="the packet has a socket at all"),
    summary="owner of the sending socket (locally generated packets only)",
    chains=frozenset({"OUTPUT", "POSTROUTING"}),
    nft=_nft,
    meaning=Opaque("the owner of the socket is not a header field"),
    required=(frozenset({"uid-owner", "gid-owner", "socket-exists"}),),
    validate=_validate,
)
