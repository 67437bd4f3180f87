"""policy: the IPsec policy that decapsulated the packet, or will encapsulate it.

The kernel refuses ``--dir in`` from OUTPUT and POSTROUTING and ``--dir out`` from PREROUTING
and INPUT (at commit).
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import Opaque, OptionSpec, Placement, ValueProblem, match
from fwlint.extensions.values import NETWORK, UINT32, choice

_ELEMENT = frozenset({"reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst"})
_MAX_ELEMENTS = 4  # XT_POLICY_MAX_ELEM


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """As libxt_policy checks a match: --next only with --strict, at most 4 elements, with
    --strict none of them empty, --tunnel-src/-dst only in an element with --mode tunnel, and
    --pol none without --strict."""
    names = {o.name for o in options}
    policy = next((o.value for o in options if o.name == "pol"), None)
    if policy == "none" and "strict" in names:
        yield ValueProblem("strict", "--strict with --pol none: iptables refuses it (there is no "
                                     "policy to compare)")
    if "next" in names and "strict" not in names:
        yield ValueProblem("next", "--next needs --strict: iptables refuses it alone")
        return
    elements: list[list[Option]] = [[]]
    for opt in options:
        if opt.name == "next":
            elements.append([])
        elif opt.name in _ELEMENT:
            elements[-1].append(opt)
    if len(elements) > _MAX_ELEMENTS:
        yield ValueProblem("next", f"{len(elements)} policy elements: iptables takes at most "
                                   f"{_MAX_ELEMENTS}")
    for index, element in enumerate(elements):
        if "strict" in names and not element:
            yield ValueProblem("strict" if index == 0 else "next",
                               f"policy element {index} is empty: with --strict each needs one of "
                               "--reqid, --spi, --proto, --mode, --tunnel-src or --tunnel-dst")
        tunnel = next((o for o in element if o.name in ("tunnel-src", "tunnel-dst")), None)
        mode = next((o for o in element if o.name == "mode"), None)
        if tunnel is not None and (mode is None or mode.value != "tunnel" or mode.negated):
            yield ValueProblem(tunnel.name, f"--{tunnel.name} needs --mode tunnel in its policy "
                                            "element: iptables refuses it otherwise")


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "dir" and opt.value == "in":
            yield Placement(opt.name, chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}))
        elif opt.name == "dir" and opt.value == "out":
            yield Placement(opt.name, chains=frozenset({"FORWARD", "OUTPUT", "POSTROUTING"}))

def _nft(match, ctx):
    """--pol none as ``meta secpath missing`` (--dir in) or ``rt ipsec missing`` (--dir out);
    --pol ipsec without element options as ``exists``.  The element tests (--reqid, --spi,
    --proto, --mode, --tunnel-src/dst, --next, --strict) compare any or every SA of the path;
    nft's ipsec expression reads one SA by position: they have no exact nft form."""
    opts = ctx.options(match, repeatable=("reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst",
                                          "next"))
    if "dir" not in opts:
        ctx.refuse("-m policy needs --dir (iptables refuses it)", match, refused=True)
    direction = ctx.value(opts["dir"])
    policy = ctx.value(opts["pol"]) if "pol" in opts else "ipsec"
    elements = [n for n in opts if n in ("reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst",
                                         "next", "strict")]
    if elements and policy == "ipsec":
        ctx.refuse(f"--{elements[0]}: policy compares any (or with --strict every) SA of the packet's "
                   "path; nft's ipsec expression reads one SA by position", opts[elements[0]])
    if direction == "in":
        left = ctx.term("meta secpath", {"meta": {"key": "secpath"}})
    else:
        left = ctx.term("rt ipsec", {"rt": {"key": "ipsec"}})
    present = policy == "ipsec"
    return [ctx.match(left, ctx.literal("exists" if present else "missing", present))]


EXTENSION = match(
    "policy",
    OptionSpec("dir", value=choice("in", "out", what="policy direction"),
               help="in: the decapsulation policy (PREROUTING, INPUT, FORWARD); "
                    "out: the encapsulation policy (POSTROUTING, OUTPUT, FORWARD)"),
    OptionSpec("pol", value=choice("none", "ipsec", what="policy"),
               help="none or ipsec: whether the packet is subject to IPsec processing"),
    OptionSpec("strict", arity=0, help="match the exact policy, element by element"),
    OptionSpec("reqid", value=UINT32, invertible=True, help="reqid of the policy rule"),
    OptionSpec("spi", value=UINT32, invertible=True, help="SPI of the security association"),
    OptionSpec("proto", value=choice("ah", "esp", "ipcomp", "50", "51", "108",
                                     what="IPsec protocol"),
               invertible=True, help="ah, esp or ipcomp"),
    OptionSpec("mode", value=choice("tunnel", "transport", what="IPsec mode"), invertible=True,
               help="tunnel or transport"),
    OptionSpec("tunnel-src", value=NETWORK, invertible=True,
               help="tunnel source endpoint (with --mode tunnel)"),
    OptionSpec("tunnel-dst", value=NETWORK, invertible=True,
               help="tunnel destination endpoint (with --mode tunnel)"),
    OptionSpec("next", arity=0, help="start the next policy element (with --strict)"),
    summary="IPsec policy of the packet",
    placement=_placement,
    elements=("next", frozenset({"reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst"})),
    nft=_nft,
    meaning=Opaque("IPsec policies are not modelled"),
    required=(frozenset({"dir"}),),
    validate=_validate,
)
