"""Random identifiers drawn from the chunk's generator (never from uuid4)."""

import numpy as np
import polars as pl

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def random_hex(rng: np.random.Generator, n: int, nbytes: int) -> pl.Series:
    """`n` lowercase hex strings of `2 * nbytes` characters."""
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    chars = np.empty((n, nbytes * 2), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    return _ascii_rows(chars)


def random_uuid(rng: np.random.Generator, n: int) -> pl.Series:
    """`n` version-4-shaped UUID strings (8-4-4-4-12)."""
    hexes = random_hex(rng, n, 16).to_frame("h")
    h = pl.col("h")
    return hexes.select(
        pl.concat_str(
            h.str.slice(0, 8),
            h.str.slice(8, 4),
            pl.lit("4") + h.str.slice(13, 3),
            pl.lit("a") + h.str.slice(17, 3),
            h.str.slice(20, 12),
            separator="-",
        )
    ).to_series()


def random_token(rng: np.random.Generator, n: int, length: int) -> pl.Series:
    """URL-safe base64-like tokens, the shape of SendGrid's event ids."""
    alphabet = np.frombuffer(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        dtype=np.uint8,
    )
    chars = alphabet[rng.integers(0, 64, size=(n, length))]
    return _ascii_rows(chars)


def _ascii_rows(chars: np.ndarray) -> pl.Series:
    # A fixed-width bytes view turns each row into one string without a loop.
    n, width = chars.shape
    if n == 0:
        return pl.Series([], dtype=pl.String)
    fixed = np.ascontiguousarray(chars).view(f"S{width}").reshape(n)
    return pl.Series(fixed).cast(pl.String)


_PRIME = 2_147_483_647  # 2**31 - 1


def scramble(person_id: pl.Expr, multiplier: int) -> pl.Expr:
    """A per-source bijection of the person id, so that source ids are unique
    without revealing the person (or linking sources) by arithmetic."""
    return (person_id * multiplier) % _PRIME
