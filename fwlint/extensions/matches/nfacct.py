"""nfacct: count the matching traffic in an extended accounting object (see nfacct(8)); matches always."""

from fwlint.extensions import OptionSpec, match


def _meaning(match, enc):
    """Every packet (it only counts them)."""
    enc.options(match)
    return enc.true


EXTENSION = match(
    "nfacct",
    OptionSpec("nfacct-name", help="the accounting object, created beforehand with nfacct add"),
    summary="extended accounting; matches every packet",
    meaning=_meaning,
    required=(frozenset({"nfacct-name"}),),
)
