"""One asset per source: its landing files loaded into `raw.<source>_<entity>`."""

import time
from collections import defaultdict

import dagster as dg

from data_contracts.entities import ENTITIES
from data_contracts.loader import load_landing
from orchestration.resources import WAREHOUSE_POOL, LandingResource, WarehouseResource

SOURCE_DESCRIPTIONS = {
    "shop": "Shopify customer and order CSV exports.",
    "support": "Zendesk incremental export pages of users and tickets.",
    "email": "Mailchimp audience export and SendGrid event webhook batches.",
    "web": "Segment identify, track and page events as daily NDJSON files.",
}


def _tables_by_source() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = defaultdict(list)
    for entity in ENTITIES:
        tables[entity.source].append(entity.table)
    return dict(tables)


def build_source_asset(source: str, tables: list[str]) -> dg.AssetsDefinition:
    """The asset that loads one source's new landing files into its raw tables."""

    @dg.multi_asset(
        name=f"load_{source}",
        specs=[
            dg.AssetSpec(
                ["raw", table],
                group_name="raw",
                kinds={"duckdb"},
                description=f"{SOURCE_DESCRIPTIONS.get(source, source)} "
                "One row per source row, as the vendor wrote it.",
            )
            for table in tables
        ],
        pool=WAREHOUSE_POOL,
        description=f"Load new {source} landing files into raw tables.",
    )
    def load_source(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
    ):
        started = time.perf_counter()
        with warehouse.connect() as con:
            loads = load_landing(con, landing.folder, sources=[source])
            totals = {
                table: con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
                for table in tables
            }

        for table in tables:
            table_loads = [load for load in loads if f"{source}_{load.entity}" == table]
            new_loads = [load for load in table_loads if not load.skipped]
            rows = sum(load.rows_loaded for load in new_loads)
            context.log.info(
                "raw.%s: %d new files, %d rows loaded, %d files already loaded",
                table,
                len(new_loads),
                rows,
                len(table_loads) - len(new_loads),
            )
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={
                    "dagster/row_count": totals[table],
                    "files_loaded": len(new_loads),
                    "files_skipped": len(table_loads) - len(new_loads),
                    "rows_loaded": rows,
                    "duration_s": round(time.perf_counter() - started, 2),
                },
            )

    return load_source


source_assets = [
    build_source_asset(source, tables) for source, tables in _tables_by_source().items()
]
