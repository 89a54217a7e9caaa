"""Check the dbt project's models after one `dbt build` on hand-written rows.

The `warehouse` fixture (conftest.py) writes the raw tables and builds the
project once per session.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

# Each session runs a full `dbt build` (about 5 s), an end-to-end test.
pytestmark = pytest.mark.slow


def query(path: Path, sql: str) -> list[tuple]:
    """Run one query on the warehouse and read the result to the end."""
    # dbt-duckdb keeps its own connection to the file open in this process,
    # and DuckDB refuses a second one with another configuration (read-only).
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_schemas_are_used_as_named(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_name in ('stg_shop__customers', 'int_identity_records', "
        "'dim_customers') order by table_name",
    )
    assert rows == [
        ("marts", "dim_customers"),
        ("staging", "int_identity_records"),
        ("staging", "stg_shop__customers"),
    ]


def test_shop_customer_ids_and_zips_lose_the_apostrophe(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select customer_id, zip, email, accepts_email_marketing, total_spent "
        "from staging.stg_shop__customers where last_name = 'Müller'",
    )
    assert [tuple(map(str, row)) for row in rows] == [
        ("7210448301122", "10115", "anna.mueller@example.com", "True", "120.50")
    ]


def test_shop_orders_are_one_row_per_order(warehouse: Path) -> None:
    orders = query(
        warehouse,
        "select order_name, order_id, n_line_items, financial_status, "
        "strftime(created_at, '%Y-%m-%d %H:%M:%S') "
        "from staging.stg_shop__orders order by order_name",
    )
    assert orders == [
        ("#1001", "5500000001", 2, "paid", "2024-01-05 19:45:12"),
        ("#1002", "5500000002", 1, "pending", "2024-02-10 08:00:00"),
    ]
    lines = query(
        warehouse,
        "select order_line_id, order_id, quantity, cast(price as varchar) "
        "from staging.stg_shop__order_lines order by order_line_id",
    )
    assert lines == [
        ("5500000001-1", "5500000001", 2, "15.25"),
        ("5500000001-2", "5500000001", 1, "80.00"),
        ("5500000002-1", "5500000002", 1, "35.00"),
    ]


def test_repeated_records_are_deduplicated(warehouse: Path) -> None:
    users = query(
        warehouse,
        "select user_id, phone from staging.stg_support__users where user_id = '9001'",
    )
    assert users == [("9001", "+49 30 1234567")]
    tickets = query(
        warehouse,
        "select ticket_id, status, satisfaction_score "
        "from staging.stg_support__tickets order by ticket_id",
    )
    assert tickets == [("501", "solved", "good"), ("502", "new", "unoffered")]
    email_events = query(
        warehouse,
        "select event_id, strftime(event_at, '%Y-%m-%d %H:%M:%S') "
        "from staging.stg_email__events order by event_id",
    )
    assert email_events == [
        ("ev-1", "2024-01-05 13:45:12"),
        ("ev-2", "2024-01-05 14:45:12"),
    ]
    web_events = query(warehouse, "select count(*) from staging.stg_web__events")
    assert web_events == [(4,)]


def test_email_audience_address_is_split(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select member_id, address1, address2, city, region, postcode, country "
        "from staging.stg_email__audience where address is not null "
        "order by member_id",
    )
    assert rows == [
        ("111", "123 Main St", None, "San Francisco", "CA", "94105", "US"),
        ("113", "Hauptstraße 12", "Apt 3", "Berlin", "BE", "10115", "DE"),
    ]


def test_web_events_carry_page_campaign_and_traits(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select message_id, page_path, page_referrer, utm_campaign, "
        "traits_email, traits_first_name, traits_last_name, "
        "strftime(event_at, '%Y-%m-%d %H:%M:%S') "
        "from staging.stg_web__events where message_id in ('m-1', 'm-2') "
        "order by message_id",
    )
    assert rows == [
        (
            "m-1",
            "/winter",
            "https://news.example/",
            "w24",
            None,
            None,
            None,
            "2024-01-06 09:00:00",
        ),
        (
            "m-2",
            None,
            None,
            None,
            "john.smith@gmail.com",
            "John",
            "Smith",
            "2024-01-06 09:00:00",
        ),
    ]


def test_identity_records_cover_person_bearing_records(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select source, count(*) from staging.int_identity_records "
        "group by source order by source",
    )
    # The Zendesk agent is left out; each anonymousId is one web record.
    assert rows == [("email", 3), ("shop", 4), ("support", 2), ("web", 2)]


@pytest.mark.parametrize(
    ("record_key", "email", "email_match_key"),
    [
        # gmail: dots and the +tag dropped from the local part.
        ("shop:7210448301123", "john.smith+shop@gmail.com", "johnsmith@gmail.com"),
        # googlemail is gmail: same key as the gmail spelling.
        ("email:112", "j.o.h.n.smith+news@googlemail.com", "johnsmith@gmail.com"),
        # Other domains keep their dots.
        ("support:9001", "anna.mueller@example.com", "anna.mueller@example.com"),
        # A placeholder address is no address.
        ("shop:7210448301124", None, None),
    ],
)
def test_email_match_key(
    warehouse: Path, record_key: str, email: str | None, email_match_key: str
) -> None:
    rows = query(
        warehouse,
        "select email, email_match_key from staging.int_identity_records "
        f"where record_key = '{record_key}'",
    )
    assert rows == [(email, email_match_key)]


@pytest.mark.parametrize(
    ("record_key", "first_name", "last_name", "phone"),
    [
        # US number written nationally, country from the shop address.
        ("shop:7210448301123", "john", "smith", "+14155550134"),
        # German number with trunk 0; accents folded in the last name.
        ("shop:7210448301122", "anna", "muller", "+49301234567"),
        # French mobile; the accented first name is folded.
        ("shop:7210448301125", "zoe", "martin", "+33612345678"),
        # Placeholders: first name 'null' and phone 0000000000.
        ("shop:7210448301124", None, "doe", None),
        # Zendesk's single name field split in two; + prefix kept.
        ("support:9001", "anna", "muller", "+49301234567"),
        # Web identify traits (camelCase and snake_case).
        ("web:anon-1", "john", "smith", "+14155550134"),
    ],
)
def test_canonical_names_and_phones(
    warehouse: Path,
    record_key: str,
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
) -> None:
    rows = query(
        warehouse,
        "select first_name, last_name, phone from staging.int_identity_records "
        f"where record_key = '{record_key}'",
    )
    assert rows == [(first_name, last_name, phone)]


def test_web_record_carries_its_shop_user(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select shop_customer_id, web_user_id, web_anonymous_id, street, "
        "house_number, city, country from staging.int_identity_records "
        "where record_key = 'web:anon-1'",
    )
    assert rows == [
        ("7210448301123", "7210448301123", "anon-1", None, None, "san francisco", "US"),
    ]


def test_dim_customers_survivorship(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select customer_id, first_name, last_name, email, phone, street, "
        "house_number, city, postcode, country, shop_customer_id, "
        "n_source_records, n_shop_records, n_support_records, "
        "n_email_records, n_web_records, is_known "
        "from marts.dim_customers order by customer_id",
    )
    assert rows == [
        (
            "cus_anna",
            "anna",
            "muller",
            "anna.mueller@example.com",
            "+49301234567",
            "hauptstrasse",
            "12",
            "berlin",
            "10115",
            "DE",
            "7210448301122",
            3,
            1,
            1,
            1,
            0,
            True,
        ),
        (
            "cus_anon",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            1,
            0,
            0,
            0,
            1,
            False,
        ),
        (
            "cus_doe",
            None,
            "doe",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "7210448301124",
            1,
            1,
            0,
            0,
            0,
            True,
        ),
        (
            "cus_john",
            "john",
            "smith",
            # Member 111 and web anon-1 agree on it; the shop's +shop spelling
            # is alone (email survives by most_frequent).
            "john.smith@gmail.com",
            "+14155550134",
            "main st",
            "123",
            "san francisco",
            "94105",
            "US",
            "7210448301123",
            5,
            1,
            1,
            2,
            1,
            True,
        ),
        (
            "cus_zoe",
            "zoe",
            "martin",
            None,
            "+33612345678",
            None,
            None,
            "paris",
            "75001",
            "FR",
            "7210448301125",
            1,
            1,
            0,
            0,
            0,
            True,
        ),
    ]


def test_dim_customers_activity_window(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select strftime(first_seen_at, '%Y-%m-%d'), "
        "strftime(last_seen_at, '%Y-%m-%d') from marts.dim_customers "
        "where customer_id = 'cus_john'",
    )
    # Email member 112 confirmed 2023-06-01; the shop order is 2024-02-10.
    assert rows == [("2023-06-01", "2024-02-10")]
