"""What a finished run left in the warehouse, in numbers a newcomer can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.warehouse import connect, table_exists


@dataclass
class RunSummary:
    warehouse_path: Path
    rows_loaded: dict[str, int] = field(default_factory=dict)
    files_loaded: dict[str, int] = field(default_factory=dict)
    rows_quarantined: int = 0
    duplicates_skipped: int = 0
    files_rejected: int = 0
    source_records: int = 0
    customers: int = 0


def summarize(warehouse_path: Path) -> RunSummary:
    """Count what the pipeline loaded, quarantined, and unified."""
    summary = RunSummary(warehouse_path=warehouse_path)
    with connect(warehouse_path, read_only=True) as con:
        if table_exists(con, "ops", "load_ledger"):
            for source, files, rows, duplicates, rejected in con.execute(
                "select source, count(distinct file_path), sum(rows_loaded), "
                "sum(duplicates_skipped), "
                "count(*) filter (where status = 'rejected') "
                "from ops.load_ledger group by source order by source"
            ).fetchall():
                summary.files_loaded[source] = files
                summary.rows_loaded[source] = int(rows or 0)
                summary.duplicates_skipped += int(duplicates or 0)
                summary.files_rejected += rejected
        summary.rows_quarantined = _quarantined_rows(con)
        summary.source_records = _count(con, "staging", "int_identity_records")
        summary.customers = _count(con, "marts", "dim_customers")
    return summary


def _count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    if not table_exists(con, schema, table):
        return 0
    return con.execute(f"select count(*) from {schema}.{table}").fetchall()[0][0]


def _quarantined_rows(con: duckdb.DuckDBPyConnection) -> int:
    tables = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'quarantine'"
    ).fetchall()
    return sum(_count(con, "quarantine", name) for (name,) in tables)
