"""Shopify view: the customers export and the orders export (line items).

Customer IDs derive from the person id (two disjoint ranges for people with a
second account), so they are unique across chunks without shared state.
Order names and ids continue from `order_offset`, counted by the caller.
"""

import numpy as np
import polars as pl

from synthetic import noise
from synthetic.clock import DAY, shop_time
from synthetic.data.catalogue import DISCOUNT_CODES, PRODUCTS
from synthetic.ids import scramble
from synthetic.population import address_line

CUSTOMER_COLUMNS = [
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
ORDER_COLUMNS = [
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
# Columns repeated on every line-item row; all others only on an order's first.
LINE_COLUMNS = {
    "Name",
    "Email",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Vendor",
    "Lineitem discount",
}
CUSTOMER_ID_BASE = 6_000_000_000_000
ORDER_ID_BASE = 5_100_000_000_000
TAX_RATE = 0.08
_TAGS = ("", "", "", "vip", "newsletter, vip", "wholesale", "returning, loyalty")
_NOTES = (
    "Prefers delivery after 5pm.\nGate code 4411.",
    "Called about sizing.\n\nSend the larger size next time",
    'Asked for "gift wrap" on every order',
)
_FINANCIAL = np.array(
    ["paid", "partially_refunded", "refunded", "pending", "authorized"]
)
_FINANCIAL_P = np.array([0.86, 0.05, 0.05, 0.02, 0.02])


def build_accounts(rng: np.random.Generator, people: pl.DataFrame) -> pl.DataFrame:
    """One row per customer account: person, Customer ID and account email."""
    customers = people.filter(pl.col("is_customer"))
    n = customers.height
    main = customers.select(
        "person_id",
        customer_id=CUSTOMER_ID_BASE
        + scramble(pl.col("person_id"), 48_271) * 37
        + pl.Series(rng.integers(0, 18, n)),
        account_email=pl.col("email"),
        is_second=pl.lit(False),
    )
    second = customers.filter(
        pl.col("has_second_account") & pl.col("work_email").is_not_null()
    )
    extra = second.select(
        "person_id",
        customer_id=CUSTOMER_ID_BASE
        + scramble(pl.col("person_id"), 48_271) * 37
        + 18
        + pl.Series(rng.integers(0, 18, second.height)),
        account_email=pl.col("work_email"),
        is_second=pl.lit(True),
    )
    accounts = pl.concat([main, extra]).sort("customer_id")
    accounts = noise.gmail_variant(accounts, "account_email", 0.15, rng)
    # Phone-only customers: Shopify allows a customer without email.
    return noise.blank(accounts, "account_email", 0.04, rng)


def build_orders(
    rng: np.random.Generator,
    people: pl.DataFrame,
    accounts: pl.DataFrame,
    purchases: pl.DataFrame,
    order_offset: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Orders (one row per order, with net amount) and their line-item rows."""
    n = purchases.height
    orders = purchases.sort("ordered_at").with_columns(
        seq=pl.int_range(order_offset, order_offset + n, dtype=pl.Int64),
        use_second=pl.Series(rng.random(n) < 0.3),
    )
    second = accounts.filter(pl.col("is_second")).select(
        "person_id", second_id="customer_id", second_email="account_email"
    )
    first = accounts.filter(~pl.col("is_second")).select(
        "person_id", "customer_id", "account_email"
    )
    orders = (
        orders.join(first, on="person_id", how="left", maintain_order="left")
        .join(second, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("use_second") & pl.col("second_id").is_not_null())
            .then(pl.col("second_id"))
            .otherwise(pl.col("customer_id"))
            .alias("customer_id"),
            pl.when(pl.col("use_second") & pl.col("second_id").is_not_null())
            .then(pl.col("second_email"))
            .otherwise(pl.col("account_email"))
            .alias("account_email"),
        )
        .drop("second_id", "second_email", "use_second")
    )
    lines = _line_items(rng, orders)
    orders = _order_amounts(rng, orders, lines)
    return orders, lines


def _line_items(rng, orders: pl.DataFrame) -> pl.DataFrame:
    n_items = rng.choice(
        [1, 2, 3, 4, 5], orders.height, p=[0.5, 0.25, 0.13, 0.07, 0.05]
    )
    owner = np.repeat(np.arange(orders.height), n_items)
    product = rng.integers(0, len(PRODUCTS), owner.size)
    qty = rng.choice([1, 2, 3], owner.size, p=[0.85, 0.11, 0.04])
    price = np.array([p[2] for p in PRODUCTS])[product]
    compare = np.where(rng.random(owner.size) < 0.15, np.round(price * 1.25, 2), np.nan)
    return pl.DataFrame(
        {
            "seq": orders["seq"].to_numpy()[owner],
            "line_no": np.arange(owner.size)
            - np.repeat(np.concatenate([[0], np.cumsum(n_items)[:-1]]), n_items),
            "qty": qty,
            "price": price,
            "compare_at": compare,
            "product_name": np.array([p[0] for p in PRODUCTS])[product],
            "sku": np.array([p[1] for p in PRODUCTS])[product],
            "vendor": np.array([p[3] for p in PRODUCTS])[product],
        }
    ).with_columns(pl.col("compare_at").fill_nan(None))


def _order_amounts(rng, orders: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    n = orders.height
    items = lines.group_by("seq").agg(items=(pl.col("qty") * pl.col("price")).sum())
    code_idx = rng.integers(0, len(DISCOUNT_CODES), n)
    has_code = rng.random(n) < 0.2
    status = _FINANCIAL[rng.choice(len(_FINANCIAL), n, p=_FINANCIAL_P)]
    rates = np.array([r for _, r in DISCOUNT_CODES])
    rate = np.where(has_code, rates[code_idx], 0.0)
    orders = orders.join(items, on="seq", how="left", maintain_order="left")
    orders = orders.with_columns(
        status=pl.Series(status),
        discount_code=pl.Series(
            np.where(has_code, np.array([c for c, _ in DISCOUNT_CODES])[code_idx], "")
        ),
        discount=(pl.col("items") * pl.Series(rate)).round(2),
        cancelled=pl.Series(rng.random(n) < 0.5),
        refund_share=pl.Series(rng.uniform(0.1, 0.6, n)),
    )
    orders = orders.with_columns(
        subtotal=(pl.col("items") - pl.col("discount")).round(2)
    )
    orders = orders.with_columns(
        shipping=pl.when(pl.col("subtotal") >= 75).then(0.0).otherwise(7.95),
        taxes=(pl.col("subtotal") * TAX_RATE).round(2),
    )
    orders = orders.with_columns(
        total=(pl.col("subtotal") + pl.col("shipping") + pl.col("taxes")).round(2)
    )
    refunded = (
        pl.when(pl.col("status") == "refunded")
        .then(pl.col("total"))
        .when(pl.col("status") == "partially_refunded")
        .then((pl.col("total") * pl.col("refund_share")).round(2))
        .otherwise(0.0)
    )
    return orders.with_columns(
        refunded=refunded,
        cancelled=(pl.col("status") == "refunded") & pl.col("cancelled"),
    ).with_columns(net=(pl.col("total") - pl.col("refunded")).round(2))


def order_rows(rng, people: pl.DataFrame, orders: pl.DataFrame, lines) -> pl.DataFrame:
    """Render the 79-column export rows, order-level fields on first rows only."""
    n = orders.height
    who = people.select(
        "person_id",
        "first_name",
        "nickname",
        "last_name",
        "country",
        "phone",
        "street",
        "house_number",
        "postcode",
        "city",
        "region",
        "old_street",
        "old_house_number",
        "old_postcode",
        "old_city",
        "old_region",
        "moved_at",
    )
    o = orders.join(who, on="person_id", how="left", maintain_order="left")
    o = o.with_columns(e164=pl.col("phone"))
    o = noise.nickname(o, "first_name", "nickname", 0.15, rng)
    o = noise.format_phone(o, "phone", "country", rng)
    o = noise.blank(o, "phone", 0.3, rng, "")
    moved_later = pl.col("moved_at").is_not_null() & (
        pl.col("ordered_at") < pl.col("moved_at")
    )

    def at_time(col: str) -> pl.Expr:
        return pl.when(moved_later).then(pl.col("old_" + col)).otherwise(pl.col(col))

    address1 = address_line(
        at_time("street"), at_time("house_number"), pl.col("country")
    )
    zip_code = at_time("postcode")
    zip_code = (
        pl.when(pl.Series(rng.random(n) < 0.1)).then("'" + zip_code).otherwise(zip_code)
    )
    money = _money
    paid = pl.col("status").is_in(["paid", "partially_refunded", "refunded"])
    fulfilled = paid & ~pl.col("cancelled")
    created = pl.col("ordered_at")
    method = np.array(["Shopify Payments", "PayPal Express Checkout", "Gift Card"])
    head = o.select(
        "seq",
        **{
            "Name": "#" + (pl.col("seq") + 1001).cast(pl.String),
            "Email": pl.col("account_email").fill_null(""),
            "Financial Status": pl.col("status"),
            "Paid at": pl.when(paid).then(shop_time(created + 60)),
            "Fulfillment Status": pl.when(fulfilled)
            .then(pl.lit("fulfilled"))
            .otherwise(pl.lit("unfulfilled")),
            "Fulfilled at": pl.when(fulfilled).then(shop_time(created + 2 * DAY)),
            "Accepts Marketing": pl.Series(np.where(rng.random(n) < 0.6, "yes", "no")),
            "Currency": pl.lit("USD"),
            "Subtotal": money("subtotal"),
            "Shipping": money("shipping"),
            "Taxes": money("taxes"),
            "Total": money("total"),
            "Discount Code": pl.col("discount_code"),
            "Discount Amount": money("discount"),
            "Shipping Method": pl.when(pl.col("shipping") > 0)
            .then(pl.lit("Standard"))
            .otherwise(pl.lit("Free Shipping")),
            "Created at": shop_time(created),
            "Billing Name": pl.col("first_name") + " " + pl.col("last_name"),
            "Billing Street": address1,
            "Billing Address1": address1,
            "Billing Address2": pl.lit(""),
            "Billing Company": pl.lit(""),
            "Billing City": at_time("city"),
            "Billing Zip": zip_code,
            "Billing Province": at_time("region"),
            "Billing Country": pl.col("country"),
            "Billing Phone": pl.col("phone"),
            "Shipping Name": pl.col("first_name") + " " + pl.col("last_name"),
            "Shipping Street": address1,
            "Shipping Address1": address1,
            "Shipping Address2": pl.lit(""),
            "Shipping Company": pl.lit(""),
            "Shipping City": at_time("city"),
            "Shipping Zip": zip_code,
            "Shipping Province": at_time("region"),
            "Shipping Country": pl.col("country"),
            "Shipping Phone": pl.col("phone"),
            "Notes": pl.lit(""),
            "Note Attributes": pl.lit(""),
            "Cancelled at": pl.when(pl.col("cancelled")).then(shop_time(created + DAY)),
            "Payment Method": pl.Series(method[rng.choice(3, n, p=[0.75, 0.2, 0.05])]),
            "Payment Reference": "c"
            + (pl.col("seq") * 7 + 2_000_000_000).cast(pl.String),
            "Refunded Amount": money("refunded"),
            "Outstanding Balance": pl.lit("0.00"),
            "Employee": pl.lit(""),
            "Location": pl.lit(""),
            "Device ID": pl.lit(""),
            "Id": (ORDER_ID_BASE + pl.col("seq") * 11).cast(pl.String),
            "Tags": pl.lit(""),
            "Risk Level": pl.lit("Low"),
            "Source": pl.lit("web"),
            "Tax 1 Name": pl.lit("Sales Tax 8%"),
            "Tax 1 Value": money("taxes"),
            "Phone": pl.when(
                pl.col("account_email").is_null() | pl.Series(rng.random(n) < 0.2)
            ).then(pl.col("e164")),
            "Receipt Number": pl.lit(""),
            "Duties": pl.lit(""),
            "Payment ID": pl.lit(""),
            "Payment Terms Name": pl.lit(""),
            "Next Payment Due At": pl.lit(""),
            "Payment References": pl.lit(""),
        },
    )
    fulfil_line = (
        pl.when(pl.col("Fulfillment Status") == "fulfilled")
        .then(pl.lit("fulfilled"))
        .otherwise(pl.lit("pending"))
    )
    rows = lines.join(head, on="seq", how="left", maintain_order="left").with_columns(
        **{
            "Lineitem quantity": pl.col("qty").cast(pl.String),
            "Lineitem name": pl.col("product_name"),
            "Lineitem price": _money("price"),
            "Lineitem compare at price": _money("compare_at"),
            "Lineitem sku": pl.col("sku"),
            "Lineitem requires shipping": pl.lit("true"),
            "Lineitem taxable": pl.lit("true"),
            "Lineitem fulfillment status": fulfil_line,
            "Vendor": pl.col("vendor"),
            "Lineitem discount": pl.lit("0.00"),
        }
    )
    first_row = pl.col("line_no") == 0
    rendered = []
    for column in ORDER_COLUMNS:
        expr = pl.col(column) if column in rows.columns else pl.lit("")
        if column not in LINE_COLUMNS:
            expr = pl.when(first_row).then(expr).otherwise(pl.lit(""))
        rendered.append(expr.cast(pl.String).fill_null("").alias(column))
    return rows.select(rendered)


def customer_rows(
    rng, people: pl.DataFrame, accounts: pl.DataFrame, orders: pl.DataFrame
) -> pl.DataFrame:
    """Render the 20-column customers export, one row per account."""
    totals = orders.group_by("customer_id").agg(
        spent=pl.col("net").sum(), n_orders=pl.len()
    )
    c = accounts.join(totals, on="customer_id", how="left", maintain_order="left").join(
        people, on="person_id", how="left", maintain_order="left"
    )
    n = c.height
    c = noise.nickname(c, "first_name", "nickname", 0.12, rng)
    c = noise.typo(c, "first_name", 0.03, rng)
    c = noise.typo(c, "last_name", 0.03, rng)
    c = noise.swap_names(c, "first_name", "last_name", 0.02, rng)
    c = noise.case_noise(c, "last_name", 0.03, rng)
    c = noise.whitespace(c, "first_name", 0.03, rng)
    c = noise.blank(c, "last_name", 0.02, rng, "")
    # Half of the movers never updated their default address.
    stale = pl.Series(rng.random(n) < 0.5) & pl.col("moved_at").is_not_null()

    def current(col: str) -> pl.Expr:
        return pl.when(stale).then(pl.col("old_" + col)).otherwise(pl.col(col))

    c = c.with_columns(
        address_phone=pl.coalesce("landline", "phone"),
        zip_code=current("postcode"),
        apostrophe_id=pl.Series(rng.random(n) < 0.3),
    )
    c = noise.format_phone(c, "address_phone", "country", rng)
    c = noise.blank(c, "address_phone", 0.35, rng, "")
    c = noise.blank(c, "address_phone", 0.01, rng, noise.JUNK_PHONE)
    c = c.with_columns(
        zip_code=pl.when(
            pl.Series(rng.random(n) < 0.3) & pl.col("zip_code").str.starts_with("0")
            | pl.Series(rng.random(n) < 0.05)
        )
        .then("'" + pl.col("zip_code"))
        .otherwise(pl.col("zip_code")),
        # Phone-only accounts must keep a phone; Shopify stores E.164.
        mobile=pl.when(
            pl.col("account_email").is_null() | pl.Series(rng.random(n) < 0.4)
        ).then(pl.col("phone")),
    )
    customer_id = pl.col("customer_id").cast(pl.String)
    tags = np.array(_TAGS)[rng.integers(0, len(_TAGS), n)]
    notes = np.where(
        rng.random(n) < 0.03, np.array(_NOTES)[rng.integers(0, len(_NOTES), n)], ""
    )
    apt = np.where(
        rng.random(n) < 0.15,
        np.char.add("Apt ", rng.integers(1, 40, n).astype(str)),
        "",
    )
    yes_no = np.array(["no", "yes"])
    return c.select(
        **{
            "Customer ID": pl.when(pl.col("apostrophe_id"))
            .then("'" + customer_id)
            .otherwise(customer_id),
            "First Name": pl.col("first_name"),
            "Last Name": pl.col("last_name"),
            "Email": pl.col("account_email").fill_null(""),
            "Accepts Email Marketing": pl.Series(yes_no[(rng.random(n) < 0.55) * 1]),
            "Default Address Company": pl.when(pl.col("is_second"))
            .then(
                pl.col("work_email")
                .str.split("@")
                .list.get(1)
                .str.split(".")
                .list.get(0)
                .str.to_titlecase()
            )
            .otherwise(pl.lit("")),
            "Default Address Address1": address_line(
                current("street"), current("house_number"), pl.col("country")
            ),
            "Default Address Address2": pl.Series(apt),
            "Default Address City": current("city"),
            "Default Address Province Code": current("region"),
            "Default Address Country Code": pl.col("country"),
            "Default Address Zip": pl.col("zip_code"),
            "Default Address Phone": pl.col("address_phone").fill_null(""),
            "Phone": pl.col("mobile").fill_null(""),
            "Accepts SMS Marketing": pl.Series(yes_no[(rng.random(n) < 0.2) * 1]),
            "Total Spent": _money("spent").fill_null("0.00"),
            "Total Orders": pl.col("n_orders").fill_null(0).cast(pl.String),
            "Note": pl.Series(notes),
            "Tax Exempt": pl.lit("no"),
            "Tags": pl.Series(tags),
        }
    ).with_columns(pl.all().fill_null(""))


def _money(col: str) -> pl.Expr:
    """Plain decimal with a dot and two places, no currency sign."""
    cents = (pl.col(col) * 100).round(0).cast(pl.Int64)
    return (
        (cents // 100).cast(pl.String)
        + "."
        + (cents % 100).cast(pl.String).str.zfill(2)
    )
