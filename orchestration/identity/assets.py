"""Identity resolution as a Dagster asset."""

import time

import dagster as dg

from identity.deterministic import DEFAULT_LINK_KEYS, assign_customers
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

IDENTITY_RECORDS = "staging.int_identity_records"
ASSIGNMENT_TABLE = "identity.record_to_customer"


@dg.asset(
    key=["identity", "record_to_customer"],
    deps=[dg.AssetKey(["staging", "int_identity_records"])],
    group_name="identity",
    kinds={"python", "duckdb"},
    pool=WAREHOUSE_POOL,
)
def record_to_customer(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Which customer each identity record belongs to.

    Records that share a shop customer id (including web logins) or a
    normalized email address are one customer. One row per identity record.
    """
    started = time.perf_counter()
    with warehouse.connect() as con:
        assignment = assign_customers(con, IDENTITY_RECORDS, DEFAULT_LINK_KEYS)
        con.register("assignment", assignment.to_arrow())
        con.execute(
            f"create or replace table {ASSIGNMENT_TABLE} as select * from assignment"
        )
        con.unregister("assignment")

    customers = assignment["customer_id"].n_unique()
    largest = int(assignment["cluster_size"].max() or 0)
    context.log.info(
        "Wrote %d records -> %d customers to %s (largest cluster %d)",
        assignment.height,
        customers,
        ASSIGNMENT_TABLE,
        largest,
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": assignment.height,
            "records": assignment.height,
            "customers": customers,
            "largest_cluster": largest,
            "link_keys": ", ".join(DEFAULT_LINK_KEYS),
            "duration_s": round(time.perf_counter() - started, 2),
        }
    )
