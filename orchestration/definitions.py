"""The Dagster code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg

from orchestration.identity.assets import identity_full_rebuild, record_to_customer
from orchestration.identity.resources import identity_resource
from orchestration.ingestion.assets import source_assets
from orchestration.ingestion.contract_docs import (
    contract_data_docs,
    contract_docs_resource,
)
from orchestration.ingestion.partitions import web_events_day_reload
from orchestration.ingestion.schedules import daily_full_pipeline
from orchestration.ingestion.sensors import landing_files_sensor
from orchestration.jobs import full_pipeline
from orchestration.resources import LandingResource, warehouse_resource
from orchestration.settings import Settings, load_settings
from orchestration.transforms.assets import mart_models, staging_models
from orchestration.transforms.project import dbt_resource


def build_definitions(settings: Settings) -> dg.Definitions:
    """All assets and jobs, with resources pointing where the settings say."""
    return dg.Definitions(
        assets=[
            *source_assets,
            contract_data_docs,
            staging_models,
            record_to_customer,
            mart_models,
        ],
        jobs=[full_pipeline, identity_full_rebuild, web_events_day_reload],
        schedules=[daily_full_pipeline],
        sensors=[landing_files_sensor],
        resources={
            "warehouse": warehouse_resource(settings),
            "landing": LandingResource(path=str(settings.landing_dir)),
            "dbt": dbt_resource(),
            "identity": identity_resource(settings),
            "contract_docs": contract_docs_resource(settings),
        },
    )


defs = build_definitions(load_settings())
