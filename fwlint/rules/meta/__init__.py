"""Rules about fwlint's own annotations (FW9xx): suppressions that suppress nothing."""
