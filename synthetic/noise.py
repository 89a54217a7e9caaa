"""Source-side distortions of true values: typos, case, blanks, formats.

Each helper takes a frame, the column to distort, the share of rows to touch
and the chunk's generator, and returns the frame; rows are chosen with numpy
draws so a seed always distorts the same rows.
"""

import numpy as np
import polars as pl

JUNK_EMAIL = "test@test.com"
JUNK_PHONE = "0000000000"


def _draw(rng: np.random.Generator, df: pl.DataFrame, rate: float) -> pl.Series:
    return pl.Series(rng.random(df.height) < rate)


def typo(df: pl.DataFrame, col: str, rate: float, rng) -> pl.DataFrame:
    """Drop, double, swap or replace one character of a share of values."""
    hit = _draw(rng, df, rate)
    kind = pl.Series(rng.integers(0, 4, df.height))
    pos_u = pl.Series(rng.random(df.height))
    letter = pl.Series(np.array(list("aeinorstl"))[rng.integers(0, 9, df.height)])
    value = pl.col(col)
    length = value.str.len_chars()
    pos = (1 + pos_u * (length - 2).clip(0)).floor().cast(pl.Int64)
    head = value.str.slice(0, pos)
    at = value.str.slice(pos, 1)
    nxt = value.str.slice(pos + 1, 1)
    tail1 = value.str.slice(pos + 1)
    tail2 = value.str.slice(pos + 2)
    changed = (
        pl.when(kind == 0)
        .then(head + tail1)
        .when(kind == 1)
        .then(head + at + at + tail1)
        .when(kind == 2)
        .then(head + nxt + at + tail2)
        .otherwise(head + letter + tail1)
    )
    return df.with_columns(
        pl.when(hit & (length > 2)).then(changed).otherwise(value).alias(col)
    )


def case_noise(df: pl.DataFrame, col: str, rate: float, rng) -> pl.DataFrame:
    """Upper- or lower-case a share of values, as typed into forms."""
    hit = _draw(rng, df, rate)
    upper = pl.Series(rng.random(df.height) < 0.5)
    value = pl.col(col)
    return df.with_columns(
        pl.when(hit & upper)
        .then(value.str.to_uppercase())
        .when(hit)
        .then(value.str.to_lowercase())
        .otherwise(value)
        .alias(col)
    )


def whitespace(df: pl.DataFrame, col: str, rate: float, rng) -> pl.DataFrame:
    """Leading/trailing blanks on a share of values."""
    hit = _draw(rng, df, rate)
    lead = pl.Series(rng.random(df.height) < 0.5)
    value = pl.col(col)
    return df.with_columns(
        pl.when(hit & lead)
        .then(" " + value)
        .when(hit)
        .then(value + "  ")
        .otherwise(value)
        .alias(col)
    )


def blank(
    df: pl.DataFrame, col: str, rate: float, rng, value: str | None = None
) -> pl.DataFrame:
    """Replace a share of values with `value` (None: missing)."""
    hit = _draw(rng, df, rate)
    return df.with_columns(
        pl.when(hit).then(pl.lit(value, pl.String)).otherwise(pl.col(col)).alias(col)
    )


def swap_names(df: pl.DataFrame, first: str, last: str, rate: float, rng):
    """First and last name entered the wrong way round."""
    hit = _draw(rng, df, rate)
    return df.with_columns(
        pl.when(hit).then(pl.col(last)).otherwise(pl.col(first)).alias(first),
        pl.when(hit).then(pl.col(first)).otherwise(pl.col(last)).alias(last),
    )


def nickname(df: pl.DataFrame, first: str, nick: str, rate: float, rng):
    """Use the person's nickname (Bob for Robert) where they have one."""
    hit = _draw(rng, df, rate)
    return df.with_columns(
        pl.when(hit & (pl.col(nick) != ""))
        .then(pl.col(nick))
        .otherwise(pl.col(first))
        .alias(first)
    )


def gmail_variant(df: pl.DataFrame, col: str, rate: float, rng) -> pl.DataFrame:
    """Gmail ignores dots and `+tags`, so people and sources vary them."""
    hit = _draw(rng, df, rate)
    plus = pl.Series(rng.random(df.height) < 0.5)
    tag = pl.Series(
        np.array(["shop", "news", "promo", "spam"])[rng.integers(0, 4, df.height)]
    )
    value = pl.col(col)
    local = value.str.split_exact("@", 1).struct.field("field_0")
    is_gmail = value.str.ends_with("@gmail.com")
    dotted = local.str.slice(0, 1) + "." + local.str.slice(1)
    undotted = local.str.replace_all(".", "", literal=True)
    varied = (
        pl.when(plus)
        .then(local + "+" + tag)
        .otherwise(
            pl.when(local.str.contains(".", literal=True))
            .then(undotted)
            .otherwise(dotted)
        )
    )
    return df.with_columns(
        pl.when(hit & is_gmail).then(varied + "@gmail.com").otherwise(value).alias(col)
    )


def format_phone(
    df: pl.DataFrame, col: str, country: str, rng, styles: int = 6
) -> pl.DataFrame:
    """Render E.164 numbers in one of the ways people and tools write them."""
    style = pl.Series(rng.integers(0, styles, df.height))
    e164 = pl.col(col)
    us = e164.str.slice(2)
    us_styles = (
        pl.when(style == 0)
        .then(
            "(" + us.str.slice(0, 3) + ") " + us.str.slice(3, 3) + "-" + us.str.slice(6)
        )
        .when(style == 1)
        .then(us.str.slice(0, 3) + "." + us.str.slice(3, 3) + "." + us.str.slice(6))
        .when(style == 2)
        .then(
            "+1 "
            + us.str.slice(0, 3)
            + " "
            + us.str.slice(3, 3)
            + " "
            + us.str.slice(6)
        )
        .when(style == 3)
        .then(us)
        .when(style == 4)
        .then(us.str.slice(0, 3) + "-" + us.str.slice(3, 3) + "-" + us.str.slice(6))
        .otherwise(e164)
    )
    code = e164.str.slice(1, 2)
    national = "0" + e164.str.slice(3)
    intl_styles = (
        pl.when(style <= 1)
        .then(national)
        .when(style == 2)
        .then("+" + code + " " + e164.str.slice(3, 4) + " " + e164.str.slice(7))
        .when(style == 3)
        .then(national.str.slice(0, 5) + " " + national.str.slice(5))
        .otherwise(e164)
    )
    return df.with_columns(
        pl.when(pl.col(country) == "US")
        .then(us_styles)
        .otherwise(intl_styles)
        .alias(col)
    )
