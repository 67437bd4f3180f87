"""Reading ``ipset save`` output (--ipset)."""

from __future__ import annotations

import pytest

from fwlint.nft.ipset import IpsetError, read_ipset_text


def test_types_and_elements():
    sets = read_ipset_text(
        "create a hash:net family inet hashsize 1024 maxelem 65536\n"
        "add a 10.0.0.0/8\n"
        "add a 192.0.2.1\n"
        "create b hash:ip,port family inet6\n"
        "add b 2001:db8::1,tcp:443\n"
        "add b 2001:db8::1,53\n"
        "create c hash:net,iface family inet\n"
        "add c 10.0.0.0/8,eth0\n"
        "create d hash:mac\n"
        "add d 00:11:22:33:44:55\n")
    a, b, c, d = (sets[n].to_nft() for n in "abcd")
    assert (a.type, a.flags, a.elements) == ("ipv4_addr", ("interval",), ("10.0.0.0/8", "192.0.2.1"))
    assert a.elements_json == ({"prefix": {"addr": "10.0.0.0", "len": 8}}, "192.0.2.1")
    assert (b.type, b.elements) == ("ipv6_addr . inet_proto . inet_service",
                                    ("2001:db8::1 . tcp . 443", "2001:db8::1 . tcp . 53"))
    assert b.elements_json[0] == {"concat": ["2001:db8::1", "tcp", 443]}
    assert (c.type, c.elements) == ("ipv4_addr . ifname", ('10.0.0.0/8 . "eth0"',))
    assert (d.type, d.elements) == ("ether_addr", ("00:11:22:33:44:55",))


def test_what_has_no_nft_form_is_known_with_the_reason():
    sets = read_ipset_text("create l list:set size 8\n"
                           "create n hash:net family inet\nadd n 10.0.0.0/8\nadd n 10.1.0.0/16 nomatch\n"
                           "create i hash:ip,port family inet\nadd i 192.0.2.1,icmp:echo-request\n")
    assert sets["l"].problem == "type list:set has no nft form"
    assert sets["n"].problem == "entry 10.1.0.0/16 is an exception (nomatch), which nft sets cannot hold"
    assert sets["i"].problem == ("entry 192.0.2.1,icmp:echo-request: ipset keys the icmp type there, "
                                 "nft's set a port")


def test_not_ipset_output():
    with pytest.raises(IpsetError, match=r"^sets:2:5: add to set x, never created$"):
        read_ipset_text("create a hash:ip\nadd x 192.0.2.1\n", "sets")
    with pytest.raises(IpsetError, match=r"^sets:1:1: not ipset save output: '\*filter'$"):
        read_ipset_text("*filter\n", "sets")
    with pytest.raises(IpsetError, match=r"^sets:2:3: not ipset save output: 'flush everything'$"):
        read_ipset_text("create a hash:ip\n  flush everything\n", "sets")
    with pytest.raises(IpsetError, match=r"^sets:1:20: timeout needs a number$"):
        read_ipset_text("create a hash:ip   timeout x\n", "sets")
    with pytest.raises(IpsetError, match=r"^sets:1:25: No closing quotation$"):
        read_ipset_text('add a 192.0.2.1 comment "x\n', "sets")
