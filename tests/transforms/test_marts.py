"""Check the marts after one `dbt build` on the hand-written rows (conftest.py).

Identity is stood in for by conftest's RECORD_TO_CUSTOMER: Anna (shop, support,
email member 113), John (shop, support, members 111 and 112, web anon-1), Doe
and Zoe (shop only) and an anonymous visitor (anon-2).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.transforms.test_dbt_project import query

# Uses the session's `dbt build` (about 10 s).
pytestmark = pytest.mark.slow


def test_dim_customers_names_where_each_attribute_came_from(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select customer_id, name_record_key, email_record_key, "
        "address_record_key, phone_source from marts.dim_customers "
        "where customer_id in ('cus_anna', 'cus_anon') order by customer_id",
    )
    assert rows == [
        # All three records agree on the email; the email list comes first in
        # the email group's source order.
        (
            "cus_anna",
            "shop:7210448301122",
            "email:113",
            "shop:7210448301122",
            "shop",
        ),
        # Nothing known: no value, so no provenance either.
        ("cus_anon", None, None, None, None),
    ]


def test_dim_customers_lifecycle_consent_and_activity(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select customer_id, lifecycle_stage, n_orders, "
        "cast(lifetime_net_revenue as varchar), is_email_marketing_allowed, "
        "email_consent_source, is_sms_marketing_allowed, "
        "strftime(first_seen_web_at, '%Y-%m-%d'), "
        "strftime(last_seen_web_at, '%Y-%m-%d'), "
        "strftime(last_seen_support_at, '%Y-%m-%d') "
        "from marts.dim_customers order by customer_id",
    )
    assert rows == [
        # Mailchimp's status (member 113) beats the shop's yes.
        ("cus_anna", "first_time_customer", 1, "120.50", False, "email", False,
         None, None, "2024-01-02"),
        ("cus_anon", "anonymous_visitor", 0, "0.00", None, None, None,
         "2024-01-08", "2024-01-08", None),
        # Known by shop id only, no orders; the shop's flags are all we know.
        ("cus_doe", "known_lead", 0, "0.00", False, "shop", False,
         None, None, None),
        ("cus_john", "first_time_customer", 1, "35.00", False, "email", True,
         "2024-01-06", "2024-01-07", "2024-01-21"),
        ("cus_zoe", "known_lead", 0, "0.00", False, "shop", True,
         None, None, None),
    ]  # fmt: skip


def test_orders_keep_currency_and_net_revenue(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select order_name, customer_id, currency, cast(net_revenue as varchar), "
        "customer_order_number from marts.fct_orders order by order_name",
    )
    assert rows == [
        ("#1001", "cus_anna", "EUR", "120.50", 1),
        ("#1002", "cus_john", "USD", "35.00", 1),
    ]


def test_order_lines_carry_their_discount(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select order_line_id, cast(gross_amount as varchar), "
        "cast(discount_amount as varchar), cast(net_revenue as varchar) "
        "from marts.fct_order_lines order by order_line_id",
    )
    assert rows == [
        ("5500000001-1", "30.50", "0.00", "30.50"),
        ("5500000001-2", "80.00", "0.00", "80.00"),
        ("5500000002-1", "35.00", "5.00", "30.00"),
    ]


def test_web_sessions_split_on_inactivity(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select session_id, customer_id, n_events, landing_page_path, utm_source, "
        "is_converted from marts.fct_web_sessions order by session_id",
    )
    # m-1 (page) and m-2 (identify, same instant in another zone) share a
    # session; the next day's order is a new, converted one.
    assert rows == [
        ("anon-1-1", "cus_john", 2, "/winter", "newsletter", False),
        ("anon-1-2", "cus_john", 1, None, None, True),
        ("anon-2-1", "cus_anon", 1, "/winter", "newsletter", False),
    ]


def test_interactions_are_one_ordered_timeline(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select interaction_number, channel, interaction_type "
        "from marts.fct_customer_interactions where customer_id = 'cus_john' "
        "order by interaction_number",
    )
    assert rows == [
        (1, "email", "email_delivered"),
        (2, "email", "email_open"),
        (3, "web", "session"),
        (4, "web", "converted_session"),
        (5, "support", "ticket_opened"),
        (6, "shop", "order"),
    ]


def test_kpi_daily_revenue_reconciles_with_orders(warehouse: Path) -> None:
    kpi = query(
        warehouse,
        "select date_day, revenue, n_orders, n_new_customers "
        "from marts.kpi_daily where n_orders > 0 order by date_day",
    )
    orders = query(
        warehouse,
        "select order_date, sum(total - refunded_amount), count(*), count(*) "
        "from marts.fct_orders group by order_date order by order_date",
    )
    assert kpi == orders
    assert sum(row[1] for row in kpi) == Decimal("155.50")


def test_kpi_daily_email_and_support_rates(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select date_day, n_emails_delivered, n_emails_opened, email_open_rate, "
        "n_tickets_opened, n_tickets_solved, satisfaction_score "
        "from marts.kpi_daily where date_day in "
        "('2024-01-02', '2024-01-04', '2024-01-05') order by date_day",
    )
    assert [(str(day), *rest) for day, *rest in rows] == [
        ("2024-01-02", 0, 0, None, 1, 0, None),
        ("2024-01-04", 0, 0, None, 0, 1, 1.0),
        ("2024-01-05", 1, 1, 1.0, 0, 0, None),
    ]


def test_customer_features_by_default_see_everything(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select customer_id, strftime(as_of_at, '%Y-%m-%d'), recency_days, "
        "frequency, cast(monetary_value as varchar), tenure_days, "
        "web_sessions_last_90_days, email_opens_last_90_days, "
        "support_tickets_total, open_tickets "
        "from marts.customer_features order by customer_id",
    )
    # As of the day after the latest activity (order #1002 on 2024-02-10).
    assert rows == [
        ("cus_anna", "2024-02-11", 37, 1, "120.50", 40, 0, 0, 1, 0),
        ("cus_anon", "2024-02-11", None, 0, "0.00", 34, 1, 0, 0, 0),
        ("cus_john", "2024-02-11", 1, 1, "35.00", 37, 2, 1, 1, 1),
    ]


def test_mixed_currencies_are_flagged(built: tuple[Path, list[str]]) -> None:
    _, warned = built
    assert warned == ["assert_one_order_currency"]
