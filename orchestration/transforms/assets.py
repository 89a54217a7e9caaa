"""Every dbt model as a Dagster asset, split where Python steps sit between layers.

The identity step reads an intermediate model and feeds the marts, so the dbt
project is exposed as two multi-assets: staging and intermediate models before
identity, marts after it. Each runs `dbt build`, so a model's tests run with it.
"""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_POOL
from orchestration.transforms.project import dbt_project, prepare_manifest

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
def staging_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Staging views over raw tables and the intermediate identity records."""
    yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=AFTER_IDENTITY,
    name="dbt_mart_models",
    pool=WAREHOUSE_POOL,
)
def mart_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Marts built on resolved identities: the customer record and what follows."""
    yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()
