"""Case data and machinery of the agreement tests (fwlint's validity rules against the kernel)."""
