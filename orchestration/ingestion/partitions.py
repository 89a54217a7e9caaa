"""Web events by day: a partitioned job that reloads one day of `raw.web_events`.

Dagster cannot run assets with different partitions in one job, and the demo
loads everything in one run of `full_pipeline`, so `raw/web_events` stays
unpartitioned there and the daily partition lives in this op job instead: a
backfill over days runs it once per day, and each run replaces that day's rows
(the `received_date` column) and its files' ledger rows in one transaction.
Downstream models pick the change up on the next `full_pipeline` run.
"""

import time
from datetime import date

import dagster as dg

from data_contracts.entities import ENTITIES
from data_contracts.loader import reload_partition
from orchestration.resources import WAREHOUSE_POOL, LandingResource, WarehouseResource

WEB_EVENTS = next(e for e in ENTITIES if e.table == "web_events")

# The synthetic data starts on this day; a deployment with older files widens
# it here (older days are otherwise not offered as partitions).
web_event_days = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="UTC")


@dg.op(pool=WAREHOUSE_POOL)
def reload_web_events_day(
    context: dg.OpExecutionContext,
    warehouse: WarehouseResource,
    landing: LandingResource,
) -> None:
    """Replace one received day of web events with its landing files' rows."""
    started = time.perf_counter()
    day = date.fromisoformat(context.partition_key)
    with warehouse.connect() as con:
        loads = reload_partition(con, landing.folder, WEB_EVENTS, day)
    rows_loaded = sum(load.rows_loaded for load in loads)
    quarantined = sum(load.rows_quarantined for load in loads)
    context.log.info(
        "raw.web_events %s: %d files, %d rows loaded, %d quarantined",
        day,
        len(loads),
        rows_loaded,
        quarantined,
    )
    context.log_event(
        dg.AssetMaterialization(
            asset_key=["raw", "web_events"],
            description=f"Reloaded received day {day}.",
            metadata={
                "received_date": str(day),
                "files_loaded": len(loads),
                "rows_loaded": rows_loaded,
                "rows_quarantined": quarantined,
                "duration_s": round(time.perf_counter() - started, 2),
            },
        )
    )


@dg.job(partitions_def=web_event_days, executor_def=dg.in_process_executor)
def web_events_day_reload() -> None:
    """Reload one day of web events; backfill a range of days from the UI."""
    reload_web_events_day()
