"""A warehouse built by `dbt build` from small hand-written raw tables.

The warehouse is a temporary DuckDB file holding raw.* in vendor text form
and an identity.record_to_customer table standing in for the identity step.
One `dbt build` (models, seed and all data tests) runs per session, in this
process through dbtRunner, with target and log folders inside the temporary
folder so the work tree stays clean.

Every value is text as the vendor wrote it (see docs/landing-and-raw.md):
CSV sources use empty strings for empty cells, JSON sources use NULL for a
missing key and JSON text for nested objects.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from orchestration.transforms.paths import dbt_project_args

SHOP_CUSTOMER_COLUMNS = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "accepts_email_marketing",
    "default_address_company",
    "default_address_address1",
    "default_address_address2",
    "default_address_city",
    "default_address_province_code",
    "default_address_country_code",
    "default_address_zip",
    "default_address_phone",
    "phone",
    "accepts_sms_marketing",
    "total_spent",
    "total_orders",
    "note",
    "tax_exempt",
    "tags",
]

SHOP_ORDER_COLUMNS = [
    "name",
    "email",
    "financial_status",
    "paid_at",
    "fulfillment_status",
    "fulfilled_at",
    "accepts_marketing",
    "currency",
    "subtotal",
    "shipping",
    "taxes",
    "total",
    "discount_code",
    "discount_amount",
    "shipping_method",
    "created_at",
    "lineitem_quantity",
    "lineitem_name",
    "lineitem_price",
    "lineitem_compare_at_price",
    "lineitem_sku",
    "lineitem_requires_shipping",
    "lineitem_taxable",
    "lineitem_fulfillment_status",
    "billing_name",
    "billing_street",
    "billing_address1",
    "billing_address2",
    "billing_company",
    "billing_city",
    "billing_zip",
    "billing_province",
    "billing_country",
    "billing_phone",
    "shipping_name",
    "shipping_street",
    "shipping_address1",
    "shipping_address2",
    "shipping_company",
    "shipping_city",
    "shipping_zip",
    "shipping_province",
    "shipping_country",
    "shipping_phone",
    "notes",
    "note_attributes",
    "cancelled_at",
    "payment_method",
    "payment_reference",
    "refunded_amount",
    "vendor",
    "outstanding_balance",
    "employee",
    "location",
    "device_id",
    "id",
    "tags",
    "risk_level",
    "source",
    "lineitem_discount",
    "tax_1_name",
    "tax_1_value",
    "tax_2_name",
    "tax_2_value",
    "tax_3_name",
    "tax_3_value",
    "tax_4_name",
    "tax_4_value",
    "tax_5_name",
    "tax_5_value",
    "phone",
    "receipt_number",
    "duties",
    "billing_province_name",
    "shipping_province_name",
    "payment_id",
    "payment_terms_name",
    "next_payment_due_at",
    "payment_references",
]

SUPPORT_USER_COLUMNS = {
    **dict.fromkeys(
        [
            "id",
            "url",
            "name",
            "email",
            "phone",
            "role",
            "created_at",
            "updated_at",
            "time_zone",
            "iana_time_zone",
            "locale",
            "organization_id",
            "external_id",
            "active",
            "verified",
        ],
        "VARCHAR",
    ),
    "tags": "JSON",
    "user_fields": "JSON",
}

SUPPORT_TICKET_COLUMNS = {
    **dict.fromkeys(
        [
            "id",
            "url",
            "external_id",
            "created_at",
            "updated_at",
            "type",
            "subject",
            "description",
            "priority",
            "status",
            "requester_id",
            "submitter_id",
            "assignee_id",
            "organization_id",
            "group_id",
            "brand_id",
            "ticket_form_id",
        ],
        "VARCHAR",
    ),
    **dict.fromkeys(["via", "tags", "custom_fields", "satisfaction_rating"], "JSON"),
}

EMAIL_AUDIENCE_COLUMNS = [
    "list_status",
    "email_address",
    "first_name",
    "last_name",
    "address",
    "phone_number",
    "birthday",
    "member_rating",
    "optin_time",
    "optin_ip",
    "confirm_time",
    "confirm_ip",
    "latitude",
    "longitude",
    "gmtoff",
    "dstoff",
    "timezone",
    "cc",
    "region",
    "last_changed",
    "unsub_time",
    "unsub_campaign_title",
    "unsub_campaign_id",
    "unsub_reason",
    "unsub_reason_other",
    "clean_time",
    "clean_campaign_title",
    "clean_campaign_id",
    "leid",
    "euid",
    "notes",
    "tags",
]

EMAIL_EVENT_COLUMNS = {
    **dict.fromkeys(
        [
            "sg_event_id",
            "sg_message_id",
            "smtp_id",
            "email",
            "timestamp",
            "event",
            "reason",
            "status",
            "response",
            "attempt",
            "ip",
            "tls",
            "type",
            "bounce_classification",
            "useragent",
            "sg_machine_open",
            "url",
            "asm_group_id",
            "pool",
        ],
        "VARCHAR",
    ),
    **dict.fromkeys(["category", "url_offset", "_extra"], "JSON"),
}

WEB_EVENT_COLUMNS = {
    **dict.fromkeys(
        [
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
        ],
        "VARCHAR",
    ),
    **dict.fromkeys(
        ["context", "properties", "traits", "integrations", "_extra"], "JSON"
    ),
}

LOADED_AT = "2024-03-01 06:00:00"


def _csv_rows(columns: list[str], rows: list[dict]) -> list[dict]:
    """Fill the cells a CSV row leaves out with empty strings."""
    unknown = {key for row in rows for key in row} - set(columns)
    assert not unknown, f"unknown columns {unknown}"
    return [{column: row.get(column, "") for column in columns} for row in rows]


def _cell(value, kind: str):
    """JSON columns hold JSON text (a bare string too); others hold text."""
    if kind == "JSON" and value is not None:
        return json.dumps(value)
    return value


def _create_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: dict[str, str],
    rows: list[dict],
    source_file: str,
) -> None:
    """Create raw.<table> with the vendor columns and the load columns."""
    definitions = [f'"{name}" {kind}' for name, kind in columns.items()] + [
        "_source_file VARCHAR",
        "_source_line BIGINT",
        "_load_id VARCHAR",
        "_loaded_at TIMESTAMP",
    ]
    con.execute(f"create table raw.{table} ({', '.join(definitions)})")
    placeholders = ", ".join(["?"] * (len(columns) + 4))
    for line, row in enumerate(rows, start=2):
        unknown = set(row) - set(columns) - {"_source_file", "_loaded_at"}
        assert not unknown, f"unknown columns {unknown} in {table}"
        values = [_cell(row.get(name), kind) for name, kind in columns.items()]
        values += [
            row.get("_source_file", source_file),
            line,
            "load-1",
            row.get("_loaded_at", LOADED_AT),
        ]
        con.execute(f"insert into raw.{table} values ({placeholders})", values)


SHOP_CUSTOMERS = [
    # Leading apostrophes on id and zip, mixed-case email with spaces, a
    # German landline in national format and an accented last name.
    {
        "customer_id": "'7210448301122",
        "first_name": "Anna",
        "last_name": "Müller",
        "email": " Anna.Mueller@Example.com ",
        "accepts_email_marketing": "yes",
        "default_address_address1": "Hauptstraße 12",
        "default_address_city": "Berlin",
        "default_address_province_code": "BE",
        "default_address_country_code": "DE",
        "default_address_zip": "'10115",
        "phone": "030 1234567",
        "accepts_sms_marketing": "no",
        "total_spent": "120.50",
        "total_orders": "2",
        "tax_exempt": "no",
        "note": "Prefers\nmorning delivery",
        "tags": "vip, newsletter",
    },
    # A US customer with a gmail +tag address and a number-first street.
    {
        "customer_id": "'7210448301123",
        "first_name": "John",
        "last_name": "Smith",
        "email": "John.Smith+shop@gmail.com",
        "accepts_email_marketing": "no",
        "default_address_address1": "123 Main St",
        "default_address_city": "San Francisco",
        "default_address_province_code": "CA",
        "default_address_country_code": "US",
        "default_address_zip": "'94105",
        "phone": "(415) 555-0134",
        "accepts_sms_marketing": "yes",
        "total_spent": "35.00",
        "total_orders": "1",
        "tax_exempt": "no",
    },
    # Placeholder junk: no real email, phone or first name.
    {
        "customer_id": "7210448301124",
        "first_name": "null",
        "last_name": "Doe",
        "email": "test@test.com",
        "accepts_email_marketing": "no",
        "phone": "0000000000",
        "accepts_sms_marketing": "no",
        "total_spent": "0.00",
        "total_orders": "0",
        "tax_exempt": "no",
    },
    # A phone-only customer: the email cell is empty.
    {
        "customer_id": "'7210448301125",
        "first_name": "Zoë",
        "last_name": "Martin",
        "default_address_country_code": "FR",
        "default_address_city": "Paris",
        "default_address_zip": "75001",
        "phone": "06 12 34 56 78",
        "accepts_email_marketing": "no",
        "accepts_sms_marketing": "yes",
        "total_spent": "10.00",
        "total_orders": "1",
        "tax_exempt": "yes",
    },
]

_ORDER_1001 = {
    "name": "#1001",
    "email": "anna.mueller@example.com",
    "created_at": "2024-01-05 13:45:12 -0600",
}
_ORDER_1002 = {
    "name": "#1002",
    "email": "john.smith+shop@gmail.com",
    "created_at": "2024-02-10 09:00:00 +0100",
}
SHOP_ORDERS = [
    # Order #1001: two line items, order-level fields on the first row only.
    {
        **_ORDER_1001,
        "id": "5500000001",
        "financial_status": "paid",
        "paid_at": "2024-01-05 13:46:00 -0600",
        "fulfillment_status": "fulfilled",
        "accepts_marketing": "yes",
        "currency": "EUR",
        "subtotal": "110.50",
        "shipping": "10.00",
        "taxes": "0.00",
        "total": "120.50",
        "billing_name": "Anna Müller",
        "billing_zip": "'10115",
        "billing_country": "DE",
        "source": "web",
        "lineitem_quantity": "2",
        "lineitem_name": "Wool socks",
        "lineitem_price": "15.25",
        "lineitem_sku": "SOCK-1",
        "lineitem_requires_shipping": "true",
        "lineitem_taxable": "true",
        "lineitem_fulfillment_status": "fulfilled",
        "lineitem_discount": "0.00",
    },
    {
        **_ORDER_1001,
        "lineitem_quantity": "1",
        "lineitem_name": "Winter coat",
        "lineitem_price": "80.00",
        "lineitem_sku": "COAT-9",
        "lineitem_requires_shipping": "true",
        "lineitem_taxable": "true",
        "lineitem_fulfillment_status": "fulfilled",
        "lineitem_discount": "0.00",
    },
    # Order #1002: one line item.
    {
        **_ORDER_1002,
        "id": "5500000002",
        "financial_status": "pending",
        "accepts_marketing": "no",
        "currency": "USD",
        "subtotal": "35.00",
        "shipping": "0.00",
        "taxes": "0.00",
        "total": "35.00",
        "lineitem_quantity": "1",
        "lineitem_name": "Scarf",
        "lineitem_price": "35.00",
        "lineitem_requires_shipping": "true",
        "lineitem_taxable": "false",
        "lineitem_discount": "5.00",
    },
]

SUPPORT_USERS = [
    # Anna appears on two pages; the later updated_at (with a phone) wins.
    {
        "id": "9001",
        "name": "Anna Müller",
        "email": "anna.mueller@example.com",
        "role": "end-user",
        "created_at": "2023-11-02T08:00:00Z",
        "updated_at": "2024-01-01T10:00:00Z",
        "active": "true",
        "verified": "true",
        "tags": [],
        "user_fields": {},
    },
    {
        "id": "9001",
        "name": "Anna Müller",
        "email": "anna.mueller@example.com",
        "role": "end-user",
        "phone": "+49 30 1234567",
        "created_at": "2023-11-02T08:00:00Z",
        "updated_at": "2024-02-01T10:00:00Z",
        "active": "true",
        "verified": "true",
        "tags": ["vip"],
        "user_fields": {},
        "_source_file": "support/users-2.json",
    },
    # An agent: not a person-bearing record.
    {
        "id": "9002",
        "name": "Agent Kay",
        "email": "kay@shop.example",
        "role": "agent",
        "created_at": "2023-01-01T00:00:00Z",
        "updated_at": "2023-01-01T00:00:00Z",
        "active": "true",
        "verified": "true",
        "tags": [],
        "user_fields": {},
    },
    {
        "id": "9003",
        "name": "John Smith",
        "email": "J.Smith@GoogleMail.com",
        "role": "end-user",
        "created_at": "2024-01-20T12:00:00Z",
        "updated_at": "2024-01-20T12:00:00Z",
        "active": "true",
        "verified": "false",
        "tags": [],
        "user_fields": {},
    },
]

SUPPORT_TICKETS = [
    {
        "id": "501",
        "created_at": "2024-01-02T09:00:00Z",
        "updated_at": "2024-01-02T09:00:00Z",
        "type": "question",
        "subject": "Where is my order?",
        "priority": "normal",
        "status": "open",
        "requester_id": "9001",
        "via": {"channel": "email", "source": {}},
        "tags": [],
        "custom_fields": [],
        "satisfaction_rating": {"score": "offered"},
    },
    {
        "id": "501",
        "created_at": "2024-01-02T09:00:00Z",
        "updated_at": "2024-01-04T09:00:00Z",
        "type": "question",
        "subject": "Where is my order?",
        "priority": "normal",
        "status": "solved",
        "requester_id": "9001",
        "via": {"channel": "email", "source": {}},
        "tags": ["shipping"],
        "custom_fields": [],
        "satisfaction_rating": {"id": 77, "score": "good", "comment": "Fast"},
        "_source_file": "support/tickets-2.json",
    },
    {
        "id": "502",
        "created_at": "2024-01-21T09:00:00Z",
        "updated_at": "2024-01-21T09:00:00Z",
        "type": None,
        "subject": "Refund",
        "priority": None,
        "status": "new",
        "requester_id": "9003",
        "via": {"channel": "web"},
        "tags": [],
        "custom_fields": [],
        "satisfaction_rating": "unoffered",
    },
]

EMAIL_AUDIENCE = [
    {
        "list_status": "subscribed",
        "email_address": "john.smith@gmail.com",
        "first_name": "John",
        "last_name": "Smith",
        "address": "123 Main St  San Francisco  CA  94105  US",
        "phone_number": "415-555-0134",
        "birthday": "04/12",
        "member_rating": "4",
        "optin_time": "2023-12-01 10:00:00",
        "confirm_time": "2023-12-01 10:05:00",
        "cc": "US",
        "last_changed": "2024-01-10 08:00:00",
        "leid": "111",
        "euid": "e111",
        "tags": '"VIP","Winter 2024"',
    },
    {
        "list_status": "unsubscribed",
        "email_address": "J.O.H.N.Smith+news@GoogleMail.com",
        "first_name": "John",
        "last_name": "Smith",
        "address": "",
        "member_rating": "2",
        "optin_time": "",
        "confirm_time": "2023-06-01 10:00:00",
        "unsub_time": "2024-02-01 10:00:00",
        "unsub_reason": "Too many",
        "leid": "112",
        "euid": "e112",
    },
    {
        "list_status": "cleaned",
        "email_address": "anna.mueller@example.com",
        "first_name": "Anna",
        "last_name": "Müller",
        "address": "Hauptstraße 12  Apt 3  Berlin  BE  10115  DE",
        "member_rating": "1",
        "clean_time": "2024-02-15 00:00:00",
        "leid": "113",
        "euid": "e113",
    },
]

EMAIL_EVENTS = [
    {
        "sg_event_id": "ev-1",
        "sg_message_id": "msg-1",
        "email": "john.smith@gmail.com",
        "timestamp": "1704462312",
        "event": "delivered",
        "response": "250 OK",
        "category": "newsletter",
    },
    # The same delivery posted again by a webhook retry.
    {
        "sg_event_id": "ev-1",
        "sg_message_id": "msg-1",
        "email": "john.smith@gmail.com",
        "timestamp": "1704462312",
        "event": "delivered",
        "response": "250 OK",
        "category": "newsletter",
        "_source_file": "email/sendgrid-events-2.json",
    },
    {
        "sg_event_id": "ev-2",
        "sg_message_id": "msg-1",
        "email": "john.smith@gmail.com",
        "timestamp": "1704465912",
        "event": "open",
        "sg_machine_open": "false",
        "category": ["newsletter", "winter"],
        "_extra": {"campaign": "w24"},
    },
]

_WEB_CONTEXT = {
    "ip": "203.0.113.9",
    "userAgent": "Mozilla/5.0",
    "page": {
        "path": "/winter",
        "url": "https://shop.example/winter?utm_campaign=w24",
        "referrer": "https://news.example/",
        "title": "Winter",
    },
    "campaign": {"name": "w24", "source": "newsletter", "medium": "email"},
}
WEB_EVENTS = [
    {
        "message_id": "m-1",
        "type": "page",
        "anonymous_id": "anon-1",
        "name": "Winter",
        "timestamp": "2024-01-06T09:00:00.000Z",
        "received_at": "2024-01-06T09:00:01.000Z",
        "context": _WEB_CONTEXT,
        "properties": {"path": "/winter", "title": "Winter"},
    },
    {
        "message_id": "m-2",
        "type": "identify",
        "anonymous_id": "anon-1",
        "user_id": "7210448301123",
        "timestamp": "2024-01-06T10:00:00+01:00",
        "received_at": "2024-01-06T09:00:05.000Z",
        "context": {},
        "traits": {
            "email": "John.Smith@gmail.com",
            "firstName": "John",
            "last_name": "Smith",
            "phone": "+1 415 555 0134",
            "address": {
                "city": "San Francisco",
                "postalCode": "94105",
                "country": "US",
            },
        },
    },
    {
        "message_id": "m-3",
        "type": "track",
        "anonymous_id": "anon-1",
        "user_id": "7210448301123",
        "event": "Order Completed",
        "timestamp": "2024-01-07T09:00:00.000Z",
        "received_at": "2024-01-07T09:00:00.500Z",
        "context": {},
        "properties": {"revenue": 35.0, "currency": "usd"},
    },
    # The same track call delivered twice.
    {
        "message_id": "m-3",
        "type": "track",
        "anonymous_id": "anon-1",
        "user_id": "7210448301123",
        "event": "Order Completed",
        "timestamp": "2024-01-07T09:00:00.000Z",
        "received_at": "2024-01-07T09:00:00.500Z",
        "context": {},
        "properties": {"revenue": 35.0, "currency": "usd"},
        "_source_file": "web/events-2024-01-08.ndjson",
    },
    {
        "message_id": "m-4",
        "type": "page",
        "anonymous_id": "anon-2",
        "timestamp": "2024-01-08T12:00:00.000Z",
        "received_at": "2024-01-08T12:00:00.200Z",
        "context": _WEB_CONTEXT,
        "properties": {},
    },
]

RECORD_TO_CUSTOMER = [
    ("shop", "7210448301122", "cus_anna"),
    ("support", "9001", "cus_anna"),
    ("email", "113", "cus_anna"),
    ("shop", "7210448301123", "cus_john"),
    ("support", "9003", "cus_john"),
    ("email", "111", "cus_john"),
    ("email", "112", "cus_john"),
    ("web", "anon-1", "cus_john"),
    ("shop", "7210448301124", "cus_doe"),
    ("shop", "7210448301125", "cus_zoe"),
    ("web", "anon-2", "cus_anon"),
]


def write_warehouse(path: Path) -> None:
    """Write the raw tables and identity.record_to_customer to a DuckDB file."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema raw")
        con.execute("create schema identity")
        _create_table(
            con,
            "shop_customers",
            dict.fromkeys(SHOP_CUSTOMER_COLUMNS, "VARCHAR"),
            _csv_rows(SHOP_CUSTOMER_COLUMNS, SHOP_CUSTOMERS),
            "shop/customers_export.csv",
        )
        _create_table(
            con,
            "shop_orders",
            dict.fromkeys(SHOP_ORDER_COLUMNS, "VARCHAR"),
            _csv_rows(SHOP_ORDER_COLUMNS, SHOP_ORDERS),
            "shop/orders_export_1.csv",
        )
        _create_table(
            con,
            "support_users",
            SUPPORT_USER_COLUMNS,
            SUPPORT_USERS,
            "support/users-1.json",
        )
        _create_table(
            con,
            "support_tickets",
            SUPPORT_TICKET_COLUMNS,
            SUPPORT_TICKETS,
            "support/tickets-1.json",
        )
        audience_columns = dict.fromkeys(EMAIL_AUDIENCE_COLUMNS, "VARCHAR")
        _create_table(
            con,
            "email_audience",
            audience_columns,
            EMAIL_AUDIENCE,
            "email/audience_export.zip!members_export_1.csv",
        )
        _create_table(
            con,
            "email_events",
            EMAIL_EVENT_COLUMNS,
            EMAIL_EVENTS,
            "email/sendgrid-events-1.json",
        )
        _create_table(
            con,
            "web_events",
            WEB_EVENT_COLUMNS,
            WEB_EVENTS,
            "web/events-2024-01-06.ndjson",
        )
        con.execute(
            "create table identity.record_to_customer "
            "(source VARCHAR, source_record_id VARCHAR, customer_id VARCHAR)"
        )
        con.executemany(
            "insert into identity.record_to_customer values (?, ?, ?)",
            RECORD_TO_CUSTOMER,
        )
    finally:
        con.close()


# Tests that may warn on the hand-written rows, and why.
EXPECTED_WARNINGS = {
    # Order #1001 is in EUR and #1002 in USD on purpose.
    "assert_one_order_currency",
}


def run_dbt(warehouse_path: Path, folder: Path, *args: str) -> list[str]:
    """Run one dbt command on the warehouse; return the names of warned tests.

    Fails the calling test when dbt fails or a node neither succeeds nor warns
    as EXPECTED_WARNINGS allows.
    """
    previous = os.environ.get("CDP_WAREHOUSE_PATH")
    os.environ["CDP_WAREHOUSE_PATH"] = str(warehouse_path)
    try:
        result = dbtRunner().invoke(
            [
                *args,
                *dbt_project_args(folder / "target", folder / "logs"),
                "--no-partial-parse",
            ]
        )
    finally:
        if previous is None:
            os.environ.pop("CDP_WAREHOUSE_PATH", None)
        else:
            os.environ["CDP_WAREHOUSE_PATH"] = previous
    nodes = result.result or []
    warned = [node.node.name for node in nodes if str(node.status) == "warn"]
    failures = [
        f"{node.node.name}: {node.status} {node.message}"
        for node in nodes
        if str(node.status) not in {"success", "pass", "warn", "no-op"}
        or (str(node.status) == "warn" and node.node.name not in EXPECTED_WARNINGS)
    ]
    assert result.success, f"dbt {args[0]} failed: {result.exception} {failures}"
    assert not failures, failures
    return warned


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A warehouse file after a successful `dbt build`, and the tests that warned."""
    folder = tmp_path_factory.mktemp("transforms")
    path = folder / "warehouse.duckdb"
    write_warehouse(path)
    warned = run_dbt(path, folder, "build")
    return path, warned


@pytest.fixture(scope="session")
def warehouse(built: tuple[Path, list[str]]) -> Path:
    """A warehouse file after a successful `dbt build`."""
    return built[0]
