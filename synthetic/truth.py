"""Ground truth: who every person-bearing record belongs to, and who people
really are. Written only by the generator; the pipeline never reads it."""

import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from synthetic.clock import WINDOW_END, WINDOW_START, as_datetime

GENERATOR_VERSION = "1.0.0"
RECORD_SCHEMA = {
    "source": pl.String,
    "source_record_id": pl.String,
    "person_id": pl.Int64,
}


class ParquetAppender:
    """Append frames as row groups to one Parquet file (bounded memory)."""

    def __init__(self, path: Path):
        self.path = path
        self._writer: pq.ParquetWriter | None = None

    def append(self, df: pl.DataFrame) -> None:
        table = df.to_arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def records(source: str, ids: pl.Series, person_id: pl.Series) -> pl.DataFrame:
    """Rows of records.parquet for one source."""
    return pl.DataFrame(
        {
            "source": source,
            "source_record_id": ids.cast(pl.String),
            "person_id": person_id,
        },
        schema=RECORD_SCHEMA,
    )


def people_truth(people: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """One row per person; revenue is net (Total minus Refunded Amount)."""
    stats = orders.group_by("person_id").agg(
        first_order_at=pl.col("ordered_at").min(),
        last_order_at=pl.col("ordered_at").max(),
        n_orders=pl.len().cast(pl.Int64),
        revenue=pl.col("net").sum().round(2),
    )
    p = people.join(stats, on="person_id", how="left", maintain_order="left")
    return p.select(
        "person_id",
        "household_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "street",
        "house_number",
        "postcode",
        "city",
        "country",
        first_order_at=as_datetime(pl.col("first_order_at")),
        last_order_at=as_datetime(pl.col("last_order_at")),
        n_orders=pl.col("n_orders").fill_null(0),
        revenue=pl.col("revenue").fill_null(0.0),
        churned_at=as_datetime(pl.col("churned_at")),
        purchase_rate=pl.col("purchase_rate"),
        dropout_probability=pl.col("dropout_probability"),
    )


def write_manifest(path: Path, seed: int, people: int, rows: dict[str, int]) -> None:
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "people": people,
        "window": {"start": WINDOW_START, "end": WINDOW_END},
        "rows": dict(sorted(rows.items())),
    }
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
