"""The Dagster code location and the `cdp` command line."""
