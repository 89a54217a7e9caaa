import logging
from pathlib import Path

import duckdb
import pytest

from data_contracts.entities import ENTITIES
from data_contracts.loader import load_landing, load_source
from tests.data_contracts.conftest import (
    rows,
    segment_events,
    write,
    zendesk_users_page,
)

EXPECTED_ROWS = {
    "shop/customers_export.csv": 3,
    "shop/orders_export_1.csv": 5,
    "support/users-0001.json": 2,
    "support/tickets-0001.json": 1,
    "email/audience_export.zip": 4,
    "email/sendgrid-events-0001.json": 3,
    "web/events-2024-01-01.ndjson": 3,
    "web/events-2024-01-02.ndjson.gz": 3,
}


def test_loads_every_entity(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    loads = load_landing(con, landing)

    assert {load.file_path: load.rows_loaded for load in loads} == EXPECTED_ROWS
    assert all(load.rows_read == load.rows_loaded for load in loads)
    assert not any(load.skipped for load in loads)
    for entity in ENTITIES:
        count = con.execute(f"select count(*) from {entity.qualified_table}")
        expected = sum(
            n for path, n in EXPECTED_ROWS.items() if load_matches(path, entity)
        )
        assert count.fetchall() == [(expected,)]


def load_matches(path: str, entity) -> bool:
    return any(Path(path).match(f"{entity.source}/{p}") for p in entity.patterns)


def test_raw_columns_and_types(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    load_landing(con, landing, ["web"])

    columns = rows(
        con,
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'raw' and table_name = 'web_events'"
        " order by ordinal_position",
    )
    assert [(c["column_name"], c["data_type"]) for c in columns] == [
        *[
            (name, "VARCHAR")
            for name in [
                "message_id",
                "type",
                "anonymous_id",
                "user_id",
                "event",
                "name",
                "category",
                "timestamp",
                "original_timestamp",
                "sent_at",
                "received_at",
                "channel",
                "version",
                "previous_id",
                "group_id",
            ]
        ],
        *[
            (name, "JSON")
            for name in ["context", "properties", "traits", "integrations", "_extra"]
        ],
        ("received_date", "DATE"),
        ("_source_file", "VARCHAR"),
        ("_source_line", "BIGINT"),
        ("_load_id", "VARCHAR"),
        ("_loaded_at", "TIMESTAMP"),
    ]


def test_missing_columns_load_as_null(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    load_source(con, landing, "shop")

    loaded = rows(
        con,
        "select payment_references, id, _source_line from raw.shop_orders"
        " order by _source_line",
    )
    assert [r["payment_references"] for r in loaded] == [None] * 5
    assert [r["id"] for r in loaded] == ["5123456789", "", "", "5123456790", ""]
    customers = rows(
        con,
        "select customer_id, _source_file, _source_line from raw.shop_customers"
        " order by _source_line",
    )
    assert customers == [
        {"customer_id": "'7210448301122", "_source_file": "shop/customers_export.csv"}
        | {"_source_line": 2},
        {"customer_id": "'7210448301123", "_source_file": "shop/customers_export.csv"}
        | {"_source_line": 5},
        {"customer_id": "'7210448301124", "_source_file": "shop/customers_export.csv"}
        | {"_source_line": 6},
    ]


def test_second_load_adds_nothing(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    load_landing(con, landing)

    again = load_landing(con, landing)

    assert all(load.skipped and load.rows_loaded == 0 for load in again)
    assert len(again) == len(EXPECTED_ROWS)
    ledger = rows(con, "select count(*) as n from ops.load_ledger")
    assert ledger == [{"n": len(EXPECTED_ROWS)}]
    total = rows(con, "select count(*) as n from raw.web_events")
    assert total == [{"n": 6}]


def test_changed_file_loads_again_and_deduplicates_events(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    load_landing(con, landing, ["web"])
    path = landing / "web" / "events-2024-01-01.ndjson"
    path.write_bytes(
        path.read_bytes()
        + b'{"messageId":"m-4","type":"track","receivedAt":"2024-01-01T11:00:00Z"}\n'
    )

    loads = load_landing(con, landing, ["web"])

    assert [(x.file_path, x.status, x.rows_loaded) for x in loads] == [
        ("web/events-2024-01-01.ndjson", "loaded", 1),
        ("web/events-2024-01-02.ndjson.gz", "skipped", 0),
    ]
    by_load = rows(
        con,
        "select rows_read, rows_loaded, duplicates_skipped from ops.load_ledger"
        " where file_path like '%01-01%' order by started_at",
    )
    # The second version's three known messageIds are skipped, not loaded twice.
    assert by_load == [
        {"rows_read": 3, "rows_loaded": 3, "duplicates_skipped": 0},
        {"rows_read": 4, "rows_loaded": 1, "duplicates_skipped": 3},
    ]
    ids = rows(
        con, "select count(distinct message_id) as n, count(*) as m from raw.web_events"
    )
    assert ids == [{"n": 7, "m": 7}]


def test_ledger_row(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    load_landing(con, landing, ["web"])

    ledger = rows(con, "select * from ops.load_ledger order by file_path")
    first = ledger[0]
    data = (landing / "web" / "events-2024-01-01.ndjson").read_bytes()
    assert first["source"] == "web"
    assert first["entity"] == "events"
    assert first["file_size_bytes"] == len(data)
    assert len(first["file_sha256"]) == 64
    assert first["rows_read"] == first["rows_loaded"] == 3
    assert first["started_at"] <= first["finished_at"]
    loaded = rows(
        con,
        "select distinct _load_id, _loaded_at from raw.web_events"
        f" where _source_file = '{first['file_path']}'",
    )
    assert loaded == [{"_load_id": first["load_id"], "_loaded_at": first["started_at"]}]


def test_unreadable_file_is_rejected_and_the_others_load(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "web" / "events-2024-01-03.ndjson.gz", b"not gzip")

    loads = load_landing(con, landing, ["web"])

    assert [(x.file_path, x.status) for x in loads] == [
        ("web/events-2024-01-01.ndjson", "loaded"),
        ("web/events-2024-01-02.ndjson.gz", "loaded"),
        ("web/events-2024-01-03.ndjson.gz", "rejected"),
    ]
    ledger = rows(
        con,
        "select status, reason, rows_read from ops.load_ledger"
        " where file_path = 'web/events-2024-01-03.ndjson.gz'",
    )
    assert ledger[0]["status"] == "rejected"
    assert ledger[0]["reason"].startswith("it is not a valid gzip file")
    assert ledger[0]["rows_read"] == 0
    # An unchanged bad file is not tried again on the next run.
    again = load_landing(con, landing, ["web"])
    assert [x.status for x in again] == ["skipped"] * 3


def test_failed_ledger_insert_rolls_back_the_rows(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    load_landing(con, landing, ["web"])
    # Break the ledger so that recording the next file fails after its rows
    # were inserted in the same transaction.
    con.execute(
        "create or replace table ops.load_ledger as"
        " select * replace (null::integer as status) from ops.load_ledger"
    )
    write(landing / "web" / "events-2024-01-05.ndjson", segment_events("2024-01-05"))

    with pytest.raises(duckdb.Error):
        load_landing(con, landing, ["web"])

    count = rows(con, "select count(*) as n from raw.web_events")
    assert count == [{"n": 6}]
    # The loader lets DuckDB insert in any order while it loads; the
    # connection gets its own setting back even after a failed transaction.
    setting = "select current_setting('preserve_insertion_order') as kept"
    assert rows(con, setting) == [{"kept": True}]


def test_unmatched_files_are_reported(
    con: duckdb.DuckDBPyConnection, landing: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="data_contracts"):
        load_landing(con, landing, ["shop"])

    assert "README.txt: it matches no landing file pattern" in caplog.text
    assert "loaded 5 rows into raw.shop_orders" in caplog.text


def test_unknown_source(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    with pytest.raises(ValueError, match="unknown sources"):
        load_landing(con, landing, ["crm"])


def test_new_entity_column_widens_existing_table(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    con.execute("create schema raw")
    con.execute("create table raw.support_tickets (id varchar)")

    load_landing(con, landing, ["support"])

    ticket = rows(con, "select id, satisfaction_rating from raw.support_tickets")
    assert ticket == [{"id": "42", "satisfaction_rating": '{"score":"offered"}'}]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_files_read_together_keep_their_own_rows(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, threads: int
) -> None:
    # DuckDB reads a group of files in one statement, one part per thread;
    # every row must still name its own file, line, load and day.
    con.execute(f"set threads = {threads}")
    days = [f"2024-01-0{day}" for day in range(1, 6)]
    for day in days:
        write(tmp_path / "web" / f"events-{day}.ndjson", segment_events(day))

    loads = load_landing(con, tmp_path, ["web"])

    assert [load.rows_loaded for load in loads] == [3] * len(days)
    found = rows(
        con,
        "select r._source_file, list(r._source_line order by r._source_line) as lines,"
        " bool_and(strftime(r.received_date, '%Y-%m-%d') = r.received_at[:10])"
        " as right_day"
        " from raw.web_events as r join ops.load_ledger as l"
        " on l.load_id = r._load_id and l.file_path = r._source_file"
        " group by 1 order by 1",
    )
    # The fixture's third event follows a blank line: it is line 4.
    assert found == [
        {"_source_file": f"web/events-{day}.ndjson", "lines": [1, 2, 4]}
        | {"right_day": True}
        for day in days
    ]


def test_file_named_like_a_pattern_reads_only_itself(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # DuckDB's readers take `users-[1].json` as a pattern matching
    # `users-1.json`; each page must still be read once, from its own file.
    for name in ("users-1.json", "users-[1].json", "users-?.json"):
        write(tmp_path / "support" / name, zendesk_users_page())

    loads = load_landing(con, tmp_path, ["support"])

    assert sorted((x.file_path, x.rows_read, x.rows_loaded) for x in loads) == [
        ("support/users-1.json", 2, 2),
        ("support/users-?.json", 2, 2),
        ("support/users-[1].json", 2, 2),
    ]
    per_file = rows(
        con,
        "select _source_file, count(*) as n from raw.support_users"
        " group by 1 order by 1",
    )
    assert per_file == [
        {"_source_file": "support/users-1.json", "n": 2},
        {"_source_file": "support/users-?.json", "n": 2},
        {"_source_file": "support/users-[1].json", "n": 2},
    ]


def test_warehouse_in_an_older_storage_version_loads(
    tmp_path: Path, landing: Path
) -> None:
    # A warehouse file DuckDB 1.x created takes no column compression choice:
    # JSON columns get the plain type, in new tables and in added columns,
    # and existing tables are left alone on the next run.
    path = tmp_path / "warehouse.duckdb"
    config = {"storage_compatibility_version": "v0.10.2"}
    with duckdb.connect(path, config=config) as con:
        con.execute("create schema raw")
        con.execute("create table raw.support_tickets (id varchar)")
        first = load_source(con, landing, "support")
    with duckdb.connect(path) as con:
        load_source(con, landing, "email")
        again = load_source(con, landing, "support")
        ledger = con.sql(
            "select file_path, status, rows_read, rows_loaded from ops.load_ledger"
            " where source in ('support', 'email') order by 1"
        ).fetchall()
        satisfaction = con.sql(
            "select satisfaction_rating::varchar from raw.support_tickets"
        ).fetchall()

    assert [load.status for load in first] == ["loaded", "loaded"]
    assert [load.status for load in again] == ["skipped", "skipped"]
    assert ledger == [
        ("email/audience_export.zip", "loaded", 4, 4),
        ("email/sendgrid-events-0001.json", "loaded", 3, 3),
        ("support/tickets-0001.json", "loaded", 1, 1),
        ("support/users-0001.json", "loaded", 2, 2),
    ]
    assert satisfaction == [('{"score":"offered"}',)]


def test_loads_beside_another_attached_warehouse(tmp_path: Path, landing: Path) -> None:
    # A copy attached for comparison holds the same schemas and tables; the
    # load still creates and fills the connection's own.
    copy = tmp_path / "copy.duckdb"
    with duckdb.connect(copy) as con:
        load_source(con, landing, "support")
    with duckdb.connect(tmp_path / "warehouse.duckdb") as con:
        con.execute(f"attach '{copy}' as copy (read_only)")
        loads = load_source(con, landing, "support")
        tables = con.sql(
            "select table_catalog, count(*) from information_schema.tables"
            " where table_schema = 'raw' group by 1 order by 1"
        ).fetchall()
        loaded = con.sql(
            "select (select count(*) from raw.support_users),"
            " (select count(*) from raw.support_tickets)"
        ).fetchall()

    assert [load.status for load in loads] == ["loaded", "loaded"]
    assert tables == [("copy", 2), ("warehouse", 2)]
    assert loaded == [(2, 1)]
