"""Jobs: the whole pipeline, run in one process so warehouse writes never overlap."""

import dagster as dg

full_pipeline = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load every source, build staging, resolve identities, build marts,"
    " and rebuild the contracts' Data Docs.",
)
