"""Bad files and bad rows: each case's exact reason and its reconciliation.

Every case loads a landing folder holding one file and checks the ledger
(`rows_read = rows_loaded + rows_quarantined + duplicates_skipped`), the
reasons in `quarantine.*` and what reached `raw.*`.
"""

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from data_contracts import loader
from data_contracts.loader import load_landing
from tests.data_contracts.conftest import (
    CUSTOMER_HEADER,
    ORDER_HEADER,
    csv_bytes,
    rows,
    segment_events,
    write,
)

SCHEMAS = ("raw", "quarantine")


def _ledger(con: duckdb.DuckDBPyConnection) -> dict:
    (row,) = rows(
        con,
        "select status, reason, rows_read, rows_loaded, rows_quarantined,"
        " duplicates_skipped, drift_columns from ops.load_ledger",
    )
    assert row["rows_read"] == (
        row["rows_loaded"] + row["rows_quarantined"] + row["duplicates_skipped"]
    )
    return row


def _reasons(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(
        f"select _source_line, _reasons from quarantine.{table} order by 1"
    ).fetchall()


def _segment(**fields) -> str:
    event = {
        "type": "track",
        "messageId": "m-1",
        "anonymousId": "a-1",
        "event": "Page Viewed",
        "timestamp": "2024-01-01T10:00:00Z",
        "receivedAt": "2024-01-01T10:00:01Z",
    }
    return json.dumps(event | fields)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        # A day that does not exist: the file has no partition to go to.
        (
            "web/events-2024-02-30.ndjson",
            segment_events(),
            "its name holds no valid date (YYYY-MM-DD)",
        ),
        # Zero bytes.
        ("web/events-2024-01-01.ndjson", b"", "the file is empty"),
        # A gzip stream cut in the middle (a half-copied file).
        (
            "web/events-2024-01-01.ndjson.gz",
            gzip.compress(segment_events() * 50)[:200],
            "it is not a valid gzip file (Compressed file ended before the"
            " end-of-stream marker was reached)",
        ),
        # Latin-1 bytes in a CSV that must be UTF-8.
        (
            "shop/customers_export.csv",
            csv_bytes(CUSTOMER_HEADER, [{"Customer ID": "1", "Note": "@@"}]).replace(
                b"@@", "caf\xe9".encode("latin-1")
            ),
            "it is not valid UTF-8 (byte 0xe9 on line 2)",
        ),
        # Lines ended by a carriage return alone (an old spreadsheet's
        # export): the header runs into the rows. This once stopped the load.
        (
            "shop/customers_export.csv",
            csv_bytes(CUSTOMER_HEADER, [{"Customer ID": "1"}], newline="\r"),
            "its header is not valid CSV (new-line character seen in unquoted"
            " field - do you need to open the file in universal-newline mode?)",
        ),
    ],
)
def test_unreadable_file_is_rejected_with_its_reason(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    write(tmp_path / name, data)

    (load,) = load_landing(con, tmp_path, [name.split("/")[0]])

    assert (load.status, load.reason) == ("rejected", reason)
    ledger = _ledger(con)
    assert (ledger["status"], ledger["reason"], ledger["rows_read"]) == (
        "rejected",
        reason,
        0,
    )


def test_missing_required_column_quarantines_the_whole_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    header = [name for name in CUSTOMER_HEADER if name != "Customer ID"]
    write(
        tmp_path / "shop" / "customers_export.csv",
        csv_bytes(header, [{"First Name": "Ann"}, {"First Name": "Bo"}]),
    )

    load_landing(con, tmp_path, ["shop"])

    ledger = _ledger(con)
    assert ledger["status"] == "rejected"
    assert ledger["reason"] == "it lacks the required column customer_id"
    assert (ledger["rows_read"], ledger["rows_quarantined"]) == (2, 2)
    assert _reasons(con, "shop_customers") == [
        (2, ["the file lacks the required column customer_id"]),
        (3, ["the file lacks the required column customer_id"]),
    ]
    assert rows(con, "select count(*) as n from raw.shop_customers") == [{"n": 0}]


def test_csv_with_embedded_newlines_and_quotes_loads_verbatim(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    note = 'line one\nsays "hi", twice ""\nline three'
    customers = [
        {"Customer ID": "'1", "Note": note, "Tags": 'a, "b"'},
        {"Customer ID": "'2", "Note": "plain"},
    ]
    write(
        tmp_path / "shop" / "customers_export.csv",
        csv_bytes(CUSTOMER_HEADER, customers),
    )

    load_landing(con, tmp_path, ["shop"])

    assert _ledger(con)["rows_loaded"] == 2
    loaded = rows(
        con, "select note, tags, _source_line from raw.shop_customers order by 3"
    )
    assert loaded == [
        {"note": note, "tags": 'a, "b"', "_source_line": 2},
        {"note": "plain", "tags": "", "_source_line": 5},
    ]


def test_malformed_json_line_among_good_ones(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [
        _segment(messageId="m-1"),
        '{"type": "track", "messageId": ',
        _segment(messageId="m-3"),
    ]
    write(
        tmp_path / "web" / "events-2024-01-01.ndjson",
        ("\n".join(lines) + "\n").encode(),
    )

    load_landing(con, tmp_path, ["web"])

    ledger = _ledger(con)
    assert (ledger["rows_read"], ledger["rows_loaded"], ledger["rows_quarantined"]) == (
        3,
        2,
        1,
    )
    bad = rows(
        con, "select _source_line, _raw_line, _reasons from quarantine.web_events"
    )
    assert bad == [
        {
            "_source_line": 2,
            "_raw_line": '{"type": "track", "messageId": ',
            "_reasons": ["line is not valid JSON"],
        }
    ]


def test_unknown_columns_are_kept_as_drift_not_failure(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    header = [*CUSTOMER_HEADER, "WhatsApp Marketing", "Loyalty Tier"]
    customer = {
        "Customer ID": "'1",
        "WhatsApp Marketing": "yes",
        "Loyalty Tier": "gold",
    }
    write(tmp_path / "shop" / "customers_export.csv", csv_bytes(header, [customer]))
    users = {"users": [{"id": 7, "role": "end-user", "shared_phone_number": True}]}
    write(tmp_path / "support" / "users-1.json", json.dumps(users).encode())

    loads = load_landing(con, tmp_path, ["shop", "support"])

    assert [(x.status, x.drift_columns) for x in loads] == [
        ("loaded", ("Loyalty Tier", "WhatsApp Marketing")),
        ("loaded", ("shared_phone_number",)),
    ]
    extra = rows(con, "select _extra from raw.shop_customers")
    assert json.loads(extra[0]["_extra"]) == {
        "WhatsApp Marketing": "yes",
        "Loyalty Tier": "gold",
    }
    user = rows(con, "select _extra from raw.support_users")
    assert json.loads(user[0]["_extra"]) == {"shared_phone_number": True}


def test_timestamps_in_the_future_or_before_2000_are_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [
        _segment(messageId="ok"),
        _segment(messageId="future", timestamp="2999-01-01T00:00:00Z"),
        _segment(messageId="old", timestamp="1999-12-31T23:59:59Z"),
        _segment(messageId="text", timestamp="yesterday"),
    ]
    write(
        tmp_path / "web" / "events-2024-01-01.ndjson",
        ("\n".join(lines) + "\n").encode(),
    )

    load_landing(con, tmp_path, ["web"])

    ledger = _ledger(con)
    assert (ledger["rows_loaded"], ledger["rows_quarantined"]) == (1, 3)
    out_of_range = (
        "timestamp is not an ISO 8601 timestamp >= 2000-01-01T00:00:00Z and <= now"
    )
    assert _reasons(con, "web_events") == [
        (2, [out_of_range]),
        (3, [out_of_range]),
        (4, [out_of_range]),
    ]


def test_wrong_types_and_values_give_every_broken_rule(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    good = {
        "Name": "#1",
        "Created at": "2024-01-05 13:45:12 -0600",
        "Lineitem quantity": "1",
        "Lineitem price": "9.50",
        "Financial Status": "paid",
        "Currency": "EUR",
    }
    bad = good | {
        "Lineitem quantity": "two",
        "Lineitem price": "-1",
        "Financial Status": "stolen",
        "Currency": "euro",
    }
    write(
        tmp_path / "shop" / "orders_export_1.csv", csv_bytes(ORDER_HEADER, [good, bad])
    )

    load_landing(con, tmp_path, ["shop"])

    ledger = _ledger(con)
    assert (ledger["rows_loaded"], ledger["rows_quarantined"]) == (1, 1)
    assert _reasons(con, "shop_orders") == [
        (
            3,
            [
                "financial_status is not one of pending, authorized, partially_paid,"
                " paid, partially_refunded, refunded, voided, (empty)",
                "currency is not an ISO 4217 currency code",
                "lineitem_quantity is not a number >= 1",
                "lineitem_price is not a number >= 0",
            ],
        )
    ]
    # The quarantined row keeps the original text of every value.
    original = rows(
        con, "select lineitem_quantity, currency from quarantine.shop_orders"
    )
    assert original == [{"lineitem_quantity": "two", "currency": "euro"}]


def test_duplicate_event_ids_load_once(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [
        _segment(messageId="m-1"),
        _segment(messageId="m-1"),
        _segment(messageId="m-2"),
    ]
    write(
        tmp_path / "web" / "events-2024-01-01.ndjson",
        ("\n".join(lines) + "\n").encode(),
    )
    write(tmp_path / "web" / "events-2024-01-02.ndjson", (lines[2] + "\n").encode())

    loads = load_landing(con, tmp_path, ["web"])

    assert [(x.rows_read, x.rows_loaded, x.duplicates_skipped) for x in loads] == [
        (3, 2, 1),
        (1, 0, 1),
    ]
    loaded = rows(con, "select message_id, _source_line from raw.web_events order by 1")
    assert loaded == [
        {"message_id": "m-1", "_source_line": 1},
        {"message_id": "m-2", "_source_line": 3},
    ]


def _many_customers(n: int) -> bytes:
    customers = [
        {"Customer ID": f"'{i}", "Note": f'note {i}\nsecond line, "quoted"' * (i % 3)}
        for i in range(n)
    ]
    return csv_bytes(CUSTOMER_HEADER, customers)


def test_large_csv_loads_in_pieces_with_the_same_result(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "shop" / "customers_export.csv", _many_customers(60))
    load_landing(con, tmp_path, ["shop"])
    whole = con.sql(
        "select * exclude (_load_id, _loaded_at) from raw.shop_customers order by all"
    ).fetchall()
    # About 500 bytes per piece: the 60 customers take several pieces.
    monkeypatch.setattr("data_contracts.loader._CHUNK_BYTES", 500)

    with duckdb.connect() as pieces_con:
        load_landing(pieces_con, tmp_path, ["shop"])
        ledger = _ledger(pieces_con)
        pieces = pieces_con.sql(
            "select * exclude (_load_id, _loaded_at) from raw.shop_customers"
            " order by all"
        ).fetchall()

    assert (ledger["rows_read"], ledger["rows_loaded"]) == (60, 60)
    assert pieces == whole


def test_bad_record_in_a_later_piece_rejects_the_whole_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _many_customers(60) + b"'61,Ann,x\"y,,,,,,,,,,,,,,,,,\n"
    write(tmp_path / "shop" / "customers_export.csv", data)
    monkeypatch.setattr("data_contracts.loader._CHUNK_BYTES", 500)

    (load,) = load_landing(con, tmp_path, ["shop"])

    assert load.status == "rejected"
    assert load.reason.startswith("it is not a valid CSV")
    assert rows(con, "select count(*) as n from raw.shop_customers") == [{"n": 0}]
    assert _ledger(con)["rows_read"] == 0


def test_large_ndjson_loads_in_pieces_with_the_same_result(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [_segment(messageId=f"m-{i % 30}") for i in range(40)]
    lines[10:10] = ['{"type": "track", "messageId": ', ""]
    data = ("\n".join(lines) + "\n").encode()
    write(tmp_path / "web" / "events-2024-01-01.ndjson", data)
    query = "select * exclude (_load_id, _loaded_at) from {}.web_events order by all"
    load_landing(con, tmp_path, ["web"])
    whole = [con.sql(query.format(schema)).fetchall() for schema in SCHEMAS]
    # About 300 bytes per piece: the file is read from disk in many pieces.
    monkeypatch.setattr("data_contracts.loader._CHUNK_BYTES", 300)

    with duckdb.connect() as pieces_con:
        load_landing(pieces_con, tmp_path, ["web"])
        ledger = _ledger(pieces_con)
        pieces = [pieces_con.sql(query.format(s)).fetchall() for s in SCHEMAS]
        bad = _reasons(pieces_con, "web_events")

    assert (ledger["rows_read"], ledger["rows_loaded"]) == (41, 30)
    assert (ledger["rows_quarantined"], ledger["duplicates_skipped"]) == (1, 10)
    assert bad == [(11, ["line is not valid JSON"])]
    assert pieces == whole


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # BOM, CRLF, a blank line, an array, a broken line and an unknown key.
        (
            "web/events-2024-01-01.ndjson",
            b"\xef\xbb\xbf"
            + "\r\n".join(
                [
                    _segment(messageId="m-1"),
                    "",
                    "[1, 2]",
                    '{"type": "track", "messageId": ',
                    _segment(messageId="m-2", shoeSize=42),
                    _segment(messageId="m-1"),
                ]
            ).encode()
            + b"\r\n",
        ),
        # A SendGrid array whose events carry custom arguments of every JSON
        # kind but null, some or none: read by `read_json`, `_extra` rebuilt.
        (
            "email/sendgrid-events-1.json",
            json.dumps(
                [
                    {"sg_event_id": "e-1", "event": "open", "email": "a@b.c"}
                    | {"timestamp": 1704103200, "campaign": "x", "n": 1.50}
                    | {"tags": ["a", {"b": "é", "ok": True}], "category": "news"},
                    {"sg_event_id": "e-1", "event": "open", "timestamp": 1704103200}
                    | {"campaign": "y", "tags": []}
                    | {"category": ["news", "2024-01"], "pool": {"id": 1}},
                    {"sg_event_id": "e-2", "event": "open", "timestamp": 1704103200},
                ]
            ).encode(),
        ),
    ],
)
def test_duckdb_and_python_readers_load_the_same_rows(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    data: bytes,
) -> None:
    write(tmp_path / name, data)
    source, table = name.split("/")[0], f"{name.split('/')[0]}_events"
    query = "select * exclude (_load_id, _loaded_at) from {}.{} order by all"
    stage_with_sql, offered, left_to_python = loader._stage_with_sql, [], []

    def staged(batch, entity, files):
        offered.extend(files)
        left = stage_with_sql(batch, entity, files)
        left_to_python.extend(left)
        return left

    monkeypatch.setattr(loader, "_stage_with_sql", staged)
    load_landing(con, tmp_path, [source])
    # DuckDB really read the file: it was offered and nothing fell back.
    assert len(offered) == 1 and left_to_python == []
    by_duckdb = [con.sql(query.format(s, table)).fetchall() for s in SCHEMAS]
    # The Python readers take files DuckDB cannot; force them here.
    monkeypatch.setattr("data_contracts.loader.reads_with_sql", lambda entity: False)

    with duckdb.connect() as python_con:
        load_landing(python_con, tmp_path, [source])
        ledger = _ledger(python_con)
        by_python = [python_con.sql(query.format(s, table)).fetchall() for s in SCHEMAS]

    assert by_python == by_duckdb
    assert ledger["duplicates_skipped"] == 1
    assert ledger["status"] == "loaded"


@pytest.mark.parametrize(
    ("events", "by_python", "extras"),
    [
        # A null value of an unknown key: `read_json` reads it as missing.
        ([{"a": 1}, {"b": None}, {}], True, ['{"a":1}', '{"b":null}', None]),
        # Nulls of contract fields change nothing: read by `read_json`.
        ([{"a": 1, "reason": None}, {"b": 2}], False, ['{"a":1}', '{"b":2}']),
        # A null under the same key in a nested object looks like one: read
        # in Python too, with the same result.
        ([{"a": {"b": None}}, {"b": 2}], True, ['{"a":{"b":null}}', '{"b":2}']),
        # Unknown keys in two orders: `_extra` takes the order they first had.
        (
            [{"a": 1, "b": 2}, {"b": 3, "a": 4}],
            False,
            ['{"a":1,"b":2}', '{"a":4,"b":3}'],
        ),
    ],
)
def test_sendgrid_unknown_keys_are_kept_by_read_json_or_python(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    events: list[dict],
    by_python: bool,
    extras: list[str | None],
) -> None:
    left_to_python = _watch_fallback(monkeypatch)
    rows = [
        {"sg_event_id": f"e-{i}", "event": "open", "timestamp": 1704103200} | event
        for i, event in enumerate(events, start=1)
    ]
    write(tmp_path / "email" / "sendgrid-events-1.json", json.dumps(rows).encode())

    load_landing(con, tmp_path, ["email"])

    ledger = _ledger(con)
    loaded = con.sql(
        "select _extra::varchar, _source_line from raw.email_events order by 2"
    ).fetchall()
    assert len(left_to_python) == int(by_python)
    assert (ledger["rows_read"], ledger["rows_loaded"]) == (len(rows), len(rows))
    assert ledger["drift_columns"] == ["a", "b"]
    assert loaded == [(extra, line) for line, extra in enumerate(extras, start=1)]


def test_sendgrid_rows_are_numbered_in_file_order(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Positions come from the order `read_json` read the rows in: several
    # files of enough events to span row groups and both threads.
    left_to_python = _watch_fallback(monkeypatch)
    sizes = (70_000, 3, 130_000)
    for number, size in enumerate(sizes, start=1):
        events = [
            {"sg_event_id": f"{number}-{i}", "event": "open", "position": i}
            | {"timestamp": 1704103200, "pad": "x" * (i % 97)}
            for i in range(1, size + 1)
        ]
        write(
            tmp_path / "email" / f"sendgrid-events-{number}.json",
            json.dumps(events).encode(),
        )

    load_landing(con, tmp_path, ["email"])

    misplaced = con.sql(
        "select count(*) from raw.email_events"
        " where _source_line <> (_extra->>'position')::bigint"
    ).fetchall()[0][0]
    counts = con.sql(
        "select _source_file, count(*), max(_source_line) from raw.email_events"
        " group by 1 order by 1"
    ).fetchall()
    assert left_to_python == []
    assert misplaced == 0
    assert counts == [
        (f"email/sendgrid-events-{n}.json", size, size)
        for n, size in enumerate(sizes, start=1)
    ]


def _sendgrid(number: int, **fields) -> dict:
    event = {"sg_event_id": f"e-{number}", "event": "open", "email": "a@b.c"}
    return event | {"timestamp": 1704103200} | fields


def _watch_fallback(monkeypatch: pytest.MonkeyPatch) -> list:
    """The files DuckDB's reader handed to the Python reader, as they come."""
    left_to_python = []
    stage_with_sql = loader._stage_with_sql

    def staged(batch, entity, files):
        left = stage_with_sql(batch, entity, files)
        left_to_python.extend(f.source_file for f in left)
        return left

    monkeypatch.setattr(loader, "_stage_with_sql", staged)
    return left_to_python


@pytest.mark.parametrize(
    ("key", "by_python"),
    [
        # The name `read_json` rows once took their file's facts under: every
        # row lost its load id and the whole load stopped.
        ("_file", False),
        ("_FILE", False),
        # Names the statement still uses, in any case: read in Python.
        ("_CDP_File", True),
        ("_cdp_file_path", True),
        # A contract field's name in another case: DuckDB cannot tell them apart.
        ("Email", True),
    ],
)
def test_sendgrid_key_named_like_a_column_of_the_statement(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    by_python: bool,
) -> None:
    left_to_python = _watch_fallback(monkeypatch)
    events = [_sendgrid(1, **{key: 7}), _sendgrid(2)]
    write(tmp_path / "email" / "sendgrid-events-1.json", json.dumps(events).encode())
    write(
        tmp_path / "email" / "sendgrid-events-2.json",
        json.dumps([_sendgrid(3)]).encode(),
    )

    load_landing(con, tmp_path, ["email"])

    ledger = rows(
        con,
        "select file_path, status, rows_read, rows_loaded, drift_columns"
        " from ops.load_ledger order by 1",
    )
    loaded = con.sql(
        "select _source_file, _source_line, _extra::varchar, _load_id is not null"
        " from raw.email_events order by 1, 2"
    ).fetchall()
    assert left_to_python == ["email/sendgrid-events-1.json"] * by_python
    assert ledger == [
        {
            "file_path": "email/sendgrid-events-1.json",
            "status": "loaded",
            "rows_read": 2,
            "rows_loaded": 2,
            "drift_columns": [key],
        },
        {
            "file_path": "email/sendgrid-events-2.json",
            "status": "loaded",
            "rows_read": 1,
            "rows_loaded": 1,
            "drift_columns": [],
        },
    ]
    assert loaded == [
        ("email/sendgrid-events-1.json", 1, f'{{"{key}":7}}', True),
        ("email/sendgrid-events-1.json", 2, None, True),
        ("email/sendgrid-events-2.json", 1, None, True),
    ]


def test_sendgrid_rows_that_lose_their_file_fall_back_to_python(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should a statement ever stage rows without their load id again, the
    # file is read in Python rather than the load stopping.
    left_to_python = _watch_fallback(monkeypatch)
    typed_array_sql = loader.typed_array_sql

    def losing(entity, unknown, files_view):
        sql = typed_array_sql(entity, unknown, files_view)
        return sql.replace("_cdp_file._load_id as _load_id", "null as _load_id")

    monkeypatch.setattr(loader, "typed_array_sql", losing)
    events = [_sendgrid(1, campaign="x"), _sendgrid(2), _sendgrid(2)]
    write(tmp_path / "email" / "sendgrid-events-1.json", json.dumps(events).encode())

    load_landing(con, tmp_path, ["email"])

    ledger = _ledger(con)
    extras = con.sql(
        "select _source_line, _extra::varchar from raw.email_events order by 1"
    ).fetchall()
    assert left_to_python == ["email/sendgrid-events-1.json"]
    assert (ledger["status"], ledger["rows_read"], ledger["rows_loaded"]) == (
        "loaded",
        3,
        2,
    )
    assert ledger["duplicates_skipped"] == 1
    assert extras == [(1, '{"campaign":"x"}'), (2, None)]


@pytest.mark.parametrize(
    ("data", "by_python", "extras"),
    [
        # Nulls nested in an unknown key's value stay, with a key missing
        # from the item (a merge patch dropped them: `{"a":{}}`).
        (
            json.dumps([_sendgrid(1, a={"c": None}), _sendgrid(2, b=2)]),
            False,
            ['{"a":{"c":null}}', '{"b":2}'],
        ),
        (
            json.dumps(
                [_sendgrid(1, a={"x": {"y": None}, "z": []}), _sendgrid(2, b=[])]
            ),
            False,
            ['{"a":{"x":{"y":null},"z":[]}}', '{"b":[]}'],
        ),
        # A null value under a key JSON writes escaped: the quote of `a"b`...
        (
            json.dumps([_sendgrid(1, **{'a"b': None}), _sendgrid(2, c=1)]),
            True,
            ['{"a\\"b":null}', '{"c":1}'],
        ),
        # ... or `é` written as \u00e9 ...
        (
            json.dumps([_sendgrid(1, café=None), _sendgrid(2, c=1)]),
            True,
            ['{"café":null}', '{"c":1}'],
        ),
        # ... or a slash written as \/.
        (
            json.dumps([_sendgrid(1, **{"a/b": None}), _sendgrid(2, c=1)]).replace(
                "a/b", "a\\/b"
            ),
            True,
            ['{"a/b":null}', '{"c":1}'],
        ),
        # Escapes in values (SendGrid writes `<` in smtp-id as \u003c) and a
        # null of a contract field need not leave the fast reader.
        (
            json.dumps(
                [_sendgrid(1, reason=None, a="<x>"), _sendgrid(2, c="é")]
            ).replace("<", "\\u003c"),
            False,
            ['{"a":"<x>"}', '{"c":"é"}'],
        ),
    ],
)
def test_sendgrid_extra_keeps_every_null(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: str,
    by_python: bool,
    extras: list[str | None],
) -> None:
    left_to_python = _watch_fallback(monkeypatch)
    write(tmp_path / "email" / "sendgrid-events-1.json", data.encode())

    load_landing(con, tmp_path, ["email"])

    ledger = _ledger(con)
    loaded = con.sql(
        "select _source_line, _extra::varchar from raw.email_events order by 1"
    ).fetchall()
    assert left_to_python == ["email/sendgrid-events-1.json"] * by_python
    assert (ledger["status"], ledger["rows_read"], ledger["rows_loaded"]) == (
        "loaded",
        2,
        2,
    )
    assert loaded == list(enumerate(extras, start=1))


@pytest.mark.parametrize("reader", ["duckdb", "python"])
@pytest.mark.parametrize("item", [None, 5, []])
def test_sendgrid_item_that_is_not_an_object_rejects_the_file(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reader: str,
    item: object,
) -> None:
    # A null item is not an object either: `read_json` made it a row of
    # NULLs, and the Python reader let it through with a junk `_extra`.
    if reader == "python":
        monkeypatch.setattr(loader, "reads_with_sql", lambda entity: False)
    events = [_sendgrid(1, campaign="x"), item, _sendgrid(2)]
    write(tmp_path / "email" / "sendgrid-events-1.json", json.dumps(events).encode())

    load_landing(con, tmp_path, ["email"])

    assert _ledger(con) == {
        "status": "rejected",
        "reason": "item 2 is not an object",
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "duplicates_skipped": 0,
        "drift_columns": [],
    }
    counts = [
        con.sql(f"select count(*) from {s}.email_events").fetchall()[0][0]
        for s in SCHEMAS
    ]
    assert counts == [0, 0]


@pytest.mark.parametrize("reader", ["duckdb", "python"])
def test_zendesk_null_item_rejects_the_page(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reader: str,
) -> None:
    if reader == "python":
        monkeypatch.setattr(loader, "reads_with_sql", lambda entity: False)
    page = {"users": [{"id": 1, "name": "Ann"}, None], "count": 2}
    write(tmp_path / "support" / "users-0001.json", json.dumps(page).encode())

    load_landing(con, tmp_path, ["support"])

    ledger = rows(con, "select status, reason, rows_read from ops.load_ledger")
    assert ledger == [
        {
            "status": "rejected",
            "reason": 'item of "users" 2 is not an object',
            "rows_read": 0,
        }
    ]
