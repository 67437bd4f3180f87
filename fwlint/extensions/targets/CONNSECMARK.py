"""CONNSECMARK: copy security marks from packets to their connection and back."""

from fwlint.extensions import OptionSpec, target


def _meaning(target, enc):
    """The packet goes on (security marks are not modelled fields)."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "CONNSECMARK",
    OptionSpec("save", arity=0, help="copy the packet's security mark to an unmarked connection"),
    OptionSpec("restore", arity=0, help="copy the connection's security mark to an unmarked packet"),
    summary="save or restore the connection's security mark and continue",
    tables=frozenset({"security", "mangle"}),
    meaning=_meaning,
    required=(frozenset({"save", "restore"}),),
)
