#!/bin/sh
# An office gateway's firewall script, written the way the project's first notes were:
# iptables commands one after another.  The mistakes in it are fwlint's test corpus
# (corpus/README.md lists them); the REDIRECT and MASQUERADE are right.

IPT=/sbin/iptables
WAN=eth0
LAN=eth1
OFFICE="198.51.100.0/24"

# Start from nothing.
$IPT -F
$IPT -t nat -F
$IPT -X

# Loopback and replies first, then the services, then the policy.
$IPT -A INPUT -i lo -j ACCEPT
$IPT -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
for port in 22 80 443; do
    $IPT -A INPUT -i $WAN -p tcp --dport $port -j ACCEPT
done
$IPT -A INPUT -i $LAN -s "$OFFICE" -j ACCEPT
$IPT -A INPUT -i $WAN -p tcp --dport 3000 -j ACCESPT
$IPT -A INPUT -s 203.0.113.7 -j drop
$IPT -P INPUT DROP

# No mail from here to the outside (meant -o).
$IPT -A OUTPUT -i $WAN -p tcp --dport 25 -j DROP

# The office's web traffic goes through the proxy on port 3128; the rest is masqueraded.
$IPT -t nat -A PREROUTING -i $LAN -s "$OFFICE" -p tcp --dport 80 \
    -j REDIRECT --to-ports 3128
$IPT -t nat -A POSTROUTING -o $WAN -j MASQUERADE

# Networks that may not reach us, in one go.
iptables-restore --noflush <<EOF
*filter
:blocklist - [0:0]
-A blocklist -i $WAN -s 192.0.2.0/24 -j DROP
-A blocklist -i $WAN -s 203.0.113.0/24 -j DROP
-I INPUT 1 -j blocklist
COMMIT
EOF

# Show what we did.
iptabls -L -n -v
