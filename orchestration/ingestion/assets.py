"""One asset per source: its landing files loaded into `raw.<source>_<entity>`.

Every raw table carries a blocking `contract` asset check: a rejected file, a
file that does not reconcile, or one whose quarantined share exceeds its
contract's `max_bad_row_share` fails the check, and Dagster then skips the
assets downstream of that table in the same run.
"""

import time
from collections import defaultdict

import dagster as dg

from data_contracts.contract import load_contract
from data_contracts.entities import ENTITIES
from data_contracts.loader import load_landing
from data_contracts.verdict import judge
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
        check_specs=[
            dg.AssetCheckSpec(
                "contract",
                asset=["raw", table],
                blocking=True,
                description="New files met the data contract: none rejected,"
                " rows_read = loaded + quarantined + duplicates for each, and"
                " quarantined rows within the contract's max_bad_row_share.",
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
            contract = load_contract(table)
            verdict = judge(table_loads, contract.max_bad_row_share)
            context.log.info(
                "raw.%s: %d new files, %d rows read, %d loaded, %d quarantined,"
                " %d duplicates skipped, %d files already loaded",
                table,
                verdict.files,
                verdict.rows_read,
                verdict.rows_loaded,
                verdict.rows_quarantined,
                verdict.duplicates_skipped,
                len(table_loads) - verdict.files,
            )
            counts = {
                "files_loaded": verdict.files,
                "files_skipped": len(table_loads) - verdict.files,
                "rows_read": verdict.rows_read,
                "rows_loaded": verdict.rows_loaded,
                "rows_quarantined": verdict.rows_quarantined,
                "duplicates_skipped": verdict.duplicates_skipped,
                "rows_with_warnings": verdict.rows_warned,
            }
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={
                    "dagster/row_count": totals[table],
                    **counts,
                    "duration_s": round(time.perf_counter() - started, 2),
                },
            )
            yield dg.AssetCheckResult(
                asset_key=["raw", table],
                check_name="contract",
                passed=verdict.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description="; ".join(verdict.problems) or None,
                metadata={
                    **counts,
                    "reconciles": verdict.reconciles,
                    "max_bad_row_share": contract.max_bad_row_share,
                    "schema_drift": ", ".join(verdict.drift_columns) or "none",
                },
            )

    return load_source


source_assets = [
    build_source_asset(source, tables) for source, tables in _tables_by_source().items()
]
