"""LED: blink or light an LED trigger when packets pass."""

from fwlint.extensions import NoNft, OptionSpec, target


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('nft has no LED triggers')


EXTENSION = target(
    "LED",
    OptionSpec("led-trigger-id", help='name of the trigger; the kernel prefixes "netfilter-"'),
    OptionSpec("led-delay", help="milliseconds to keep the LED on, or inf; 0 blinks"),
    OptionSpec("led-always-blink", arity=0, help="blink on every packet even while the LED is on"),
    summary="drive an LED trigger and continue",
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"led-trigger-id"}),),
)
