"""Every landing file parses in its vendor's format (shared/formats.md)."""

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

CUSTOMER_HEADER = [
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
]
ORDER_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
]
# Order-level fields that must be empty on an order's second and later rows.
ORDER_LEVEL = [
    "Financial Status",
    "Subtotal",
    "Total",
    "Id",
    "Billing Name",
    "Refunded Amount",
    "Currency",
    "Shipping",
]
MERGE = [
    "Email Address",
    "First Name",
    "Last Name",
    "Address",
    "Phone Number",
    "Birthday",
]
SYSTEM = [
    "MEMBER_RATING",
    "OPTIN_TIME",
    "OPTIN_IP",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "LATITUDE",
    "LONGITUDE",
    "GMTOFF",
    "DSTOFF",
    "TIMEZONE",
    "CC",
    "REGION",
]
TAIL = ["LEID", "EUID", "NOTES", "TAGS"]
MEMBER_HEADERS = {
    "subscribed": MERGE + SYSTEM + ["LAST_CHANGED"] + TAIL,
    "unsubscribed": MERGE
    + SYSTEM
    + [
        "UNSUB_TIME",
        "UNSUB_CAMPAIGN_TITLE",
        "UNSUB_CAMPAIGN_ID",
        "UNSUB_REASON",
        "UNSUB_REASON_OTHER",
    ]
    + TAIL,
    "cleaned": MERGE
    + SYSTEM
    + ["CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"]
    + TAIL,
}
SHOP_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")
SENDGRID_EXTRA = {
    "processed": {"pool"},
    "dropped": {"reason", "status"},
    "delivered": {"response", "ip", "tls"},
    "deferred": {"response", "attempt", "ip", "tls"},
    "bounce": {"reason", "status", "type", "bounce_classification"},
    "open": {"useragent", "ip", "sg_machine_open"},
    "click": {"useragent", "ip", "url", "url_offset"},
    "spamreport": set(),
    "unsubscribe": set(),
}


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_landing_file_names(landing):
    names = {
        p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()
    }
    patterns = [
        r"shop/customers_export.*\.csv",
        r"shop/orders_export_.*\.csv",
        r"support/users-.*\.json",
        r"support/tickets-.*\.json",
        r"email/audience_export.*\.zip",
        r"email/sendgrid-events-.*\.json",
        r"web/events-\d{4}-\d\d-\d\d\.ndjson",
    ]
    for name in names:
        assert any(re.fullmatch(p, name) for p in patterns), name
    for pattern in patterns:
        assert any(re.fullmatch(pattern, n) for n in names), pattern


def test_shop_customers(landing):
    header, rows = read_csv(landing / "shop" / "customers_export.csv")
    assert header == CUSTOMER_HEADER
    ids = [r["Customer ID"].lstrip("'") for r in rows]
    assert len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)
    assert any(r["Customer ID"].startswith("'") for r in rows)
    assert any(r["Default Address Zip"].startswith("'") for r in rows)
    assert any("\n" in r["Note"] for r in rows)
    assert any("," in r["Tags"] for r in rows)
    emails = [r["Email"] for r in rows if r["Email"]]
    assert len(emails) == len(set(emails)), "Shopify emails are unique"
    assert any(not r["Email"] for r in rows)
    assert {r["Accepts Email Marketing"] for r in rows} <= {"yes", "no"}
    assert all(re.fullmatch(r"\d+\.\d\d", r["Total Spent"]) for r in rows)


def test_shop_orders_grouping(landing):
    header, rows = read_csv(landing / "shop" / "orders_export_1.csv")
    assert header == ORDER_HEADER and len(header) == 79
    groups = defaultdict(list)
    order_of_names = []
    for row in rows:
        if not groups[row["Name"]]:
            order_of_names.append(row["Name"])
        groups[row["Name"]].append(row)
    # Rows of one order are contiguous.
    names = [r["Name"] for r in rows]
    starts = [i for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert len(starts) == len(groups)
    for name, items in groups.items():
        first, rest = items[0], items[1:]
        assert re.fullmatch(r"#\d+", name)
        assert first["Id"].isdigit() and first["Financial Status"]
        assert SHOP_TIME.match(first["Created at"])
        assert 1 <= len(items) <= 5
        for row in rest:
            assert all(row[c] == "" for c in ORDER_LEVEL), row
            assert row["Email"] == first["Email"]
            assert row["Created at"] == first["Created at"]
            assert row["Lineitem name"] and row["Lineitem quantity"]
        items_total = sum(
            int(r["Lineitem quantity"]) * float(r["Lineitem price"]) for r in items
        )
        subtotal = items_total - float(first["Discount Amount"] or 0)
        assert abs(subtotal - float(first["Subtotal"])) < 0.011
        total = (
            float(first["Subtotal"]) + float(first["Shipping"]) + float(first["Taxes"])
        )
        assert abs(total - float(first["Total"])) < 0.011
    statuses = {g[0]["Financial Status"] for g in groups.values()}
    assert statuses <= {
        "pending",
        "authorized",
        "partially_paid",
        "paid",
        "partially_refunded",
        "refunded",
        "voided",
    }
    assert any(len(g) > 1 for g in groups.values())


def _pages(landing: Path, kind: str) -> list[dict]:
    files = sorted((landing / "support").glob(f"{kind}-*.json"))
    assert files
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


@pytest.mark.parametrize("kind", ["users", "tickets"])
def test_zendesk_envelopes(landing, kind):
    pages = _pages(landing, kind)
    for i, page in enumerate(pages):
        assert set(page) == {kind, "next_page", "count", "end_of_stream", "end_time"}
        assert page["count"] == len(page[kind]) <= 1000
        assert page["end_of_stream"] is (i == len(pages) - 1)
        assert isinstance(page["end_time"], int)
    records = [r for page in pages for r in page[kind]]
    by_id = defaultdict(list)
    for record in records:
        assert ISO_Z.match(record["created_at"]) and ISO_Z.match(record["updated_at"])
        by_id[record["id"]].append(record)
    repeated = [v for v in by_id.values() if len(v) > 1]
    assert repeated, "some records reappear on a later page"
    for versions in repeated:
        assert versions[-1]["updated_at"] > versions[0]["updated_at"]


def test_zendesk_records(landing):
    users = [u for p in _pages(landing, "users") for u in p["users"]]
    assert {u["role"] for u in users} == {"end-user", "agent", "admin"}
    tickets = [t for p in _pages(landing, "tickets") for t in p["tickets"]]
    user_ids = {u["id"] for u in users}
    scores = set()
    for t in tickets:
        assert t["requester_id"] in user_ids
        assert t["status"] in {"new", "open", "pending", "hold", "solved", "closed"}
        assert t["priority"] in {"urgent", "high", "normal", "low", None}
        rating = t["satisfaction_rating"]
        scores.add(rating["score"])
        if rating["score"] in ("good", "bad"):
            assert set(rating) == {"id", "score", "comment"}
        else:
            assert rating == {"score": rating["score"]}
    assert scores == {"offered", "unoffered", "good", "bad"}


def test_mailchimp_zip(landing):
    path = landing / "email" / "audience_export.zip"
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
        assert len(members) == 3
        for status, expected in MEMBER_HEADERS.items():
            (name,) = [m for m in members if m.startswith(f"{status}_")]
            assert name.endswith(".csv")
            text = archive.read(name).decode("utf-8-sig")
            reader = csv.DictReader(io.StringIO(text, newline=""))
            assert reader.fieldnames == expected
            rows = list(reader)
            assert rows
            for row in rows:
                assert row["LEID"].isdigit()
                assert row["MEMBER_RATING"] in {"1", "2", "3", "4", "5"}
            assert any(r["OPTIN_TIME"] == "" for r in rows) or status != "subscribed"
            assert any('"VIP"' in r["TAGS"] for r in rows)


def test_sendgrid_batches(landing):
    files = sorted((landing / "email").glob("sendgrid-events-*.json"))
    events = [e for f in files for e in json.loads(f.read_text(encoding="utf-8"))]
    ids = [e["sg_event_id"] for e in events]
    assert len(ids) > len(set(ids)), "a few events are repeated"
    kinds = set()
    for event in events:
        assert {"email", "timestamp", "event", "sg_event_id"} <= set(event)
        assert isinstance(event["timestamp"], int)
        kinds.add(event["event"])
        extra = SENDGRID_EXTRA[event["event"]]
        assert extra <= set(event), event
        assert isinstance(event.get("category", ""), (str, list))
    assert {"processed", "delivered", "open", "click", "bounce", "unsubscribe"} <= kinds
    times = [e["timestamp"] for e in events]
    assert times != sorted(times), "webhook batches are unordered"


def test_segment_ndjson(landing):
    files = sorted((landing / "web").glob("events-*.ndjson"))
    assert len(files) > 300
    types = set()
    events = set()
    for path in files[::7]:
        day = path.name[len("events-") : -len(".ndjson")]
        for line in path.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            types.add(e["type"])
            assert e["anonymousId"] or e["userId"]
            for key in (
                "messageId",
                "timestamp",
                "originalTimestamp",
                "sentAt",
                "receivedAt",
                "context",
            ):
                assert key in e
            assert ISO_Z.match(e["receivedAt"]) and e["receivedAt"][:10] == day
            assert {"ip", "userAgent", "locale", "library", "page"} <= set(e["context"])
            if e["type"] == "track":
                events.add(e["event"])
                if e["event"] == "Order Completed":
                    assert {"revenue", "currency"} <= set(e["properties"])
            if e["type"] == "identify":
                assert e["userId"] or e["traits"]["email"]
    assert {"identify", "track", "page"} <= types
    assert {"Product Viewed", "Product Added", "Order Completed"} <= events
