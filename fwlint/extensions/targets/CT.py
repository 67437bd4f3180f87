"""CT: set connection tracking parameters (helper, zone, events, timeout) or disable tracking."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import choice_list


def _meaning(target, enc):
    """Attaches a conntrack template (or, with --notrack, none): the packet's connection
    state and marks may change (any value, as far as the model says)."""
    enc.options(target)
    return enc.go_on(enc.havoc("ctstate"), enc.havoc("snat"), enc.havoc("dnat"),
                     enc.havoc("ctstatus"), enc.havoc("ctmark"))



def _concrete(target, ctx):
    """--notrack: the packet gets no connection (UNTRACKED from here on).  Otherwise a
    conntrack template is attached, which state matches read as NEW until conntrack itself
    runs (after the raw table)."""
    opts = ctx.options(target)
    for opt in opts.values():
        if opt.values:
            ctx.value(opt)
    if "notrack" in opts:
        return ctx.go_on(ctx.assign("ctstate", "UNTRACKED"), ctx.assign("snat", False),
                         ctx.assign("dnat", False), ctx.assign("ctstatus", frozenset()))
    return ctx.go_on(ctx.assign("ctstate", "NEW"), ctx.assign("snat", False), ctx.assign("dnat", False))


EXTENSION = target(
    "CT",
    OptionSpec("notrack", arity=0, help="do not track the packet's connection"),
    OptionSpec("helper", help="the conntrack helper to assign, e.g. ftp"),
    OptionSpec("ctevents", value=choice_list("new", "related", "destroy", "reply", "assured",
                                             "protoinfo", "helper", "mark", "natseqinfo",
                                             "secmark", what="conntrack event"),
               help="only generate these conntrack events, comma-separated"),
    OptionSpec("expevents", value=choice_list("new", what="expectation event"),
               help="only generate these expectation events (new)"),
    OptionSpec("zone-orig", help="zone id, or mark, for the original direction"),
    OptionSpec("zone-reply", help="zone id, or mark, for the reply direction"),
    OptionSpec("zone", help="zone id, or mark to take it from the packet mark; both directions"),
    OptionSpec("timeout", help="name of a timeout policy (nfct timeout)"),
    summary="set the connection tracking template and continue",
    tables=frozenset({"raw"}),
    meaning=_meaning,
    concrete=_concrete,
)
