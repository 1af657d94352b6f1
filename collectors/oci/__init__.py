"""Oracle Cloud: recognize, normalize, fetch (the only oci import). Being built (issue 9)."""
