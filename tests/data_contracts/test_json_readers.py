import gzip
import json

import pytest

from data_contracts.entities import ENTITIES
from data_contracts.errors import LandingFileError
from data_contracts.readers import read_landing_file
from tests.data_contracts.conftest import (
    segment_events,
    sendgrid_events,
    zendesk_tickets_page,
    zendesk_users_page,
)

ENTITY = {e.table: e for e in ENTITIES}


def test_zendesk_users_page() -> None:
    frame = read_landing_file(
        zendesk_users_page(), ENTITY["support_users"], "support/users-0001.json"
    )

    ann, agent = frame.rows(named=True)
    assert ann["id"] == "9000000000001"
    assert ann["name"] == "Ann O'Neil"
    assert ann["phone"] is None  # JSON null is SQL NULL
    assert ann["active"] == "true"
    assert ann["verified"] == "false"
    assert json.loads(ann["tags"]) == ["vip", "de"]
    assert json.loads(ann["user_fields"]) == {"plan": "gold"}
    assert agent["name"] == "Agent Zoë"
    assert agent["email"] is None  # missing key is NULL too
    assert agent["tags"] == "[]"
    assert frame["_source_line"].to_list() == [1, 2]
    assert "shared" not in frame.columns


def test_zendesk_tickets_page() -> None:
    frame = read_landing_file(
        zendesk_tickets_page(), ENTITY["support_tickets"], "support/tickets-0001.json"
    )

    ticket = frame.row(0, named=True)
    assert ticket["id"] == "42"
    assert ticket["type"] is None
    assert json.loads(ticket["via"]) == {"channel": "email", "source": {"from": {}}}
    assert json.loads(ticket["custom_fields"]) == [{"id": 1, "value": None}]
    assert json.loads(ticket["satisfaction_rating"]) == {"score": "offered"}


def test_sendgrid_custom_arguments_go_to_extra() -> None:
    frame = read_landing_file(
        sendgrid_events(), ENTITY["email_events"], "email/sendgrid-events-0001.json"
    )

    processed, click, bounce = frame.rows(named=True)
    assert processed["smtp_id"] == "<msg-1@example.com>"
    assert processed["timestamp"] == "1704103200"
    assert json.loads(processed["category"]) == "newsletter"
    assert processed["pool"] == '{"name":"p","id":1}'  # an object in a text column
    assert json.loads(processed["_extra"]) == {"campaign": "winter", "user_id": 7}
    assert json.loads(click["category"]) == ["newsletter", "winter"]
    assert json.loads(click["url_offset"]) == {"index": 0, "type": "html"}
    assert click["tls"] == "1"
    assert click["_extra"] is None  # nothing unknown
    assert bounce["status"] == "5.1.1"
    assert bounce["type"] == "bounce"
    assert frame["_source_line"].to_list() == [1, 2, 3]


@pytest.mark.parametrize("compressed", [False, True])
def test_segment_ndjson(compressed: bool) -> None:
    data = segment_events()
    name = "web/events-2024-01-01.ndjson"
    if compressed:
        data, name = gzip.compress(data), name + ".gz"

    frame = read_landing_file(data, ENTITY["web_events"], name)

    identify, track, page = frame.rows(named=True)
    assert [r["type"] for r in (identify, track, page)] == ["identify", "track", "page"]
    assert identify["message_id"] == "m-1"
    assert identify["anonymous_id"] == "a-1"
    assert identify["user_id"] == "7210448301122"
    assert identify["received_at"] == "2024-01-01T10:00:01.500Z"
    assert json.loads(identify["traits"]) == {
        "email": "ann@example.com",
        "firstName": "Ann",
    }
    assert json.loads(identify["_extra"]) == {"writeKey": "wk-1"}
    assert track["event"] == "Order Completed"
    assert track["version"] == "2"
    assert json.loads(track["properties"]) == {"revenue": 57.0, "currency": "EUR"}
    assert track["integrations"] == "{}"
    assert track["_extra"] is None
    assert page["user_id"] is None
    assert page["name"] == "Home"
    assert json.loads(page["properties"])["title"] == "Zoë's shop"
    # Line 3 is blank: the page call is on line 4.
    assert frame["_source_line"].to_list() == [1, 2, 4]
    assert frame["_source_file"].unique().to_list() == [name]


def test_ndjson_with_crlf_and_bom() -> None:
    data = b'\xef\xbb\xbf{"messageId":"m-1"}\r\n{"messageId":"m-2"}\r\n'

    frame = read_landing_file(
        data, ENTITY["web_events"], "web/events-2024-01-01.ndjson"
    )

    assert frame["message_id"].to_list() == ["m-1", "m-2"]
    assert frame["_source_line"].to_list() == [1, 2]


NDJSON = "web/events-2024-01-01.ndjson"
NDJSON_GZ = "web/events-2024-01-01.ndjson.gz"
SENDGRID = "email/sendgrid-events-0001.json"
USERS = "support/users-0001.json"


@pytest.mark.parametrize(
    ("data", "entity", "name", "problem"),
    [
        # Blank lines only.
        (b"\n\r\n", "web_events", NDJSON, "the file is empty"),
        (b"", "web_events", NDJSON, "the file is empty"),
        # Latin-1 inside a line.
        (b'{"a":"caf\xe9"}\n', "web_events", NDJSON, "it is not valid UTF-8"),
        # Plain text under a .gz name.
        (b'{"a":1}\n', "web_events", NDJSON_GZ, "it is not a valid gzip file"),
        # A gzip stream cut short.
        (
            gzip.compress(b'{"a":1}\n' * 100)[:20],
            "web_events",
            NDJSON_GZ,
            "it is not a valid gzip file",
        ),
        (b'[{"email": "a"', "email_events", SENDGRID, "it is not valid JSON"),
        (b'{"email": "a"}', "email_events", SENDGRID, "it is not a JSON array"),
        (b'[{"email": "a"}, 5]', "email_events", SENDGRID, "item 2 is not an object"),
        (b'{"tickets": []}', "support_users", USERS, 'it has no "users" list'),
        (b"   ", "support_users", USERS, "the file is empty"),
    ],
)
def test_unreadable_json_raises_clear_error(
    data: bytes, entity: str, name: str, problem: str
) -> None:
    with pytest.raises(LandingFileError) as raised:
        read_landing_file(data, ENTITY[entity], name)

    message = str(raised.value)
    assert message.startswith(f"Cannot load landing file {name}: {problem}")
    assert message.endswith(".")
    assert raised.value.file_path == name


def test_ndjson_line_with_leading_space_is_an_object() -> None:
    data = b'  {"messageId":"m-1"}\n\t{"messageId":"m-2"}\n'

    frame = read_landing_file(data, ENTITY["web_events"], NDJSON)

    assert frame["message_id"].to_list() == ["m-1", "m-2"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        # A truncated object on line 2.
        (b'{"type":"page"}\n{"a":\n{"type":"track"}\n', "line is not valid JSON"),
        # Valid JSON that is not an object.
        (b'{"type":"page"}\n[1,2]\n{"type":"track"}\n', "line is not a JSON object"),
    ],
)
def test_broken_ndjson_line_is_a_row_with_its_error(data: bytes, problem: str) -> None:
    frame = read_landing_file(data, ENTITY["web_events"], NDJSON)

    assert frame["type"].to_list() == ["page", None, "track"]
    assert frame["_source_line"].to_list() == [1, 2, 3]
    assert frame["_parse_error"].to_list() == [None, problem, None]
    assert frame["_raw_line"].to_list()[1] == data.split(b"\n")[1].decode()
