"""A file the collector appends to loads only its new lines, each time once."""

import json
from pathlib import Path

import duckdb

from data_contracts.loader import load_landing
from tests.data_contracts.conftest import rows

NAME = "web/collected-2024-01-01.ndjson"


def _line(n: int) -> bytes:
    event = {
        "type": "track",
        "messageId": f"c-{n}",
        "anonymousId": "a-1",
        "event": "Product Viewed",
        "timestamp": "2024-01-01T10:00:00Z",
        "receivedAt": "2024-01-01T10:00:01Z",
    }
    return json.dumps(event).encode() + b"\n"


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as file:
        file.write(data)


def _ledger(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return rows(
        con,
        "select file_offset_bytes, file_size_bytes, rows_read, rows_loaded,"
        " rows_quarantined, duplicates_skipped from ops.load_ledger"
        " order by finished_at, file_size_bytes",
    )


def test_grown_file_loads_only_its_new_lines(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / NAME
    path.parent.mkdir(parents=True)
    # Three lines and half of a fourth, still being written.
    fourth = _line(4)
    path.write_bytes(_line(1) + _line(2) + _line(3) + fourth[:20])
    first_size = len(_line(1) + _line(2) + _line(3))

    (first,) = load_landing(con, tmp_path, ["web"])
    # The fourth line is finished, a fifth added; then a sixth.
    _append(path, fourth[20:] + _line(5))
    (second,) = load_landing(con, tmp_path, ["web"])
    second_size = path.stat().st_size
    _append(path, _line(6))
    (third,) = load_landing(con, tmp_path, ["web"])
    (again,) = load_landing(con, tmp_path, ["web"])

    assert [x.rows_read for x in (first, second, third)] == [3, 2, 1]
    assert again.skipped
    assert _ledger(con) == [
        {"file_offset_bytes": 0, "file_size_bytes": first_size}
        | {"rows_read": 3, "rows_loaded": 3}
        | {"rows_quarantined": 0, "duplicates_skipped": 0},
        {"file_offset_bytes": first_size, "file_size_bytes": second_size}
        | {"rows_read": 2, "rows_loaded": 2}
        | {"rows_quarantined": 0, "duplicates_skipped": 0},
        {"file_offset_bytes": second_size, "file_size_bytes": path.stat().st_size}
        | {"rows_read": 1, "rows_loaded": 1}
        | {"rows_quarantined": 0, "duplicates_skipped": 0},
    ]
    loaded = rows(con, "select message_id, _source_line from raw.web_events order by 2")
    # Lines keep their numbers in the whole file, and none loads twice.
    assert loaded == [{"message_id": f"c-{n}", "_source_line": n} for n in range(1, 7)]


def test_file_rewritten_in_place_loads_whole_again(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(_line(1) + _line(2))
    load_landing(con, tmp_path, ["web"])
    # The first line changed under the same name, and the file grew.
    path.write_bytes(_line(7) + _line(2) + _line(3))

    (load,) = load_landing(con, tmp_path, ["web"])

    assert (load.status, load.rows_read, load.rows_loaded) == ("loaded", 3, 2)
    assert load.duplicates_skipped == 1
    assert _ledger(con)[-1]["file_offset_bytes"] == 0
    ids = rows(con, "select message_id from raw.web_events order by 1")
    assert [x["message_id"] for x in ids] == ["c-1", "c-2", "c-3", "c-7"]


def test_a_file_holding_only_half_a_line_waits_for_the_writer(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / NAME
    path.parent.mkdir(parents=True)
    first = _line(1)
    path.write_bytes(first[:20])

    (waiting,) = load_landing(con, tmp_path, ["web"])
    _append(path, first[20:])
    (loaded,) = load_landing(con, tmp_path, ["web"])

    assert (waiting.status, waiting.reason) == ("skipped", "no new complete line yet")
    assert (loaded.status, loaded.rows_read, loaded.rows_loaded) == ("loaded", 1, 1)
    assert len(_ledger(con)) == 1


def test_lines_appended_while_a_load_runs_wait_for_the_next_load(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch
) -> None:
    import data_contracts.loader as loader

    path = tmp_path / NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(_line(1) + _line(2))
    choose_reader = loader._sql_ok

    def choose_then_append(*args):
        choice = choose_reader(*args)
        # The collector appends after the loader chose how to read the file.
        _append(path, _line(3) + _line(4)[:25])
        return choice

    monkeypatch.setattr(loader, "_sql_ok", choose_then_append)
    (first,) = load_landing(con, tmp_path, ["web"])
    monkeypatch.setattr(loader, "_sql_ok", choose_reader)
    _append(path, _line(4)[25:])
    (second,) = load_landing(con, tmp_path, ["web"])

    assert (first.rows_read, second.rows_read) == (2, 2)
    assert [row["duplicates_skipped"] for row in _ledger(con)] == [0, 0]
    assert rows(con, "select count(*) as n from quarantine.web_events") == [{"n": 0}]
    loaded = rows(con, "select message_id from raw.web_events order by _source_line")
    assert loaded == [{"message_id": f"c-{n}"} for n in range(1, 5)]


def test_ledger_rows_from_before_append_loads_cover_whole_files(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from data_contracts.entities import ENTITIES
    from data_contracts.loader import prepare_warehouse

    path = tmp_path / NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(_line(1))
    load_landing(con, tmp_path, ["web"])
    # A ledger written before the column existed reads NULL there.
    con.execute("update ops.load_ledger set file_offset_bytes = null").fetchall()

    prepare_warehouse(con, list(ENTITIES))

    assert [row["file_offset_bytes"] for row in _ledger(con)] == [0]
