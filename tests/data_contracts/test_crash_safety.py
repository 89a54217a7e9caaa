"""SIGKILL in the middle of a load leaves no partial file, and a rerun finishes.

A real subprocess loads a landing folder in small transactions; it is killed
as soon as its first group of files is committed, while the next is in
flight. The warehouse must then hold whole files only, and a rerun must give
the same tables as an uninterrupted load.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from data_contracts.loader import load_landing
from tests.data_contracts.conftest import rows, write

FILES = 40
EVENTS_PER_FILE = 400

CHILD = textwrap.dedent(
    """
    import logging, sys
    from pathlib import Path
    import duckdb
    from data_contracts import loader
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    # Five files per transaction, so the folder takes several transactions.
    loader._GROUP_FILES = 5
    with duckdb.connect(sys.argv[2]) as con:
        loader.load_landing(con, Path(sys.argv[1]))
    """
)


def _landing(root: Path) -> Path:
    for day in range(1, FILES + 1):
        lines = []
        for n in range(EVENTS_PER_FILE):
            event = {
                "type": "track",
                "messageId": f"{day}-{n}",
                "anonymousId": f"a-{n % 50}",
                "event": "Product Viewed",
                "properties": {"sku": f"SKU-{n}", "price": n / 10},
                "timestamp": f"2024-02-{day % 28 + 1:02d}T10:00:00Z",
                "receivedAt": f"2024-02-{day % 28 + 1:02d}T10:00:01Z",
            }
            lines.append(json.dumps(event))
        # One bad line per file, so quarantine is part of the comparison.
        lines.append('{"type": "track", "messageId": ')
        name = f"events-{date(2024, 3, 1) + timedelta(days=day):%Y-%m-%d}.ndjson"
        write(root / "web" / name, "\n".join(lines).encode())
    return root


def _tables(con: duckdb.DuckDBPyConnection) -> dict:
    return {
        "raw": con.sql(
            "select * exclude (_load_id, _loaded_at) from raw.web_events"
            " order by _source_file, _source_line"
        ).fetchall(),
        "quarantine": con.sql(
            "select * exclude (_load_id, _loaded_at) from quarantine.web_events"
            " order by _source_file, _source_line"
        ).fetchall(),
        "ledger": con.sql(
            "select file_path, file_sha256, rows_read, rows_loaded, rows_quarantined,"
            " duplicates_skipped, status from ops.load_ledger order by file_path"
        ).fetchall(),
    }


@pytest.mark.slow
def test_sigkill_mid_load_leaves_whole_files_and_rerun_matches(tmp_path: Path) -> None:
    landing = _landing(tmp_path / "landing")
    killed_db = tmp_path / "killed.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(landing), str(killed_db)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        env=os.environ | {"PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert child.stderr is not None
    for line in child.stderr:
        if "loaded 400 rows" in line:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with duckdb.connect(str(killed_db)) as con:
        files = rows(con, "select count(*) as n from ops.load_ledger")[0]["n"]
        # Killed part-way: some files in, not all.
        assert 0 < files < FILES
        # Every loaded file is whole: its raw and quarantine rows match its
        # ledger row, and no row belongs to a load the ledger does not know.
        mismatched = rows(
            con,
            "select l.file_path from ops.load_ledger as l"
            " left join (select _load_id, count(*) as n from raw.web_events"
            "  group by 1) as r on r._load_id = l.load_id"
            " left join (select _load_id, count(*) as n from quarantine.web_events"
            "  group by 1) as q on q._load_id = l.load_id"
            " where coalesce(r.n, 0) <> l.rows_loaded"
            "  or coalesce(q.n, 0) <> l.rows_quarantined",
        )
        assert mismatched == []
        orphans = rows(
            con,
            "select count(*) as n from raw.web_events"
            " where _load_id not in (select load_id from ops.load_ledger)",
        )
        assert orphans == [{"n": 0}]
        load_landing(con, landing)
        after_rerun = _tables(con)

    with duckdb.connect(str(tmp_path / "clean.duckdb")) as con:
        load_landing(con, landing)
        uninterrupted = _tables(con)

    assert len(after_rerun["raw"]) == FILES * EVENTS_PER_FILE
    assert after_rerun == uninterrupted
