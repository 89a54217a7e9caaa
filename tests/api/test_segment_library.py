"""The official Segment Python library, pointed at a running collector."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import uvicorn
from segment.analytics import Client
from segment.analytics.request import APIError

from api.collector import create_app
from api.command import collector_config
from data_contracts.loader import load_landing
from orchestration.settings import load_settings

WRITE_KEY = "wk-library"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def collector(tmp_path: Path, monkeypatch) -> Iterator[tuple[str, Path]]:
    """A real uvicorn server on a free port, in a thread, with the key configured."""
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CDP_COLLECTOR_WRITE_KEYS", f"other-key,{WRITE_KEY}")
    config = collector_config(load_settings())
    landing = config.landing_dir
    app = create_app(config)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the collector did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", landing
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("gzip", [False, True])
def test_identify_track_page_are_delivered(
    collector: tuple[str, Path], gzip: bool
) -> None:
    host, landing = collector
    errors: list[Exception] = []
    client = Client(
        WRITE_KEY,
        host=host,
        sync_mode=True,
        gzip=gzip,
        max_retries=0,
        on_error=lambda error, _batch: errors.append(error),
    )

    client.identify("7210448301122", {"email": "ann@example.com", "firstName": "Ann"})
    client.track("7210448301122", "Order Completed", {"revenue": 57.0})
    client.page("7210448301122", "Docs", "Home", {"path": "/"})
    client.flush()

    assert errors == []
    with duckdb.connect() as con:
        (load,) = load_landing(con, landing, ["web"])
        loaded = con.sql(
            "select type, user_id, traits ->> 'email' from raw.web_events"
            " order by _source_line"
        ).fetchall()
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (3, 3, 0)
    assert loaded == [
        ("identify", "7210448301122", "ann@example.com"),
        ("track", "7210448301122", None),
        ("page", "7210448301122", None),
    ]


def test_wrong_write_key_reaches_the_library_as_an_error(
    collector: tuple[str, Path],
) -> None:
    host, _ = collector
    client = Client("wrong", host=host, sync_mode=True, max_retries=0)

    with pytest.raises(APIError) as raised:
        client.track("u-1", "Signed Up")

    assert raised.value.status == 401
    assert raised.value.message == "The write key is not valid."
