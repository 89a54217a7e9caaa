"""Small landing files in each vendor's format, built by hand for the tests."""

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from data_contracts.entities import SHOP_CUSTOMER_FIELDS, SHOP_ORDER_FIELDS


def _names(fields: str) -> list[str]:
    return [name.strip() for name in fields.split(",") if name.strip()]


CUSTOMER_HEADER = _names(SHOP_CUSTOMER_FIELDS)
ORDER_HEADER = _names(SHOP_ORDER_FIELDS)


def csv_bytes(header: list[str], rows: list[dict], newline: str = "\n") -> bytes:
    """A CSV with every cell quoted only when needed, like Shopify writes it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator=newline, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def customers_csv() -> bytes:
    """Three customers, BOM and CRLF; the first Note spans three lines."""
    rows = [
        {
            "Customer ID": "'7210448301122",
            "First Name": "Ann",
            "Last Name": "O'Neil",
            "Email": "ann@example.com",
            "Accepts Email Marketing": "yes",
            "Default Address Zip": "'02134",
            "Total Spent": "120.50",
            "Total Orders": "2",
            "Note": 'first line\r\nsecond, with comma\r\n"quoted" third',
            "Tags": "VIP, Winter 2024",
        },
        {"Customer ID": "'7210448301123", "First Name": "Bo", "Phone": "+4930123"},
        {"Customer ID": "'7210448301124", "First Name": "Cy", "Note": "one\r\ntwo"},
    ]
    return b"\xef\xbb\xbf" + csv_bytes(CUSTOMER_HEADER, rows, newline="\r\n")


def orders_csv() -> bytes:
    """Two orders: #1001 with three line items, #1002 with two.

    Columns come in a different order than the export's, one is missing
    (Payment References) and one is new (Lineitem image), to prove that
    columns are matched by name.
    """
    header = [n for n in ORDER_HEADER if n != "Payment References"]
    header = ["Id", *[n for n in header if n != "Id"], "Lineitem image"]
    first = {
        "Name": "#1001",
        "Email": "ann@example.com",
        "Financial Status": "paid",
        "Currency": "EUR",
        "Total": "57.00",
        "Created at": "2024-01-05 13:45:12 -0600",
        "Id": "5123456789",
        "Tax 1 Name": "VAT 19%",
    }
    second = {
        "Name": "#1002",
        "Email": "",
        "Financial Status": "pending",
        "Created at": "2024-01-06 09:00:00 -0600",
        "Id": "5123456790",
    }
    rows = []
    for order, items in ((first, 3), (second, 2)):
        for item in range(1, items + 1):
            repeated = {k: order[k] for k in ("Name", "Email", "Created at")}
            row = dict(order) if item == 1 else repeated
            row.update(
                {
                    "Lineitem quantity": str(item),
                    "Lineitem name": f"Item {item}",
                    "Lineitem price": "9.50",
                    "Lineitem sku": f"SKU-{item}",
                    "Lineitem image": "https://cdn.example/x.png",
                }
            )
            rows.append(row)
    return csv_bytes(header, rows)


def zendesk_users_page() -> bytes:
    users = [
        {
            "id": 9000000000001,
            "url": "https://acme.zendesk.com/api/v2/users/9000000000001.json",
            "name": "Ann O'Neil",
            "email": "ann@example.com",
            "phone": None,
            "role": "end-user",
            "created_at": "2024-01-01T10:00:00Z",
            "updated_at": "2024-01-02T10:00:00Z",
            "time_zone": "Berlin",
            "iana_time_zone": "Europe/Berlin",
            "locale": "de",
            "organization_id": None,
            "external_id": "7210448301122",
            "tags": ["vip", "de"],
            "active": True,
            "verified": False,
            "user_fields": {"plan": "gold"},
            "shared": False,
        },
        {"id": 9000000000002, "name": "Agent Zoë", "role": "agent", "tags": []},
    ]
    page = {
        "users": users,
        "next_page": "https://acme.zendesk.com/api/v2/incremental/users.json?x=1",
        "count": 2,
        "end_of_stream": True,
        "end_time": 1704103200,
    }
    return json.dumps(page, indent=2, ensure_ascii=False).encode("utf-8")


def zendesk_tickets_page() -> bytes:
    ticket = {
        "id": 42,
        "via": {"channel": "email", "source": {"from": {}}},
        "status": "open",
        "subject": "Where is my order?",
        "requester_id": 9000000000001,
        "tags": ["shipping"],
        "custom_fields": [{"id": 1, "value": None}],
        "satisfaction_rating": {"score": "offered"},
        "type": None,
    }
    return json.dumps({"tickets": [ticket], "count": 1}).encode("utf-8")


AUDIENCE_MERGE = [
    "Email Address",
    "First Name",
    "Last Name",
    "Address",
    "Phone Number",
    "Birthday",
]
AUDIENCE_SYSTEM = {
    "subscribed": "MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,"
    "LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,"
    "NOTES,TAGS",
    "unsubscribed": "MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,"
    "LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,UNSUB_TIME,"
    "UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER,LEID,"
    "EUID,NOTES,TAGS",
    "cleaned": "MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,"
    "LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,"
    "CLEAN_CAMPAIGN_ID,LEID,EUID,NOTES,TAGS",
}


def audience_zip() -> bytes:
    """An audience export: two subscribed, one unsubscribed, one cleaned member."""
    members = {
        "subscribed": [
            {
                "Email Address": "ann@example.com",
                "Address": "Main St 1  Berlin  10115  DE",
                "MEMBER_RATING": "4",
                "OPTIN_TIME": "",
                "LAST_CHANGED": "2024-01-03 08:00:00",
                "LEID": "111",
                "TAGS": '"VIP","Winter 2024"',
            },
            {"Email Address": "bo@example.com", "LEID": "112"},
        ],
        "unsubscribed": [
            {"Email Address": "cy@example.com", "UNSUB_TIME": "2024-02-01 00:00:00"}
            | {"UNSUB_REASON": "NORMAL", "LEID": "113"}
        ],
        "cleaned": [{"Email Address": "dx@example.com", "LEID": "114"}],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for status, rows in members.items():
            header = AUDIENCE_MERGE + AUDIENCE_SYSTEM[status].split(",")
            archive.writestr(f"{status}_members_export_1.csv", csv_bytes(header, rows))
    return out.getvalue()


def sendgrid_events() -> bytes:
    events = [
        {
            "email": "ann@example.com",
            "timestamp": 1704103200,
            "event": "processed",
            "sg_event_id": "ev-1",
            "sg_message_id": "msg-1",
            "smtp-id": "<msg-1@example.com>",
            "category": "newsletter",
            "pool": {"name": "p", "id": 1},
            "campaign": "winter",
            "user_id": 7,
        },
        {
            "email": "ann@example.com",
            "timestamp": 1704103260,
            "event": "click",
            "sg_event_id": "ev-2",
            "category": ["newsletter", "winter"],
            "url": "https://shop.example/?utm_source=mail",
            "url_offset": {"index": 0, "type": "html"},
            "tls": 1,
        },
        {
            "email": "bo@example.com",
            "timestamp": 1704103300,
            "event": "bounce",
            "sg_event_id": "ev-3",
            "status": "5.1.1",
            "type": "bounce",
            "reason": "550 no such user",
        },
    ]
    return json.dumps(events).encode("utf-8")


def segment_events(day: str = "2024-01-01") -> bytes:
    """Identify, track and page calls; one blank line; one unknown key."""
    common = {"receivedAt": f"{day}T10:00:01.500Z", "sentAt": f"{day}T10:00:01Z"}
    # Message ids are unique per day, so that days do not deduplicate each other.
    suffix = "" if day == "2024-01-01" else f"@{day}"
    events = [
        {
            "type": "identify",
            "messageId": f"m-1{suffix}",
            "anonymousId": "a-1",
            "userId": "7210448301122",
            "traits": {"email": "ann@example.com", "firstName": "Ann"},
            "context": {"ip": "10.0.0.1", "library": {"name": "analytics.js"}},
            "timestamp": f"{day}T10:00:00Z",
            "writeKey": "wk-1",
            **common,
        },
        {
            "type": "track",
            "messageId": f"m-2{suffix}",
            "anonymousId": "a-1",
            "event": "Order Completed",
            "properties": {"revenue": 57.0, "currency": "EUR"},
            "version": 2,
            "integrations": {},
            **common,
        },
        {
            "type": "page",
            "messageId": f"m-3{suffix}",
            "anonymousId": "a-2",
            "userId": None,
            "name": "Home",
            "category": None,
            "properties": {"path": "/", "title": "Zoë's shop"},
            **common,
        },
    ]
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    # A blank line between the second and third event: numbering continues.
    return ("\n".join([*lines[:2], "", lines[2]]) + "\n").encode("utf-8")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing folder with one file of every entity."""
    root = tmp_path / "landing"
    write(root / "shop" / "customers_export.csv", customers_csv())
    write(root / "shop" / "orders_export_1.csv", orders_csv())
    write(root / "shop" / "README.txt", b"not a landing file")
    write(root / "support" / "users-0001.json", zendesk_users_page())
    write(root / "support" / "tickets-0001.json", zendesk_tickets_page())
    write(root / "email" / "audience_export.zip", audience_zip())
    write(root / "email" / "sendgrid-events-0001.json", sendgrid_events())
    write(root / "web" / "events-2024-01-01.ndjson", segment_events())
    write(
        root / "web" / "events-2024-01-02.ndjson.gz",
        gzip.compress(segment_events("2024-01-02")),
    )
    return root


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """Query results as dicts, fully fetched."""
    relation = con.execute(sql)
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
