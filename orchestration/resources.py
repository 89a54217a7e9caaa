"""Dagster resources: the warehouse connection and the dbt project."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration import warehouse
from orchestration.settings import Settings

# Every step that writes to the single-writer DuckDB file claims this pool, so
# writers queue instead of failing with a lock error.
WAREHOUSE_POOL = "warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file that pipeline steps read and write."""

    path: str
    memory_limit: str = "4GB"
    threads: int = 2

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(
            Path(self.path), memory_limit=self.memory_limit, threads=self.threads
        ) as con:
            yield con


class LandingResource(dg.ConfigurableResource):
    """The folder where source files land, one subfolder per source."""

    path: str

    @property
    def folder(self) -> Path:
        return Path(self.path)


def warehouse_resource(settings: Settings) -> WarehouseResource:
    return WarehouseResource(
        path=str(settings.warehouse_path),
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
    )
