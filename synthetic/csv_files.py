"""Appending polars frames to CSV files chunk by chunk."""

from pathlib import Path

import polars as pl


def append_csv(df: pl.DataFrame, path: Path, columns: list[str]) -> int:
    """Append `df[columns]` to `path`, writing the header only for a new file.

    Nulls become empty cells, as in the vendors' exports. Returns rows written.
    """
    new = not path.exists()
    # Vendors leave empty cells bare; polars would quote empty strings.
    cells = [pl.col(c).replace("", None).alias(c) for c in columns]
    with path.open("ab") as handle:
        df.select(cells).write_csv(handle, include_header=new, quote_style="necessary")
    return df.height


def append_lines(lines: pl.Series, path: Path) -> int:
    """Append pre-rendered text lines (e.g. JSON objects), one per row."""
    with path.open("ab") as handle:
        lines.to_frame("line").write_csv(
            handle, include_header=False, quote_style="never"
        )
    return lines.len()
