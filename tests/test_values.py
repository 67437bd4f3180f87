"""The value readers of fwlint/extensions/values.py, against what iptables 1.8.9 (legacy) does.

Every accepted/refused/changed fact here was checked with iptables-legacy-restore in a network
namespace (commit, so the kernel's checks count too).
"""

import ipaddress

import pytest

from fwlint.extensions.values import (
    CT_STATE_LIST, ICMP_TYPE, ICMPV6_TYPE, INTERFACE, LOG_LEVEL, MARK, NAT_PORTS, NAT_RANGE, NETWORK,
    NETWORK_LIST, PORT_LIST, PORT_RANGE, PROTOCOL, RATE, REJECT_TYPE, SCTP_PORT_RANGE, STATE_LIST,
    TCP_PORT_RANGE, BadValue, MaskedNetwork, NeedsProtocol, Unresolved, WrongFamily, c_number,
    choice, int_range, split_address, text,
)


def notes(vtype, word, family=4, protocol=None):
    return vtype.check(word, family, protocol)[1]


class TestNumbers:
    @pytest.mark.parametrize("word,value", [
        ("22", 22), ("0x16", 22), ("026", 22), (" 22", 22), ("+22", 22), ("0", 0),
    ])
    def test_read_as_strtoul_base_0(self, word, value):
        assert c_number(word) == value

    @pytest.mark.parametrize("word", ["-1", "09", "0x", "22x", "", "1 ", "18446744073709551616"])
    def test_refused(self, word):
        assert c_number(word) is None


class TestAddresses:
    @pytest.mark.parametrize("word,network", [
        ("10/8", "10.0.0.0/8"),          # iptables' own reader: missing parts are zero
        ("10.1", "10.1.0.0/32"),
        ("010.0.0.1", "8.0.0.1/32"),     # octal
        ("0x0a.0.0.1", "10.0.0.1/32"),
        ("1.2.65535", "1.2.255.255/32"),  # not iptables' reader: inet_aton's
        ("4294967295", "255.255.255.255/32"),
        ("10.0.0.1/0x8", "10.0.0.0/8"),
        ("10.0.0.0/255.255.0.0", "10.0.0.0/16"),
        ("0/0", "0.0.0.0/0"),
    ])
    def test_ipv4_forms_iptables_takes(self, word, network):
        (net,) = NETWORK_LIST.parse(word, 4)
        assert net == ipaddress.ip_network(network)

    def test_non_contiguous_mask(self):
        (net,) = NETWORK_LIST.parse("10.0.0.0/255.0.255.0", 4)
        assert net == MaskedNetwork(ipaddress.IPv4Address("10.0.0.0"),
                                    ipaddress.IPv4Address("255.0.255.0"))

    @pytest.mark.parametrize("word,message", [
        ("10.0.0.256", "'10.0.0.256' is not an IPv4 address"),
        ("10.0.0.08", "'10.0.0.08' is not an IPv4 address"),
        ("1.2.3.4.5", "'1.2.3.4.5' is not an IPv4 address"),
        ("10.0.0.1/33", "prefix /33 is longer than 32 bits"),
        ("10.0.0.1/08", "'08' is not a prefix length (0-32) or a netmask"),
        ("10.0.0.0/255.255", "'255.255' is not a prefix length (0-32) or a netmask"),
        ("10.0.0.0/", "'' is not a prefix length (0-32) or a netmask"),
        ("", "an empty address (a stray comma or slash?)"),
    ])
    def test_ipv4_refused(self, word, message):
        with pytest.raises(BadValue) as err:
            NETWORK_LIST.parse(word, 4)
        assert str(err.value) == message and not isinstance(err.value, WrongFamily)

    def test_list_with_an_empty_item(self):
        with pytest.raises(BadValue, match="an empty address"):
            NETWORK_LIST.parse("192.0.2.1,", 4)

    @pytest.mark.parametrize("word", ["[2001:db8::1]", "fe80::1%eth0", "2001:db8:::1",
                                      "2001:db8::1/129", "0x10"])
    def test_ipv6_refused(self, word):
        with pytest.raises(BadValue):
            NETWORK_LIST.parse(word, 6)

    def test_ipv6_netmask(self):
        assert NETWORK_LIST.parse("2001:db8::1/ffff::", 6) == (ipaddress.ip_network("2001::/16"),)

    def test_other_family(self):
        with pytest.raises(WrongFamily) as err:
            NETWORK_LIST.parse("2001:db8::1", 4)
        assert err.value.family == 6
        with pytest.raises(WrongFamily):
            NETWORK_LIST.parse("192.0.2.0/24", 6)
        assert NETWORK_LIST.parse("::ffff:192.0.2.1", 6)  # a mapped address is IPv6

    def test_host_names_are_looked_up_when_loaded(self):
        with pytest.raises(Unresolved):
            NETWORK_LIST.parse("db.example.com", 4)
        with pytest.raises(Unresolved):
            NETWORK.parse("localhost", 4)

    def test_guided_options_read_with_inet_aton(self):
        # --ctorigsrc and the like go through getaddrinfo(): 10.1 is 10.0.0.1 there
        assert NETWORK.parse("10.1", 4) == ipaddress.ip_network("10.0.0.1/32")
        assert notes(NETWORK, "10.0.0.0/40") == ("prefix /40 is longer than 32 bits: iptables takes /32",)
        with pytest.raises(BadValue):
            NETWORK.parse(" 10.0.0.1", 4)

    def test_split_address_keeps_the_host_bits(self):
        addr, mask = split_address("10.0.0.5/8", 4)
        assert (str(addr), mask) == ("10.0.0.5", 0xFF000000)


class TestPorts:
    def test_tcp_reads_c_numbers_and_tcp_services(self):
        assert TCP_PORT_RANGE.parse("0x16") == (22, 22)
        assert TCP_PORT_RANGE.parse("022") == (18, 18)
        assert TCP_PORT_RANGE.parse("ssh:http") == (22, 80)
        assert TCP_PORT_RANGE.parse(":1023") == (0, 1023)
        assert TCP_PORT_RANGE.parse("1024:") == (1024, 65535)

    @pytest.mark.parametrize("word,message", [
        ("8000:7000", "port range 8000:7000 runs backwards (8000 > 7000)"),
        ("65536", "port 65536 is out of range 0..65535"),
        ("SSH", "'SSH' is neither a port number nor a tcp service name (service names are lower "
                "case: ssh)"),
        ("biff", "'biff' is not a tcp service name (it is a service of another protocol, port 512: "
                 "write the number)"),
        ("22-80", "'22-80' is neither a port number nor a tcp service name"),
        ("1:2:3", "'2:3' is neither a port number nor a tcp service name"),
    ])
    def test_tcp_refused(self, word, message):
        with pytest.raises(BadValue) as err:
            TCP_PORT_RANGE.parse(word)
        assert str(err.value) == message

    def test_sctp_has_its_own_services(self):
        assert SCTP_PORT_RANGE.parse("amqp") == (5672, 5672)
        with pytest.raises(BadValue):
            SCTP_PORT_RANGE.parse("ssh")

    def test_udp_reads_decimal_and_any_service(self):
        assert PORT_RANGE.parse("022") == (22, 22)
        assert PORT_RANGE.parse("exec") == (512, 512)  # a tcp-only name
        with pytest.raises(BadValue):
            PORT_RANGE.parse("0x16")
        with pytest.raises(BadValue):
            PORT_RANGE.parse("1:2:3")

    def test_udp_changes_silently(self):
        assert PORT_RANGE.check("70000") == ((4464, 4464), (
            "port 70000 is past 65535: iptables takes it as 4464",))
        assert PORT_RANGE.check("9:8") == ((9, 8), (
            "port range 9:8 runs backwards (9 > 8): it never matches",))
        assert PORT_RANGE.check("") == ((0, 0), ("an empty port is taken as port 0",))
        assert PORT_RANGE.check(":") == ((0, 65535), ())

    def test_multiport_by_protocol(self):
        assert PORT_LIST.parse("ssh,80:90", 4, "tcp") == ((22, 22), (80, 90))
        assert PORT_LIST.parse("biff", 4, "udp") == ((512, 512),)
        with pytest.raises(BadValue):
            PORT_LIST.parse("ssh", 4, "udp")
        with pytest.raises(BadValue):
            PORT_LIST.parse("ssh", 4, "dccp")  # no dccp services
        with pytest.raises(NeedsProtocol):
            PORT_LIST.parse("80", 4, "")
        assert PORT_LIST.parse("ssh") == ((22, 22),)  # protocol unknown: read leniently

    @pytest.mark.parametrize("word", ["80:22", "22,", ",22", ":22", "22:",
                                      "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
                                      "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16"])
    def test_multiport_refused(self, word):
        with pytest.raises(BadValue):
            PORT_LIST.parse(word, 4, "tcp")

    def test_multiport_fifteen_slots(self):
        assert len(PORT_LIST.parse("1:2,3:4,5:6,7:8,9:10,11:12,13:14,15", 4, "tcp")) == 8


class TestNames:
    @pytest.mark.parametrize("word,number", [
        ("tcp", 6), ("TCP", 6), ("0x6", 6), ("010", 8), ("icmpv6", 58), ("mh", 135),
        ("hopopt", 0), ("all", 0), ("255", 255),
    ])
    def test_protocols(self, word, number):
        assert PROTOCOL.parse(word) == number

    @pytest.mark.parametrize("word", ["upd", "icmp6", "ipsec-esp", "256", "-1", "", " tcp"])
    def test_unknown_protocols(self, word):
        with pytest.raises(BadValue):
            PROTOCOL.parse(word)

    def test_states_any_case_and_prefixes(self):
        assert CT_STATE_LIST.parse("related,ESTABLISHED") == {"RELATED", "ESTABLISHED"}
        assert CT_STATE_LIST.parse("NE") == {"NEW"}
        assert STATE_LIST.parse("e,r") == {"ESTABLISHED", "RELATED"}
        for word in ("RELATD", "NEW,", "NEW, ESTABLISHED", ""):
            with pytest.raises(BadValue):
                CT_STATE_LIST.parse(word)
        with pytest.raises(BadValue):
            STATE_LIST.parse("SNAT")  # conntrack only

    def test_icmp_types(self):
        assert ICMP_TYPE.parse("echo-req") == (8, 0, 255)
        assert ICMP_TYPE.parse("Echo-Request") == (8, 0, 255)
        assert ICMP_TYPE.parse("0x8") == (8, 0, 255)
        assert ICMP_TYPE.parse("3/4") == (3, 4, 4)
        with pytest.raises(BadValue, match="ambiguous ICMP type: echo-reply or echo-request"):
            ICMP_TYPE.parse("echo")
        with pytest.raises(BadValue, match="did you mean echo-request"):
            ICMP_TYPE.parse("echo-reqest")
        for word in ("256", "8/256", "3/"):
            with pytest.raises(BadValue):
                ICMP_TYPE.parse(word)

    def test_icmpv6_types_of_ip6tables_1_8_9(self):
        assert ICMPV6_TYPE.parse("neighbor-solicitation") == (135, 0, 255)
        for word in ("mld-listener-query", "any", "router"):
            with pytest.raises(BadValue):
                ICMPV6_TYPE.parse(word)

    def test_reject_types_by_family(self):
        assert REJECT_TYPE.parse("TCP-RESET", 4) == "tcp-reset"
        assert REJECT_TYPE.parse("port-unreach", 6) == "icmp6-port-unreachable"
        assert REJECT_TYPE.parse("icmp-port-unreach", 4) == "icmp-port-unreachable"  # a prefix
        with pytest.raises(WrongFamily):
            REJECT_TYPE.parse("icmp-host-prohibited", 6)
        with pytest.raises(BadValue):
            REJECT_TYPE.parse("tcp-rst", 6)

    def test_log_levels(self):
        assert LOG_LEVEL.parse("warning") == 4 and LOG_LEVEL.parse("0x4") == 4
        for word in ("warn", "DEBUG", "8"):
            with pytest.raises(BadValue):
                LOG_LEVEL.parse(word)

    def test_choice_case(self):
        assert choice("ORIGINAL", "REPLY", fold=True).parse("original") == "ORIGINAL"
        with pytest.raises(BadValue, match=r"\(in that case\)"):
            choice("in", "out").parse("IN")


class TestInterfacesMarksRates:
    def test_interfaces(self):
        assert INTERFACE.parse("abcdefghijklmno") == "abcdefghijklmno"
        for word in ("abcdefghijklmnop", "abcdefghijklmno+", ""):
            with pytest.raises(BadValue):
                INTERFACE.parse(word)
        assert notes(INTERFACE, "eth0:1") and notes(INTERFACE, "eth 0") and notes(INTERFACE, "..")
        assert not notes(INTERFACE, "eth+") and not notes(INTERFACE, "eth0.100")

    def test_marks(self):
        assert MARK.parse("010") == (8, 0xFFFFFFFF)
        assert MARK.parse("1/0xff") == (1, 0xFF)
        for word in ("0x100000000", "1/", "/1", "09", "-1", "1/2/3"):
            with pytest.raises(BadValue):
                MARK.parse(word)

    @pytest.mark.parametrize("word,value", [
        ("5/sec", (5, "s")), ("5/s", (5, "s")), ("5/SEC", (5, "s")), ("5/mi", (5, "m")),
        ("5", (5, "s")), ("10000/sec", (10000, "s")), ("5/d", (5, "d")),
    ])
    def test_rates(self, word, value):
        assert RATE.parse(word) == value

    @pytest.mark.parametrize("word", ["5/fortnight", "5/seconds", "5/", "0/sec", "x/sec",
                                      "0x5/sec", "10001/sec", "-5/sec", "4294967296/day"])
    def test_bad_rates(self, word):
        with pytest.raises(BadValue):
            RATE.parse(word)


class TestTargets:
    def test_nat_ranges(self):
        r = NAT_RANGE.parse("192.0.2.1-192.0.2.5:80-90", 4, "tcp")
        assert (str(r.first), str(r.last), r.ports) == ("192.0.2.1", "192.0.2.5", (80, 90))
        assert NAT_RANGE.parse("[2001:db8::1]:80", 6, "tcp").ports == (80, 80)
        assert NAT_RANGE.parse("2001:db8::1:80", 6, "tcp").ports is None  # all address
        for word in ("localhost", "10.1", "192.0.2.1/24", "192.0.2.1:90-80", "192.0.2.1:",
                     "192.0.2.1:70000", ""):
            with pytest.raises(BadValue):
                NAT_RANGE.parse(word, 4, "tcp")
        with pytest.raises(NeedsProtocol):
            NAT_RANGE.parse("192.0.2.1:80", 4, "")
        with pytest.raises(WrongFamily):
            NAT_RANGE.parse("2001:db8::1", 4, "tcp")

    def test_to_ports(self):
        assert NAT_PORTS.parse("0x10", 4, "tcp") == (16, 16)
        with pytest.raises(BadValue, match="with a dash"):
            NAT_PORTS.parse("1024:65535", 4, "tcp")

    def test_text_cut_or_refused(self):
        prefix = text(1, truncated_at=29, what="log prefix")
        assert notes(prefix, "x" * 30) == ("the log prefix has 30 characters: iptables keeps the first 29",)
        assert not notes(prefix, "x" * 29)
        with pytest.raises(BadValue):
            prefix.parse("")

    def test_ranges(self):
        assert notes(int_range(0, 65535), "100:50") == (
            "range 100:50 runs backwards (100 > 50): it never matches",)
        with pytest.raises(BadValue):
            int_range(0, 65535, backwards="refused").parse("1:0")
        balance = int_range(0, 65535, backwards="refused", strict=True, needs_both=True)
        assert balance.parse("5:6") == (5, 6)
        for word in ("5", "5:5", "5:1"):
            with pytest.raises(BadValue):
                balance.parse(word)
