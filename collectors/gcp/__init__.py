"""Google Cloud: recognize, normalize, fetch (the only google-cloud import). Being built (issue 8)."""
