"""The collector over HTTP: status codes, exact messages, and what lands."""

import base64
import gzip
import json
import os
from pathlib import Path

import duckdb
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from api.collector import CollectorConfig, create_app
from data_contracts.loader import load_landing

WRITE_KEY = "wk-test"


def _client(landing: Path, **config) -> TestClient:
    settings = CollectorConfig(
        landing_dir=landing, write_keys=frozenset({WRITE_KEY}), **config
    )
    return TestClient(create_app(settings))


def _track(n: int = 1, **fields) -> dict:
    return {
        "type": "track",
        "messageId": f"msg-{n}",
        "anonymousId": "anon-1",
        "event": "Product Viewed",
        "timestamp": "2024-03-01T10:00:00.000Z",
        "sentAt": "2024-03-01T10:00:01.000Z",
        **fields,
    }


def _lines(landing: Path) -> list[dict]:
    files = sorted((landing / "web").glob("collected-*.ndjson"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


def test_batch_is_written_durably_and_stamped(landing: Path) -> None:
    body = {"batch": [_track(1), _track(2)], "writeKey": WRITE_KEY}

    response = _client(landing).post("/v1/batch", json=body)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    lines = _lines(landing)
    assert [e["messageId"] for e in lines] == ["msg-1", "msg-2"]
    assert all("receivedAt" in e and "writeKey" not in e for e in lines)
    # The device clock's skew is removed: timestamp = receivedAt - 1 s.
    assert lines[0]["originalTimestamp"] == "2024-03-01T10:00:00.000Z"
    assert lines[0]["timestamp"] < lines[0]["receivedAt"]


@pytest.mark.parametrize("path", ["/v1/track", "/v1/t"])
def test_browser_text_plain_and_short_path(landing: Path, path: str) -> None:
    body = json.dumps(_track() | {"writeKey": WRITE_KEY})

    response = _client(landing).post(
        path, content=body, headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 200
    assert _lines(landing)[0]["type"] == "track"


def test_gzip_body_and_basic_auth(landing: Path) -> None:
    body = gzip.compress(json.dumps({"batch": [_track()]}).encode())
    auth = base64.b64encode(f"{WRITE_KEY}:".encode()).decode()

    response = _client(landing).post(
        "/v1/batch",
        content=body,
        headers={
            "Content-Encoding": "gzip",
            "Content-Type": "application/json",
            "Authorization": f"Basic {auth}",
        },
    )

    assert response.status_code == 200
    assert len(_lines(landing)) == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        # Malformed JSON.
        (
            "/v1/track",
            b'{"type": ',
            400,
            {
                "code": "invalid_json",
                "message": "The body is not valid JSON (Expecting value:"
                " line 1 column 10 (char 9)).",
            },
        ),
        # A track call without its event name.
        (
            "/v1/track",
            _track(event=None) | {"writeKey": WRITE_KEY},
            400,
            {
                "code": "missing_field",
                "message": 'The field "event" of the track call is required.',
            },
        ),
        # Neither anonymousId nor userId.
        (
            "/v1/batch",
            {"batch": [_track(), _track(anonymousId=None)], "writeKey": WRITE_KEY},
            400,
            {
                "code": "missing_field",
                "message": 'The batch item 2 needs "anonymousId" or "userId".',
            },
        ),
        # Wrong write key.
        (
            "/v1/track",
            _track() | {"writeKey": "nope"},
            401,
            {"code": "invalid_write_key", "message": "The write key is not valid."},
        ),
        # No write key at all.
        (
            "/v1/track",
            _track(),
            401,
            {
                "code": "missing_write_key",
                "message": "Send the write key as the body's writeKey or as the"
                " basic auth user.",
            },
        ),
        # One event over 32 KB.
        (
            "/v1/track",
            _track(properties={"blob": "x" * 33_000}) | {"writeKey": WRITE_KEY},
            413,
            {
                "code": "event_too_large",
                "message": "The event is over 32 KB, the limit.",
            },
        ),
        # Over 2,500 events, each small enough, the whole under 500 KB.
        (
            "/v1/batch",
            {"batch": [{"type": "page"}] * 2_501, "writeKey": WRITE_KEY},
            413,
            {
                "code": "batch_too_large",
                "message": "The batch holds 2501 events; the limit is 2,500.",
            },
        ),
        # A batch over 500 KB.
        (
            "/v1/batch",
            {
                "batch": [_track(i, properties={"b": "x" * 30_000}) for i in range(20)],
                "writeKey": WRITE_KEY,
            },
            413,
            {
                "code": "batch_too_large",
                "message": "The batch is over 500 KB, the limit.",
            },
        ),
    ],
)
def test_refusals(
    landing: Path, path: str, body: bytes | dict, status: int, error: dict
) -> None:
    client = _client(landing)
    if isinstance(body, bytes):
        response = client.post(path, content=body)
    else:
        response = client.post(path, json=body)

    assert response.status_code == status
    assert error.items() <= response.json().items()
    assert set(response.json()) == {"code", "message"}
    assert _lines(landing) == []


def test_cors_preflight_for_configured_origin(landing: Path) -> None:
    client = _client(landing, cors_origins=("https://shop.example.com",))

    response = client.options(
        "/v1/t",
        headers={
            "Origin": "https://shop.example.com",
            "Access-Control-Request-Method": "POST",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://shop.example.com"


def _signing_key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()


def _email_events() -> bytes:
    event = {"email": "a@example.com", "timestamp": 1709287200, "event": "open"}
    return json.dumps([event | {"sg_event_id": "sg-1"}]).encode()


def test_signed_email_webhook_is_accepted(landing: Path) -> None:
    private, public = _signing_key()
    body, timestamp = _email_events(), "1709287200"
    signed = private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))

    response = _client(landing, sendgrid_public_key=public).post(
        "/webhooks/email",
        content=body,
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signed).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        },
    )

    assert response.status_code == 200
    files = list((landing / "email").glob("sendgrid-events-*.json"))
    assert [f.read_bytes() for f in files] == [body]


def test_tampered_email_webhook_is_refused(landing: Path) -> None:
    private, public = _signing_key()
    body, timestamp = _email_events(), "1709287200"
    signed = private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))

    response = _client(landing, sendgrid_public_key=public).post(
        "/webhooks/email",
        content=body.replace(b"open", b"click"),
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signed).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        },
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_signature",
        "message": "The webhook signature does not match the body.",
    }


def test_accepted_events_reach_raw_once(landing: Path) -> None:
    client = _client(landing)
    # The same messageId twice (a client retry): accepted both times.
    for _ in range(2):
        body = {"batch": [_track(1), _track(2)], "writeKey": WRITE_KEY}
        assert client.post("/v1/batch", json=body).status_code == 200
    client.post("/webhooks/email", content=_email_events())

    with duckdb.connect() as con:
        loads = load_landing(con, landing, ["web", "email"])
        web = con.sql("select message_id from raw.web_events order by 1").fetchall()
        email = con.sql("select sg_event_id from raw.email_events").fetchall()

    assert web == [("msg-1",), ("msg-2",)]
    assert email == [("sg-1",)]
    collected = next(x for x in loads if "collected-" in x.file_path)
    assert (collected.rows_read, collected.rows_loaded) == (4, 2)
    assert collected.duplicates_skipped == 2


def test_gzip_bomb_is_refused_without_inflating_it_all(landing: Path) -> None:
    # 50 MB of spaces compress to about 50 KB.
    body = gzip.compress(b'{"batch": [' + b" " * 50_000_000 + b"]}")

    response = _client(landing).post(
        "/v1/batch", content=body, headers={"Content-Encoding": "gzip"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"


def test_batch_item_over_32_kb_is_refused(landing: Path) -> None:
    big = _track(2, properties={"blob": "x" * 33_000})
    body = {"batch": [_track(1), big], "writeKey": WRITE_KEY}

    response = _client(landing).post("/v1/batch", json=body)

    assert response.status_code == 413
    assert response.json()["message"].startswith("The batch item 2 is 33")
    assert response.json()["message"].endswith(" bytes; the limit is 32 KB.")


def test_cli_names_a_bad_sendgrid_key(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from orchestration.cli import main

    key_file = tmp_path / "sendgrid.key"
    key_file.write_text("not a key")
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(
        main,
        ["collector", "--write-key", WRITE_KEY, "--sendgrid-key-file", str(key_file)],
    )

    assert result.exit_code == 1
    assert result.output == (
        f"Error: The SendGrid verification key in {key_file} is not an EC public"
        " key in base64 DER or PEM; copy it again from SendGrid's Mail Settings.\n"
    )


def test_a_failed_append_leaves_no_half_line(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    import api.landing_writer as landing_writer

    writer = landing_writer.LandingWriter(tmp_path)
    received = datetime(2024, 1, 1, tzinfo=UTC)
    path = writer.append_web_events([{"messageId": "m-1"}], received)
    before = path.read_bytes()
    real_write = os.write

    def disk_fills_up(fd, data):
        real_write(fd, bytes(data[:7]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(landing_writer.os, "write", disk_fills_up)
    with pytest.raises(OSError, match="No space left"):
        writer.append_web_events([{"messageId": "m-2"}], received)
    monkeypatch.setattr(landing_writer.os, "write", real_write)
    writer.append_web_events([{"messageId": "m-3"}], received)

    assert path.read_bytes() == before + b'{"messageId":"m-3"}\n'
