"""Every dbt model as a Dagster asset, split where Python steps sit between layers.

The identity step reads an intermediate model and feeds the marts, so the dbt
project is exposed as two multi-assets: staging and intermediate models before
identity, marts after it. Each runs `dbt build`, so a model's tests run with it.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.transforms.project import (
    dbt_project,
    dbt_warehouse,
    prepare_manifest,
)

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
    """Marts built on resolved identities: the customer record and what follows."""
    yield from build_with_row_counts(context, dbt, warehouse)


def build_with_row_counts(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Run `dbt build` on the selection, then add each model's row count.

    dagster-dbt's own row counting opens the warehouse inside this process while
    dbt may still hold it, which a single-writer DuckDB file refuses; so events are
    held until dbt exits and counted over one short connection afterwards.
    """
    with dbt_warehouse(warehouse.path):
        events = list(dbt.cli(["build"], context=context).stream())
    with warehouse.connect() as con:
        for event in events:
            key = _materialized_key(context, event)
            if key is None:
                yield event
                continue
            schema, table = key.path[-2], key.path[-1]
            rows = con.execute(f'select count(*) from {schema}."{table}"').fetchall()
            yield event.with_metadata(
                {**event.metadata, "dagster/row_count": rows[0][0]}
            )


def _materialized_key(
    context: dg.AssetExecutionContext, event: Any
) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return None
