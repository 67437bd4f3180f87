"""Translation to nftables (FW6xx): what ``fwlint translate`` cannot write, or writes only
approximately."""
