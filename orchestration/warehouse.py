"""The one way Python steps open the DuckDB warehouse.

Everything that writes to the warehouse goes through `connect`, so that the
schemas exist, resource limits are applied the same way everywhere, and a
different engine only needs a different implementation of this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMAS = ("raw", "quarantine", "staging", "identity", "marts", "ml", "ops")


class WarehouseUnavailableError(FileNotFoundError):
    """The warehouse file is missing, or another process holds its write lock."""


@contextmanager
def connect(
    path: Path,
    *,
    read_only: bool = False,
    memory_limit: str = "4GB",
    threads: int = 2,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file, creating it and its schemas when writing."""
    if read_only and not path.exists():
        raise WarehouseUnavailableError(
            f"The warehouse {path} does not exist yet: run the pipeline first "
            "(cdp run, or make demo)."
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)

    # Limits are set after connecting: DuckDB refuses a second connection to a
    # file already open in this process (dbt's adapter) with a different config.
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise WarehouseUnavailableError(
            f"The warehouse {path} is in use by another process (a pipeline run?): "
            "wait for it to finish, then try again."
        ) from None
    try:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set threads = {int(threads)}")
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return rows[0][0] > 0
