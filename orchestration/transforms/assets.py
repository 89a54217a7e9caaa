"""Every dbt model as a Dagster asset, split where Python steps sit between layers.

The identity step reads an intermediate model and feeds the marts, so the dbt
project is exposed as two multi-assets: staging and intermediate models before
identity, marts after it. Each runs `dbt build`, so a model's tests run with it.
"""

import logging
import time
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.transforms.paths import docs_dir
from orchestration.transforms.project import (
    dbt_project,
    dbt_warehouse,
    prepare_manifest,
)

logger = logging.getLogger(__name__)

prepare_manifest()

BEFORE_IDENTITY = "path:models/staging path:models/intermediate"
AFTER_IDENTITY = "path:models/marts"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=BEFORE_IDENTITY,
    name="dbt_staging_models",
    pool=WAREHOUSE_POOL,
)
def staging_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Staging views over raw tables and the intermediate identity records."""
    yield from build_with_row_counts(context, dbt, warehouse)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=AFTER_IDENTITY,
    name="dbt_mart_models",
    pool=WAREHOUSE_POOL,
)
def mart_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Marts built on resolved identities: the golden customer record, facts,
    point-in-time customer features and KPIs; then the dbt docs site is
    regenerated beside the warehouse (served by `cdp docs`)."""
    events = build_with_row_counts(context, dbt, warehouse)
    # Docs are generated while Dagster records the build's events, which takes
    # seconds. The catalog step opens the warehouse, which is safe only because
    # it runs inside this step, holding the warehouse pool: keep it here.
    docs = start_docs(dbt, Path(warehouse.path))
    yield from events
    finish_docs(docs, Path(warehouse.path))


def start_docs(dbt: DbtCliResource, warehouse_path: Path) -> DbtCliInvocation:
    """Start `dbt docs generate` (index.html, manifest, catalog) for the warehouse.

    `--no-compile` because `dbt build` has just compiled every model; the catalog
    still reads every table's columns from the warehouse.
    """
    with dbt_warehouse(str(warehouse_path)):
        return dbt.cli(
            ["docs", "generate", "--no-compile"],
            target_path=docs_dir(warehouse_path),
            raise_on_error=False,
        )


def finish_docs(docs: DbtCliInvocation, warehouse_path: Path) -> None:
    """Wait for the docs; a failure is logged, not raised, as the marts are built
    and stay usable without their docs."""
    started = time.perf_counter()
    docs.wait()
    target = docs_dir(warehouse_path)
    if docs.is_successful():
        logger.info(
            "Wrote dbt docs to %s (waited %.1f s after the build's events)",
            target,
            time.perf_counter() - started,
        )
    else:
        logger.warning(
            "dbt docs generate failed; the marts are built but %s is stale. "
            "Run `cdp docs --regenerate` to retry and see dbt's error.",
            target,
        )


def build_with_row_counts(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> list[Any]:
    """Run `dbt build` on the selection; return its events with each model's rows.

    dagster-dbt's own row counting opens the warehouse inside this process while
    dbt may still hold it, which a single-writer DuckDB file refuses; so events are
    held until dbt exits and counted over one short connection afterwards.
    """
    with dbt_warehouse(warehouse.path):
        events = list(dbt.cli(["build"], context=context).stream())
    counted = []
    with warehouse.connect() as con:
        for event in events:
            key = _materialized_key(context, event)
            if key is None:
                counted.append(event)
                continue
            schema, table = key.path[-2], key.path[-1]
            rows = con.execute(f'select count(*) from {schema}."{table}"').fetchall()
            counted.append(
                event.with_metadata({**event.metadata, "dagster/row_count": rows[0][0]})
            )
    return counted


def _materialized_key(
    context: dg.AssetExecutionContext, event: Any
) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return None
