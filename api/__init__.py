"""HTTP services: the event collector (and later the profile API)."""
