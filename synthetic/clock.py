"""The fixed simulation window and timestamp formatting helpers.

The window is fixed (never today's date) so the same seed always yields the
same bytes. Times travel through the generator as int64 Unix seconds (or
milliseconds where a vendor shows sub-second precision).
"""

import polars as pl

WINDOW_START = "2024-01-01T00:00:00Z"
WINDOW_END = "2026-01-01T00:00:00Z"
T0 = 1_704_067_200  # 2024-01-01T00:00:00Z in Unix seconds
T1 = 1_767_225_600  # 2026-01-01T00:00:00Z in Unix seconds
DAY = 86_400
YEAR = 365.25 * DAY
SHOP_TIME_ZONE = "America/Chicago"


def as_datetime(seconds: pl.Expr, unit: str = "s") -> pl.Expr:
    """Unix time (int) to a UTC-aware datetime expression."""
    return pl.from_epoch(seconds, time_unit=unit).dt.replace_time_zone("UTC")


def iso_z(seconds: pl.Expr) -> pl.Expr:
    """`2024-01-05T19:45:12Z` as Zendesk writes it."""
    return as_datetime(seconds).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(millis: pl.Expr) -> pl.Expr:
    """`2024-01-05T19:45:12.123Z` as Segment writes it."""
    return as_datetime(millis, "ms").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")


def shop_time(seconds: pl.Expr) -> pl.Expr:
    """`2024-01-05 13:45:12 -0600`: Shopify shows the shop's local time."""
    return (
        as_datetime(seconds)
        .dt.convert_time_zone(SHOP_TIME_ZONE)
        .dt.strftime("%Y-%m-%d %H:%M:%S %z")
    )


def plain_utc(seconds: pl.Expr) -> pl.Expr:
    """`2024-01-05 19:45:12`: Mailchimp's zone-less UTC."""
    return as_datetime(seconds).dt.strftime("%Y-%m-%d %H:%M:%S")
