"""Names in the nft table: base chains, user chains, sets.

Every iptables table's chains go into one nft table, so names are chosen to stay apart and to
be recognisable:

- a built-in chain becomes a base chain named after its table and hook, in lower case:
  ``filter_input``, ``nat_prerouting``, ``mangle_output``;
- a user chain keeps its name (``ufw-before-input``, ``LOGDROP``) when that name is a valid nft
  identifier that is no nft keyword and no other chain of the table has it; otherwise it is
  prefixed with its iptables table (``filter_LOGDROP`` when nat has a ``LOGDROP`` too,
  ``filter_log`` for a chain called ``log``, a keyword), characters nft does not take in a name
  becoming ``_``;
- a name still taken gets ``_2``, ``_3`` ... in the order the chains come.

nft 1.0 takes no quoted chain names, so a name must be an identifier:
``[A-Za-z_.][A-Za-z0-9/\\_.-]*`` and none of nft's keywords.
"""

from __future__ import annotations

import re
from typing import Iterable

IDENTIFIER = re.compile(r"[A-Za-z_.][A-Za-z0-9/\\_.-]*\Z")

# The words nft's scanner reads as keywords (its grammar's token names); a chain or set called
# so would not parse.
KEYWORDS = frozenset("""
a-rwnd abort accept ackseq add addr ah all arp asconf asconf-ack auto-merge avgpkt bridge burst
bypass bytes cfi cgroup cgroupv2 chain chains checksum chunk classid code colon comma comment comp
constant continue cookie-ack cookie-echo count counter counters cpi cpu create csumcov ct
cum-tsn-ack cwr data day daddr dccp define dei delete describe device devices direction doff drop
dscp dst dup dynamic echo ecn ecne element elements eol error esp ether event exists expectation
expiration expires export exthdr fanout fastopen fib flags flow flowlabel flowtable flowtables
flush forward-tsn frag frag-off fully-random fwd gateway gc-interval get goto group handle hbh
hdrlength heartbeat heartbeat-ack helper helpers hlen hook hooks hoplimit hour htype ibriport
ibrname icmp icmpv6 icmpx id iif iifgroup iifname iiftype igmp import in inc include index inet
init init-ack init-tag initial-tsn insert interval ip ip6 ipsec jhash json jump junk l3proto label
last-entry left length level limit limits list ll log lowest-tsn lsrr map maps mark masquerade
max-delay md5sig memory meta meter meters mh minute missing mod monitor mptcp mrt mss mtu name
netdev new-cum-tsn newline nexthdr nexthop nftrace nh nop notrack num num-dup-tsns
num-gap-ack-blocks num-inbound-streams num-outbound-streams number numgen obriport obrname offload
offset oif oifgroup oifname oiftype operation option options original osf out over packets
param-problem pcp performance persistent pkttype plen policy port position ppid prefix priority
proto-dst proto-src protocol ptr ptype queue queue-threshold quota quotas ra random rate
redefine redirect reject rename replace reply reqid reserved reserved2 reset return right rr rt rt0
rt2 rtclassid rule rules ruleset sack sack-permitted sack0 sack1 sack2 sack3 saddr sctp second
secmark secmarks seed seg-left semicolon seq seqno set sets shutdown shutdown-ack
shutdown-complete sid size skgid skuid snaplen snat socket spi spnum sport srh ssn ssrr state
status stream string subtype symhash synproxy synproxys table tables tag tcp th time timeout
timestamp to tproxy trace transparent tsecr tsn tsval ttl type typeof udp udplite undefine until
update urgptr used value version vlan vm vmap vtag week window with wildcard wscale xml xt zone
more-fragments
""".split())

HOOKS: dict[str, str] = {"PREROUTING": "prerouting", "INPUT": "input", "FORWARD": "forward",
                         "OUTPUT": "output", "POSTROUTING": "postrouting"}


def is_identifier(name: str) -> bool:
    """Whether nft reads ``name`` as a name (not a keyword, not something else)."""
    return bool(IDENTIFIER.match(name)) and name not in KEYWORDS


def base_chain_name(table: str, chain: str) -> str:
    return f"{table}_{HOOKS.get(chain, chain.lower())}"


def sanitise(name: str) -> str:
    """``name`` with the characters nft does not take in an identifier replaced by ``_``."""
    out = re.sub(r"[^A-Za-z0-9/\\_.-]", "_", name)
    if not out or not re.match(r"[A-Za-z_.]", out):
        out = "_" + out
    return out


class ChainNames:
    """The nft names of the chains of one nft table, chosen as the module says."""

    def __init__(self) -> None:
        self.by_origin: dict[tuple[str, str, int | None], str] = {}
        self.taken: set[str] = set()

    def assign(self, chains: Iterable[tuple[str, str, bool, int | None]]) -> None:
        """Name ``(table, chain, builtin, family)`` entries: base chains first, then user chains.
        ``family``: set when the chain belongs to one family only (inet per-family chains)."""
        chains = list(chains)
        wanted: dict[str, int] = {}
        for table, chain, builtin, family in chains:
            if not builtin:
                wanted[chain] = wanted.get(chain, 0) + 1
        for table, chain, builtin, family in chains:
            if builtin:
                self._take((table, chain, family), base_chain_name(table, chain))
        for table, chain, builtin, family in chains:
            if builtin:
                continue
            if is_identifier(chain) and wanted[chain] == 1 and chain not in self.taken:
                self._take((table, chain, family), chain)
            else:
                self._take((table, chain, family), sanitise(f"{table}_{chain}"))

    def _take(self, origin: tuple[str, str, int | None], name: str) -> str:
        if origin in self.by_origin:
            return self.by_origin[origin]
        candidate, n = name, 2
        while candidate in self.taken or not is_identifier(candidate):
            candidate = f"{name}_{n}"
            n += 1
        self.taken.add(candidate)
        self.by_origin[origin] = candidate
        return candidate

    def add(self, origin: tuple[str, str, int | None], name: str) -> str:
        """Name one more chain (a per-family dispatch target), ``name`` or a free variant."""
        return self._take(origin, name)

    def get(self, table: str, chain: str, family: int | None = None) -> str | None:
        found = self.by_origin.get((table, chain, family))
        if found is None and family is not None:
            found = self.by_origin.get((table, chain, None))
        return found
