"""Script rules (FW5xx): mistakes only a firewall shell script can make."""
