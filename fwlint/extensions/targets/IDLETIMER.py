"""IDLETIMER: restart a named timer; userspace is notified when it runs out (interface idle)."""

from fwlint.extensions import NoNft, OptionSpec, target
from fwlint.extensions.values import UINT32


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('nft has no idle timers')


EXTENSION = target(
    "IDLETIMER",
    OptionSpec("timeout", value=UINT32, help="seconds of idleness before the notification"),
    OptionSpec("label", help="name of the timer, up to 27 characters"),
    OptionSpec("alarm", arity=0, help="use an alarm timer, which also runs while suspended"),
    summary="restart an idle timer and continue",
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"timeout"}), frozenset({"label"})),
)
