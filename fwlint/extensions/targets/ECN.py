"""ECN: clear (or set) ECN bits to get past hosts that mishandle them (IPv4).

The kernel refuses the TCP operations (``--ecn-tcp-remove``, ``--ecn-tcp-cwr``,
``--ecn-tcp-ece``) at commit unless the rule has a positive ``-p tcp``.
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, target
from fwlint.extensions.values import integer

_TCP_OPERATIONS = ("ecn-tcp-remove", "ecn-tcp-cwr", "ecn-tcp-ece")


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name in _TCP_OPERATIONS:
            yield Placement(opt.name, protocols=frozenset({"tcp", "6"}))
            return


def _meaning(target, enc):
    """--ecn-ip-ect sets the low two bits of the TOS byte; the TCP operations change the CWR and
    ECE flags (any value, as far as the model says)."""
    opts = enc.options(target)
    if not opts:
        enc.refuse("-j ECN needs an option")
    steps = []
    for name, opt in opts.items():
        if name == "ecn-ip-ect":
            steps.append(enc.set_bits("tos", enc.value(opt), 0x03))
        else:
            if opt.values:
                enc.value(opt)
            steps.append(enc.havoc("tcpflags", 0xC0))
    return enc.go_on(*steps)


def _nft(target, ctx):
    """--ecn-ip-ect as ``ip ecn set N``.  nft 1.0 cannot set TCP flags: --ecn-tcp-remove,
    --ecn-tcp-cwr and --ecn-tcp-ece have no nft form."""
    opts = ctx.options(target)
    for unsupported in ("ecn-tcp-remove", "ecn-tcp-cwr", "ecn-tcp-ece"):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft 1.0 cannot set TCP flags", opts[unsupported])
    if "ecn-ip-ect" not in opts:
        ctx.refuse("-j ECN needs an option (iptables refuses it)", target, refused=True)
    value = ctx.value(opts["ecn-ip-ect"])
    key = ctx.ip("ecn")
    return [ctx.statement(f"{key.text} set {value}", {"mangle": {"key": key.json, "value": value}})]


EXTENSION = target(
    "ECN",
    OptionSpec("ecn-tcp-remove", arity=0, help="clear the ECN bits of the TCP header (needs -p tcp)"),
    OptionSpec("ecn-tcp-cwr", value=integer(0, 1), help="set the TCP CWR flag to 0 or 1 (needs -p tcp)"),
    OptionSpec("ecn-tcp-ece", value=integer(0, 1), help="set the TCP ECE flag to 0 or 1 (needs -p tcp)"),
    OptionSpec("ecn-ip-ect", value=integer(0, 3), help="set the IP header's ECN field, 0-3"),
    summary="rewrite ECN bits and continue",
    tables=frozenset({"mangle"}),
    family=4,
    placement=_placement,
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"ecn-tcp-remove", "ecn-tcp-cwr", "ecn-tcp-ece", "ecn-ip-ect"}),),
)
