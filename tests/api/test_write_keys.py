"""Write keys from settings, refused when wrong, never open by default; API docs."""

import base64
import logging
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.collector import CollectorConfig, NoWriteKeyError, create_app
from orchestration.cli import main

TRACK = {"type": "track", "anonymousId": "anon-1", "event": "Signed Up"}
INVALID = {"code": "invalid_write_key", "message": "The write key is not valid."}


def _basic(key: str) -> dict[str, str]:
    # Segment's libraries send the key as the user name with an empty password.
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


@pytest.fixture
def served(tmp_path: Path, monkeypatch) -> list:
    """Run `cdp collector` for real up to uvicorn, and keep the app it serves."""
    apps: list = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: apps.append(app))
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))
    return apps


def test_cdp_collector_refuses_to_start_without_a_write_key(served: list) -> None:
    result = CliRunner().invoke(main, ["collector"])

    assert result.exit_code == 1
    assert result.output == (
        "Error: No write key is configured for the collector: set"
        " CDP_COLLECTOR_WRITE_KEYS (or collector_write_keys in cdp.yml) to the keys"
        " your tracking libraries send, or pass --allow-any-write-key for local"
        " development.\n"
    )
    assert served == []


def test_create_app_refuses_a_config_without_write_keys(tmp_path: Path) -> None:
    with pytest.raises(NoWriteKeyError):
        create_app(CollectorConfig(landing_dir=tmp_path))


@pytest.mark.parametrize(
    ("request_key", "status", "body"),
    [
        # The first of the configured keys, in the body.
        ({"json": TRACK | {"writeKey": "wk-one"}}, 200, {"success": True}),
        # The second configured key, as the basic auth user.
        ({"json": TRACK, "headers": _basic("wk-two")}, 200, {"success": True}),
        # An unknown key in the body.
        ({"json": TRACK | {"writeKey": "wk-three"}}, 401, INVALID),
        # An unknown key as the basic auth user.
        ({"json": TRACK, "headers": _basic("wk-three")}, 401, INVALID),
    ],
)
def test_keys_come_from_the_setting(
    served: list, monkeypatch, request_key: dict, status: int, body: dict
) -> None:
    monkeypatch.setenv("CDP_COLLECTOR_WRITE_KEYS", "wk-one, wk-two")
    result = CliRunner().invoke(main, ["collector"])
    assert result.exit_code == 0, result.output

    response = TestClient(served[0]).post("/v1/track", **request_key)

    assert response.status_code == status
    assert response.json() == body


def test_keys_from_the_yaml_file(served: list, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cdp.yml").write_text("collector_write_keys:\n  - wk-yaml\n")
    CliRunner().invoke(main, ["collector"])
    client = TestClient(served[0])

    assert client.post("/v1/track", json=TRACK | {"writeKey": "wk-yaml"}).is_success


def test_command_line_keys_replace_the_setting(served: list, monkeypatch) -> None:
    monkeypatch.setenv("CDP_COLLECTOR_WRITE_KEYS", "wk-one")
    CliRunner().invoke(main, ["collector", "--write-key", "wk-cli"])
    client = TestClient(served[0])

    assert client.post("/v1/track", json=TRACK | {"writeKey": "wk-cli"}).is_success
    assert client.post("/v1/track", json=TRACK | {"writeKey": "wk-one"}).json() == (
        INVALID
    )


def test_allow_any_write_key_warns_on_start_and_on_every_request(
    served: list, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="api.collector")
    result = CliRunner().invoke(main, ["collector", "--allow-any-write-key"])
    assert result.exit_code == 0, result.output
    client = TestClient(served[0])

    # With no key at all, then with a made-up one: both let through.
    responses = [
        client.post("/v1/track", json=TRACK),
        client.post("/v1/track", json=TRACK | {"writeKey": "anything"}),
    ]

    assert [r.json() for r in responses] == [{"success": True}] * 2
    warning = (
        "accepting any write key {} (--allow-any-write-key): anyone who can reach"
        " this port can add events; configure write keys outside development"
    )
    collector_warnings = [r for r in caplog.records if r.name == "api.collector"]
    assert [r.getMessage() for r in collector_warnings] == [
        warning.format("on start"),
        warning.format("for this request"),
        warning.format("for this request"),
    ]
    assert all(r.levelname == "WARNING" for r in collector_warnings)


def test_api_docs_are_served_where_the_readme_says(tmp_path: Path) -> None:
    app = create_app(CollectorConfig(tmp_path, write_keys=frozenset({"wk"})))
    client = TestClient(app)

    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/v1/{call}", "/webhooks/email"}
