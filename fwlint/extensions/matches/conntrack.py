"""conntrack: connection tracking state, status, direction and original/reply tuples."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import (CT_STATE_LIST, CT_STATUS_LIST, NETWORK, PORT_RANGE,
                                      PROTOCOL_AS_WRITTEN, UINT32_RANGE, choice)


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


_NFT_WITHOUT_ENTRY = ("INVALID", "UNTRACKED")  # the states of a packet without a connection
_NFT_WITH_ENTRY = ("ESTABLISHED", "RELATED", "NEW")
_NFT_STATUS = {"EXPECTED": "expected", "SEEN_REPLY": "seen-reply", "ASSURED": "assured",
               "CONFIRMED": "confirmed"}
_NFT_TUPLES = {"ctorigsrc": ("original", "saddr"), "ctorigdst": ("original", "daddr"),
               "ctreplsrc": ("reply", "saddr"), "ctrepldst": ("reply", "daddr")}
_NFT_PORTS = {"ctorigsrcport": ("original", "proto-src"), "ctorigdstport": ("original", "proto-dst"),
              "ctreplsrcport": ("reply", "proto-src"), "ctrepldstport": ("reply", "proto-dst")}


def _nft_entry_tests(ctx, opts):
    """The tests of the options other than --ctstate: each reads the connection, which nft (as
    conntrack_mt) cannot do for a packet without one.  nft reads a connection's ports only after
    a test of its protocol: without --ctproto, the rule's -p stands in (approximate)."""
    tests = []
    if any(name in _NFT_PORTS for name in opts) and "ctproto" not in opts:
        number = ctx.protocol_number
        if number not in (6, 17, 33, 132, 136):
            ctx.refuse("ports of the connection without --ctproto: nft reads them only after a test "
                       "of the connection's protocol", next(o for n, o in opts.items() if n in _NFT_PORTS))
        ctx.approximate("nft reads the connection's ports only after a test of its protocol: the "
                        "rule's -p is taken for --ctproto",
                        next(o for n, o in opts.items() if n in _NFT_PORTS))
        tests.append(ctx.match(ctx.ct("protocol"), ctx.protocol_value(number)))
    for name, opt in sorted(opts.items(), key=lambda item: item[0] != "ctproto"):
        if name == "ctproto":
            tests.append(ctx.match(ctx.ct("protocol"), ctx.protocol_value(ctx.value(opt)), opt.negated))
        elif name in _NFT_TUPLES:
            direction, field = _NFT_TUPLES[name]
            net = ctx.value(opt)
            left = ctx.ct(field, direction, family_field=True)
            if hasattr(net, "prefixlen"):
                tests.append(ctx.match(left, ctx.network(net), opt.negated))
            else:  # a netmask that is no prefix
                tests.append(ctx.match(ctx.masked(left, ctx.symbol(str(net.netmask))),
                                       ctx.symbol(str(net.network_address)), opt.negated))
        elif name in _NFT_PORTS:
            direction, field = _NFT_PORTS[name]
            low, high = ctx.value(opt)
            if low > high:  # never in the range
                if not opt.negated:
                    ctx.never(f"port range {opt.values[0]} runs backwards", opt)
                continue
            tests.append(ctx.match(ctx.ct(field, direction), ctx.range(low, high, "inet_service"),
                                   opt.negated))
        elif name == "ctstatus":
            flags = [nft for ipt, nft in _NFT_STATUS.items() if ipt in ctx.value(opt)]
            if not flags:  # NONE alone: no bit, so never any of them
                if not opt.negated:
                    ctx.never("--ctstatus NONE tests no status bit", opt)
                continue
            tests.append(ctx.flag_match(ctx.ct("status"), flags, opt.negated))
        elif name == "ctexpire":
            low, high = ctx.value(opt)
            if low > high:
                if not opt.negated:
                    ctx.never(f"--ctexpire {opt.values[0]} runs backwards", opt)
                continue
            # conntrack_mt counts whole seconds left; nft counts milliseconds
            first, last = f"{low}s", f"{high}s999ms"
            tests.append(ctx.match(ctx.ct("expiration"),
                                   ctx.literal(f"{first}-{last}", {"range": [first, last]}),
                                   opt.negated))
        elif name == "ctdir":
            tests.append(ctx.match(ctx.ct("direction"), ctx.symbol(ctx.value(opt).lower())))
    return tests


def _nft(match, ctx):
    """As conntrack_mt: --ctstate's SNAT and DNAT are ``ct status snat``/``dnat``, the other
    states ``ct state``; a disjunction of the two is two disjoint rules.  A packet without a
    connection (INVALID, UNTRACKED) passes the state test alone, the other options being left
    unchecked for it; with a connection every option must hold.  Negated states are tested as
    none of them (``ct state & (new|invalid) == 0``), never with nft's ``!= new,invalid``,
    which compares the whole value."""
    opts = ctx.options(match)
    tests = _nft_entry_tests(ctx, opts)
    state = opts.get("ctstate")
    if state is None:
        return tests or [ctx.flag_match(ctx.ct("state"), ["established", "related", "new"])]
    wanted = ctx.value(state)
    nat = [n.lower() for n in ("SNAT", "DNAT") if n in wanted]
    if state.negated:
        without = [s.lower() for s in _NFT_WITHOUT_ENTRY if s not in wanted]
        tracked = [s.lower() for s in _NFT_WITH_ENTRY if s not in wanted]
    else:
        without = [s.lower() for s in _NFT_WITHOUT_ENTRY if s in wanted]
        tracked = [s.lower() for s in _NFT_WITH_ENTRY if s in wanted]
    state_of = ctx.ct("state")
    alternatives = []
    if without:
        alternatives.append([ctx.flag_match(state_of, without, one_hot=True)])
    if state.negated:
        if tracked:
            with_entry = [ctx.flag_match(state_of, tracked, one_hot=True)]
            if nat:
                with_entry.append(ctx.flag_match(ctx.ct("status"), nat, True))
            alternatives.append([*with_entry, *tests])
    elif tracked and nat:
        alternatives.append([ctx.flag_match(state_of, tracked, one_hot=True), *tests])
        alternatives.append([ctx.flag_match(state_of, tracked, True, one_hot=True),
                             ctx.flag_match(ctx.ct("status"), nat), *tests])
    elif tracked:
        alternatives.append([ctx.flag_match(state_of, tracked, one_hot=True), *tests])
    elif nat:
        alternatives.append([ctx.flag_match(ctx.ct("status"), nat), *tests])
    if not alternatives:
        ctx.never(f"{'! ' if state.negated else ''}--ctstate {state.values[0]} excludes every state",
                  state)
    if len(alternatives) == 1:
        return alternatives[0]
    return ctx.any_of(*alternatives)


EXTENSION = match(
    "conntrack",
    OptionSpec("ctstate", value=CT_STATE_LIST, invertible=True,
               help="INVALID, NEW, ESTABLISHED, RELATED, UNTRACKED, SNAT, DNAT"),
    OptionSpec("ctproto", value=PROTOCOL_AS_WRITTEN, invertible=True,
               help="layer-4 protocol of the connection"),
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
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(
        frozenset({"ctstate", "ctproto", "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst",
                   "ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport", "ctstatus",
                   "ctexpire", "ctdir"}),
    ),
)
