"""The daily run of the whole graph."""

import dagster as dg

from orchestration.jobs import full_pipeline

daily_full_pipeline = dg.ScheduleDefinition(
    name="daily_full_pipeline",
    job=full_pipeline,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Loads new landing files and rebuilds every model at 03:00 UTC.",
)
