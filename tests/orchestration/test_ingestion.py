"""Ingestion in Dagster: the blocking contract check, the sensor, day reloads."""

import json
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.ingestion.assets import source_assets
from orchestration.ingestion.partitions import web_events_day_reload
from orchestration.ingestion.sensors import landing_files_sensor
from orchestration.resources import LandingResource, WarehouseResource

WEB = next(a for a in source_assets if a.op.name == "load_web")


def _events(day: str, ids: list[str], bad: int = 0) -> bytes:
    lines = [
        json.dumps(
            {
                "type": "page",
                "messageId": f"{day}-{i}",
                "anonymousId": "a-1",
                "timestamp": f"{day}T10:00:00Z",
                "receivedAt": f"{day}T10:00:01Z",
            }
        )
        for i in ids
    ]
    lines += ['{"type": "page"'] * bad
    return ("\n".join(lines) + "\n").encode()


def _resources(tmp_path: Path) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
        "landing": LandingResource(path=str(tmp_path / "landing")),
    }


def _write(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / "landing" / "web" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@dg.asset(deps=[dg.AssetKey(["raw", "web_events"])])
def downstream_of_web_events() -> None:
    """Stands in for the dbt models that read raw.web_events."""


def test_too_many_bad_rows_fail_the_check_and_block_downstream(tmp_path: Path) -> None:
    # 2 broken lines out of 10 is 20%, above the contract's 1%.
    _write(
        tmp_path, "events-2024-01-01.ndjson", _events("2024-01-01", list("abcdefgh"), 2)
    )

    result = dg.materialize(
        [WEB, downstream_of_web_events],
        resources=_resources(tmp_path),
        selection=[
            dg.AssetKey(["raw", "web_events"]),
            dg.AssetKey("downstream_of_web_events"),
        ],
        raise_on_error=False,
    )

    (check,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["raw", "web_events"])
    ]
    assert not check.passed
    assert check.description == (
        "web/events-2024-01-01.ndjson quarantined 2 of 10 rows (20.0%),"
        " above the contract's 1.0%"
    )
    materialized = {
        e.asset_key for e in result.get_asset_materialization_events() if e.asset_key
    }
    assert dg.AssetKey("downstream_of_web_events") not in materialized


def test_clean_files_pass_the_check(tmp_path: Path) -> None:
    _write(tmp_path, "events-2024-01-01.ndjson", _events("2024-01-01", list("abc")))

    result = dg.materialize([WEB], resources=_resources(tmp_path))

    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    assert check.metadata["rows_loaded"].value == 3
    assert check.metadata["reconciles"].value is True


def test_sensor_requests_a_run_only_for_new_or_changed_files(tmp_path: Path) -> None:
    resources = {"landing": LandingResource(path=str(tmp_path / "landing"))}
    _write(tmp_path, "events-2024-01-01.ndjson", _events("2024-01-01", ["a"]))

    with dg.build_sensor_context(resources=resources) as context:
        first = landing_files_sensor(context)
    with dg.build_sensor_context(cursor=first.cursor, resources=resources) as context:
        unchanged = landing_files_sensor(context)
    _write(tmp_path, "events-2024-01-02.ndjson", _events("2024-01-02", ["b"]))
    with dg.build_sensor_context(cursor=first.cursor, resources=resources) as context:
        changed = landing_files_sensor(context)

    assert len(first.run_requests) == 1
    assert isinstance(unchanged, dg.SkipReason)
    assert unchanged.skip_message == "1 landing files, none new or changed"
    assert len(changed.run_requests) == 1
    assert changed.cursor != first.cursor


def test_day_reload_replaces_one_day_only(tmp_path: Path) -> None:
    resources = _resources(tmp_path)
    _write(tmp_path, "events-2024-01-01.ndjson", _events("2024-01-01", ["a", "b"]))
    _write(tmp_path, "events-2024-01-02.ndjson", _events("2024-01-02", ["c"]))
    dg.materialize([WEB], resources=resources)
    # The vendor re-delivers 1 January with one event fewer and one new.
    _write(tmp_path, "events-2024-01-01.ndjson", _events("2024-01-01", ["a", "z"]))

    result = web_events_day_reload.execute_in_process(
        partition_key="2024-01-01", resources=resources
    )

    assert result.success
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        rows = con.sql(
            "select received_date::varchar, message_id from raw.web_events order by 2"
        ).fetchall()
        ledger = con.sql("select count(*) from ops.load_ledger").fetchall()
    assert rows == [
        ("2024-01-01", "2024-01-01-a"),
        ("2024-01-01", "2024-01-01-z"),
        ("2024-01-02", "2024-01-02-c"),
    ]
    assert ledger == [(2,)]
