"""The Dagster asset writes stable ids, history and explanations."""

import dagster as dg
import polars as pl
import pytest

from orchestration.definitions import defs
from orchestration.identity.assets import record_to_customer
from orchestration.identity.resources import IdentityResource
from orchestration.resources import WarehouseResource
from orchestration.warehouse import connect


@pytest.fixture
def warehouse(tmp_path, population, model_dir):
    records, _ = population
    staged = records.with_columns(
        record_key=pl.col("source") + ":" + pl.col("source_record_id")
    )
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as con:
        con.register("staged", staged.to_arrow())
        con.execute(
            "create table staging.int_identity_records as select * from staged"
        ).fetchall()
    target = tmp_path / "identity" / "model"
    target.mkdir(parents=True)
    for item in model_dir.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    return tmp_path


def _materialize(data_dir, full_rebuild: bool) -> dict:
    result = dg.materialize(
        [record_to_customer],
        resources={
            "warehouse": WarehouseResource(path=str(data_dir / "warehouse.duckdb")),
            "identity": IdentityResource(data_dir=str(data_dir)),
        },
        run_config={
            "ops": {
                "identity__record_to_customer": {
                    "config": {"full_rebuild": full_rebuild}
                }
            }
        },
    )
    assert result.success
    event = result.get_asset_materialization_events()[0]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _table(data_dir, sql: str) -> pl.DataFrame:
    with connect(data_dir / "warehouse.duckdb", read_only=True) as con:
        return con.sql(sql).pl()


@pytest.mark.slow
def test_asset_runs_full_then_incremental_with_the_same_ids(warehouse):
    first = _materialize(warehouse, full_rebuild=False)
    ids = _table(
        warehouse, "select record_key, customer_id from identity.record_to_customer"
    )
    second = _materialize(warehouse, full_rebuild=False)
    rebuilt = _materialize(warehouse, full_rebuild=True)
    after = _table(
        warehouse, "select record_key, customer_id from identity.record_to_customer"
    )

    assert (first["mode"], second["mode"], rebuilt["mode"]) == (
        "full",
        "incremental",
        "full",
    )
    assert second["records_linked"] == 0
    assert not first["model_trained"]
    assert ids.sort("record_key").equals(after.sort("record_key"))
    columns = _table(warehouse, "select * from identity.record_to_customer").columns
    assert columns[:5] == [
        "source",
        "source_record_id",
        "record_key",
        "customer_id",
        "cluster_size",
    ]
    history = _table(warehouse, "select * from identity.history")
    assert history.is_empty()
    explanations = _table(warehouse, "select * from identity.match_explanations")
    assert explanations["customer_id"].is_in(ids["customer_id"].implode()).all()


def test_full_rebuild_job_is_separate_and_explicit():
    job = defs.resolve_job_def("identity_full_rebuild")

    assert [node.name for node in job.graph.nodes] == ["identity__record_to_customer"]
    assert job.run_config == {
        "ops": {"identity__record_to_customer": {"config": {"full_rebuild": True}}}
    }
    assert job.executor_def is dg.in_process_executor
