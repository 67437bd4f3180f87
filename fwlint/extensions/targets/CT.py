"""CT: set connection tracking parameters (helper, zone, events, timeout) or disable tracking."""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, target
from fwlint.extensions.values import BadValue, Unresolved, ValueType, c_number

# The conntrack helpers Linux has (the nf_conntrack_* modules), by the name CT --helper takes and
# the protocols it serves: the kernel finds a helper by name and by the rule's -p, at commit.
HELPERS: dict[str, frozenset[str]] = {
    "ftp": frozenset({"tcp", "6"}), "irc": frozenset({"tcp", "6"}), "pptp": frozenset({"tcp", "6"}),
    "sane": frozenset({"tcp", "6"}), "Q.931": frozenset({"tcp", "6"}),
    "tftp": frozenset({"udp", "17"}), "amanda": frozenset({"udp", "17"}),
    "netbios-ns": frozenset({"udp", "17"}), "snmp": frozenset({"udp", "17"}),
    "snmp_trap": frozenset({"udp", "17"}), "RAS": frozenset({"udp", "17"}),
    "sip": frozenset({"tcp", "6", "udp", "17"}),
}


def _helper(text: str, family: int) -> str:
    if text in HELPERS:
        return text
    if not text:
        raise BadValue("an empty helper name")
    raise Unresolved(f"{text!r} is no conntrack helper of Linux ({', '.join(sorted(HELPERS))}; names "
                     "are case-sensitive): the kernel refuses the rule unless a userspace helper of "
                     "that name is registered when the rules are loaded")


def _zone(text: str, family: int) -> int | str:
    """A zone id 0-65535 (C notation) or `mark`."""
    if text == "mark":
        return text
    number = c_number(text, 0, 0xFFFF)
    if number is None:
        raise BadValue(f"{text!r} is not a zone (a number 0-65535, or mark)")
    return number


_ZONE = ValueType("zone", _zone)


def _events(*names: str, what: str) -> ValueType:
    """Comma-separated event names as libxt_CT 1.8.9 reads them: in lower case only (checked:
    "NEW" is 'Unknown event type'), no empty item.  Read in upper case, as choice lists are."""
    def parse(text: str, family: int) -> frozenset[str]:
        out = set()
        for item in text.split(","):
            if item not in names:
                hint = " (iptables takes the names in lower case only)" if item.lower() in names else ""
                raise BadValue(f"{item!r}: the {what}s are {', '.join(names)}{hint}")
            out.add(item.upper())
        return frozenset(out)
    return ValueType(f"{what}[,{what}]...", parse)


def _timeout(text: str, family: int) -> str:
    if not text:
        raise BadValue("an empty timeout policy name")
    raise Unresolved(f"{text!r} names a timeout policy: the kernel refuses the rule unless it has "
                     "been created (nfct add timeout) when the rules are loaded")


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "helper" and opt.value in HELPERS:
            yield Placement("helper", protocols=HELPERS[opt.value],
                            note=f"the {opt.value} helper serves those only")


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


def _nft(target, ctx):
    """--notrack as ``notrack``; --helper NAME as ``ct helper set "NAME_PROTO"`` with a ct helper
    object the table declares (for the rule's protocol); --zone N as ``ct zone set N``
    (``ct original zone``/``ct reply zone`` for the one-direction options); --ctevents as ``ct
    event set new,related``.  A zone taken from the packet mark, --expevents and --timeout (an
    nfct policy outside the ruleset) have no nft form."""
    opts = ctx.options(target)
    for unsupported in ("expevents", "timeout"):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft has no form for it", opts[unsupported])
    out = []
    if "notrack" in opts:
        out.append(ctx.statement("notrack", {"notrack": None}))
    if "helper" in opts:
        protocol = {6: "tcp", 17: "udp"}.get(ctx.protocol_number)
        if protocol is None:
            ctx.refuse("--helper needs -p tcp or -p udp", opts["helper"], refused=True)
        name = ctx.value(opts["helper"])
        if '"' in name or not name:
            ctx.refuse(f"--helper {name!r}: not a helper name", opts["helper"], refused=True)
        object_name = ctx.helper(name, protocol, opts["helper"])
        out.append(ctx.statement(f'ct helper set "{object_name}"',
                                 {"mangle": {"key": {"ct": {"key": "helper"}}, "value": object_name}}))
    for option, direction in (("zone", None), ("zone-orig", "original"), ("zone-reply", "reply")):
        if option not in opts:
            continue
        text = opts[option].values[0] if opts[option].values else ""
        key = ctx.ct("zone", direction)
        if text == "mark":
            ctx.refuse(f"--{option} mark: nft cannot set a zone from the packet mark (a zone is 16 bits, "
                       "a mark 32)", opts[option])
        if text.isdigit() and int(text) <= 0xFFFF:
            value_text, value_json = text, int(text)
        else:
            ctx.refuse(f"--{option} {text}: a zone is a number 0-65535 or mark", opts[option], refused=True)
        out.append(ctx.statement(f"{key.text} set {value_text}",
                                 {"mangle": {"key": key.json, "value": value_json}}))
    if "ctevents" in opts:
        events = sorted(e.lower() for e in ctx.value(opts["ctevents"]))
        names = [{"natseqinfo": "natseqinfo"}.get(e, e) for e in events]
        value = names[0] if len(names) == 1 else names
        out.append(ctx.statement(f"ct event set {','.join(names)}",
                                 {"mangle": {"key": {"ct": {"key": "event"}}, "value": value}}))
    if not out:
        ctx.approximate("-j CT without options: a template with nothing in it", target)
    return out


EXTENSION = target(
    "CT",
    OptionSpec("notrack", arity=0, help="do not track the packet's connection"),
    OptionSpec("helper", value=ValueType("helper", _helper),
               help="the conntrack helper to assign, e.g. ftp"),
    OptionSpec("ctevents", value=_events("new", "related", "destroy", "reply", "assured",
                                         "protoinfo", "helper", "mark", "natseqinfo",
                                         "secmark", what="conntrack event"),
               help="only generate these conntrack events, comma-separated"),
    OptionSpec("expevents", value=_events("new", what="expectation event"),
               help="only generate these expectation events (new)"),
    OptionSpec("zone-orig", value=_ZONE, help="zone id, or mark, for the original direction"),
    OptionSpec("zone-reply", value=_ZONE, help="zone id, or mark, for the reply direction"),
    OptionSpec("zone", value=_ZONE,
               help="zone id, or mark to take it from the packet mark; both directions"),
    OptionSpec("timeout", value=ValueType("timeout policy", _timeout),
               help="name of a timeout policy (nfct timeout)"),
    summary="set the connection tracking template and continue",
    tables=frozenset({"raw"}),
    placement=_placement,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
