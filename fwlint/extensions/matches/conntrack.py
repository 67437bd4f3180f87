"""conntrack: connection tracking state, status, direction and original/reply tuples."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import (CT_STATE_LIST, CT_STATUS_LIST, NETWORK, PORT_RANGE, PROTOCOL,
                                      UINT32_RANGE, choice)


_OPAQUE_OPTIONS = ("ctproto", "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst", "ctorigsrcport",
                   "ctorigdstport", "ctreplsrcport", "ctrepldstport", "ctexpire", "ctdir")


def _meaning(match, enc):
    """As xt_conntrack decides: --ctstate first (SNAT and DNAT are flags of a tracked
    connection); then a packet without a conntrack entry (INVALID, UNTRACKED) matches when
    --ctstate was given and fails otherwise; a tracked one must pass --ctstatus (any of the bits)
    and the tuple, direction and expiry options, which are not modelled."""
    opts = enc.options(match)
    if not opts:
        enc.refuse("-m conntrack needs at least one option")
    state = opts.get("ctstate")
    state_ok = enc.negate(enc.ct_states(enc.value(state)), state) if state is not None else enc.true
    tracked = [enc.tracked()]
    for name, opt in opts.items():
        if name == "ctstatus":
            tracked.append(enc.negate(enc.ct_status(enc.value(opt)), opt))
        elif name in _OPAQUE_OPTIONS:
            enc.value(opt)
            tracked.append(enc.opaque(f"--{name}"))
    with_entry = enc.all(state_ok, *tracked)
    without = (~enc.tracked() & state_ok) if state is not None else enc.false
    return with_entry._replace(upper=with_entry.upper | without, lower=with_entry.lower | without)



def _concrete(match, pkt):
    """As conntrack_mt: the state test first (a tracked packet's state, plus SNAT/DNAT when its
    connection is NATed; INVALID or UNTRACKED without a connection), failing the match when it
    fails; then a packet without a connection matches exactly when --ctstate was given; a
    tracked one must pass --ctstatus (any bit in common, ! none) and the tuple, direction and
    expiry tests, which are not modelled."""
    opts = pkt.options(match)
    if not opts:
        pkt.refuse("-m conntrack needs at least one option")
    values = {name: pkt.value(opt) for name, opt in opts.items()}
    tracked = pkt.test("ctstate", lambda state: state in ("NEW", "ESTABLISHED", "RELATED"))
    state_ok = True
    if "ctstate" in opts:
        names = values["ctstate"]
        in_list = pkt.any(
            pkt.test("ctstate", lambda state: state in names),
            pkt.all(tracked, pkt.test("snat", lambda flag: flag)) if "SNAT" in names else False,
            pkt.all(tracked, pkt.test("dnat", lambda flag: flag)) if "DNAT" in names else False)
        state_ok = pkt.invert(in_list, opts["ctstate"])
    with_entry = [tracked]
    for name, opt in opts.items():
        if name == "ctstatus":
            wanted = values[name] - {"NONE"}
            with_entry.append(pkt.invert(pkt.test("ctstatus", lambda status: bool(status & wanted)), opt))
        elif name != "ctstate":
            with_entry.append(pkt.unknown(f"--{name}: the connection's tuples, direction and expiry "
                                          "are not modelled"))
    without_entry = pkt.all(pkt.invert(tracked), "ctstate" in opts)
    return pkt.all(state_ok, pkt.any(without_entry, pkt.all(*with_entry)))


EXTENSION = match(
    "conntrack",
    OptionSpec("ctstate", value=CT_STATE_LIST, invertible=True,
               help="INVALID, NEW, ESTABLISHED, RELATED, UNTRACKED, SNAT, DNAT"),
    OptionSpec("ctproto", value=PROTOCOL, invertible=True, help="layer-4 protocol of the connection"),
    OptionSpec("ctorigsrc", value=NETWORK, invertible=True, help="original source address"),
    OptionSpec("ctorigdst", value=NETWORK, invertible=True, help="original destination address"),
    OptionSpec("ctreplsrc", value=NETWORK, invertible=True, help="reply source address"),
    OptionSpec("ctrepldst", value=NETWORK, invertible=True, help="reply destination address"),
    OptionSpec("ctorigsrcport", value=PORT_RANGE, invertible=True, help="original source port"),
    OptionSpec("ctorigdstport", value=PORT_RANGE, invertible=True, help="original destination port"),
    OptionSpec("ctreplsrcport", value=PORT_RANGE, invertible=True, help="reply source port"),
    OptionSpec("ctrepldstport", value=PORT_RANGE, invertible=True, help="reply destination port"),
    OptionSpec("ctstatus", value=CT_STATUS_LIST, invertible=True,
               help="NONE, EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED"),
    OptionSpec("ctexpire", value=UINT32_RANGE, invertible=True, help="remaining lifetime in seconds"),
    OptionSpec("ctdir", value=choice("ORIGINAL", "REPLY", what="direction", fold=True),
               help="ORIGINAL or REPLY"),
    summary="connection tracking state and tuples",
    meaning=_meaning,
    concrete=_concrete,
    required=(
        frozenset({"ctstate", "ctproto", "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst",
                   "ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport", "ctstatus",
                   "ctexpire", "ctdir"}),
    ),
)
