"""Identity resolution as a Dagster asset, and the job that rebuilds it."""

import time
import uuid

import dagster as dg

from identity.resolution import resolve
from orchestration.identity.resources import IdentityResource
from orchestration.identity.store import (
    ASSIGNMENT_TABLE,
    read_previous,
    read_records,
    write_resolution,
)
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource


class IdentityRunConfig(dg.Config):
    """How a run links: incrementally (default) or from scratch."""

    full_rebuild: bool = False
    retrain: bool = False


@dg.asset(
    key=["identity", "record_to_customer"],
    deps=[dg.AssetKey(["staging", "int_identity_records"])],
    group_name="identity",
    kinds={"python", "duckdb", "splink"},
    pool=WAREHOUSE_POOL,
)
def record_to_customer(
    context: dg.AssetExecutionContext,
    config: IdentityRunConfig,
    warehouse: WarehouseResource,
    identity: IdentityResource,
) -> dg.MaterializeResult:
    """Which customer each identity record belongs to, with stable customer ids.

    Records sharing an account key or the same email (names agreeing) are
    linked first; a Splink model trained without labels links the rest above
    the configured match probability; limits per identifier keep shared
    values from chaining strangers. Customer ids survive from run to run
    (merges keep the oldest id, splits leave it with the larger part), and
    every merge and split is written to identity.history. New records are
    linked incrementally; the identity_full_rebuild job relinks everything.
    One row per identity record.
    """
    started = time.perf_counter()
    identity_config = identity.config()
    with warehouse.connect() as con:
        records = read_records(con)
        previous = read_previous(con)
        incremental = not config.full_rebuild and not previous.is_empty()
        resolution = resolve(
            records,
            identity_config,
            model_dir=identity.model_dir,
            previous=previous,
            retrain=config.retrain,
            incremental=incremental,
            run_id=context.run_id if context.run_id else uuid.uuid4().hex,
        )
        write_resolution(con, resolution, incremental)

    assignment = resolution.assignment
    customers = assignment["customer_id"].n_unique()
    largest = int(assignment["cluster_size"].max() or 0)
    review = assignment.filter("needs_review")["customer_id"].n_unique()
    context.log.info(
        "Wrote %d records -> %d customers to %s (%s run, %d records linked, "
        "largest cluster %d, %d customers for review)",
        assignment.height,
        customers,
        ASSIGNMENT_TABLE,
        "incremental" if incremental else "full",
        resolution.records_linked,
        largest,
        review,
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": assignment.height,
            "records": assignment.height,
            "customers": customers,
            "records_linked": resolution.records_linked,
            "mode": "incremental" if incremental else "full",
            "model_trained": resolution.trained,
            "comparisons": resolution.comparisons,
            "largest_cluster": largest,
            "customers_for_review": review,
            "merges": resolution.history.filter(
                resolution.history["event"] == "merge"
            ).height,
            "splits": resolution.history.filter(
                resolution.history["event"] == "split"
            ).height,
            **{
                f"seconds_{stage}": round(seconds, 2)
                for stage, seconds in resolution.timings.items()
            },
            "duration_s": round(time.perf_counter() - started, 2),
        }
    )


identity_full_rebuild = dg.define_asset_job(
    "identity_full_rebuild",
    selection=dg.AssetSelection.assets(record_to_customer),
    executor_def=dg.in_process_executor,
    config={
        "ops": {"identity__record_to_customer": {"config": {"full_rebuild": True}}}
    },
    description=(
        "Relink every identity record from scratch with the saved model "
        "(customer ids are kept where clusters survive). Runs only when "
        "triggered."
    ),
)
