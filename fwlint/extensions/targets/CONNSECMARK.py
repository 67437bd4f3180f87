"""CONNSECMARK: copy security marks from packets to their connection and back."""

from fwlint.extensions import OptionSpec, target


def _meaning(target, enc):
    """The packet goes on (security marks are not modelled fields)."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """As the kernel's CONNSECMARK does it: --save copies a packet's security mark to its
    connection when the packet has one and the connection none (``meta secmark & 0xffffffff !=
    0 ct secmark & 0xffffffff == 0 ct secmark set meta secmark``); --restore copies the
    connection's to a packet that has none (``meta secmark & 0xffffffff == 0 meta secmark set
    ct secmark``: a connection without one leaves 0).  An untracked packet stops at ``ct
    secmark``, as the kernel leaves it alone.  (nft 1.0.6 refuses ``meta secmark 0``, the form
    it lists: "Cannot be used with right hand side constant value"; the mask is its way round.)"""
    opts = ctx.options(target)
    packet, connection = ctx.meta("secmark"), ctx.ct("secmark")

    def unmarked(term, negated: bool = False):
        masked = ctx.masked(term, ctx.hex(0xFFFFFFFF))
        op = "!=" if negated else "=="
        return ctx.matching(f"{masked.text} {op} 0", {"match": {"op": op, "left": masked.json, "right": 0}},
                            stateful=False)

    def copy(dest, source):
        return ctx.statement(f"{dest.text} set {source.text}", {"mangle": {"key": dest.json,
                                                                            "value": source.json}})

    if "save" in opts:
        return [unmarked(packet, negated=True), unmarked(connection), copy(connection, packet)]
    return [unmarked(packet), copy(packet, connection)]


EXTENSION = target(
    "CONNSECMARK",
    OptionSpec("save", arity=0, help="copy the packet's security mark to an unmarked connection"),
    OptionSpec("restore", arity=0, help="copy the connection's security mark to an unmarked packet"),
    summary="save or restore the connection's security mark and continue",
    tables=frozenset({"security", "mangle"}),
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"save", "restore"}),),
    required=(frozenset({"save", "restore"}),),
)
