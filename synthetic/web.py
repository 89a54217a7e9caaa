"""Segment view: browser sessions of anonymous devices, logins, form fills
and completed orders, as NDJSON lines grouped by the day they arrived.

Devices (anonymousIds) stay anonymous until a login (identify with userId =
Customer ID) or a form fill (identify with email/name traits). Sessions thin
out before a customer's dropout.
"""

from pathlib import Path

import numpy as np
import polars as pl

from synthetic import noise
from synthetic.behaviour import engagement
from synthetic.clock import T0, T1, iso_ms
from synthetic.csv_files import append_lines
from synthetic.data.catalogue import PRODUCTS
from synthetic.ids import random_hex, random_uuid
from synthetic.shop import ORDER_ID_BASE

SESSIONS_PER_YEAR = 1.6
_KINDS = (
    "page",
    "Product Viewed",
    "Product Added",
    "Products Searched",
    "login",
    "form",
    "Order Completed",
    "screen",
    "group",
    "alias",
)
K = {name: i for i, name in enumerate(_KINDS)}
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
)
_PAGES = (
    ("/", "Northwind | Home"),
    ("/collections/new", "New arrivals | Northwind"),
    ("/collections/sale", "Sale | Northwind"),
    ("/cart", "Your cart | Northwind"),
    ("/pages/contact", "Contact us | Northwind"),
    ("/blogs/journal", "Journal | Northwind"),
)
_REFERRERS = ("", "", "https://www.google.com/", "https://www.instagram.com/")
_CAMPAIGNS = (
    ("spring_sale", "google", "cpc"),
    ("newsletter", "newsletter", "email"),
    ("retargeting", "facebook", "paid_social"),
)
HOST = "https://shop.example.com"


def build_events(
    rng: np.random.Generator,
    people: pl.DataFrame,
    accounts: pl.DataFrame,
    orders: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rendered events (day, received_ms, json) and the anonymousId records."""
    web = (
        people.filter(pl.col("on_web"))
        .join(
            accounts.filter(~pl.col("is_second")).select("person_id", "customer_id"),
            on="person_id",
            how="left",
        )
        .sort("person_id")
    )
    n = web.height
    n_devices = 1 + (rng.random(n) < 0.35) + (rng.random(n) < 0.1)
    dev_owner = np.repeat(np.arange(n), n_devices)
    devices = pl.DataFrame(
        {
            "person_idx": dev_owner,
            "anonymous_id": random_uuid(rng, dev_owner.size),
            "agent": np.array(_AGENTS)[rng.integers(0, len(_AGENTS), dev_owner.size)],
            "skew_ms": np.where(
                rng.random(dev_owner.size) < 0.03,
                rng.integers(-7_200_000, 7_200_000, dev_owner.size),
                0,
            ),
        }
    )
    first_device = np.concatenate([[0], np.cumsum(n_devices)[:-1]])
    events = _session_events(rng, web, n_devices, first_device)
    events = pl.concat(
        [events, _order_events(rng, web, orders, first_device)], how="diagonal"
    )
    events = events.join(
        devices.with_row_index("device_idx").with_columns(
            pl.col("device_idx").cast(pl.Int64)
        ),
        on="device_idx",
        how="left",
        maintain_order="left",
    )
    rendered = _render(rng, events, web)
    pid = web["person_id"].to_numpy()
    records = events.select("anonymous_id", "person_idx").unique(
        "anonymous_id", maintain_order=True
    )
    records = records.select(
        source_record_id="anonymous_id",
        person_id=pl.Series(pid[records["person_idx"].to_numpy()]),
    )
    return rendered, records


def _session_events(rng, web: pl.DataFrame, n_devices, first_device) -> pl.DataFrame:
    """Page views and product events in sessions, plus logins and form fills."""
    n = web.height
    churned = web["churned_at"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    activity = rng.gamma(1.5, 1 / 1.5, n)
    raw = rng.poisson(SESSIONS_PER_YEAR * 2 * activity)
    owner = np.repeat(np.arange(n), raw)
    t = rng.integers(T0, T1, owner.size)
    keep = rng.random(owner.size) < engagement(t.astype(np.float64), churned[owner])
    owner, t = owner[keep], t[keep]
    s = owner.size
    extra = np.where(rng.random(s) < 0.6, 0, rng.integers(0, 3, s))
    device = first_device[owner] + np.minimum(extra, n_devices[owner] - 1)
    customer_id = web["customer_id"].to_numpy().astype(np.float64)
    has_account = ~np.isnan(customer_id[owner])
    logged_in = has_account & (rng.random(s) < 0.35)
    session_user = np.where(logged_in, customer_id[owner], np.nan)

    n_ev = 1 + np.minimum(rng.poisson(1.8, s), 7)
    sess = np.repeat(np.arange(s), n_ev)
    pos = np.arange(sess.size) - np.repeat(np.cumsum(n_ev) - n_ev, n_ev)
    kind = rng.choice(4, sess.size, p=[0.45, 0.35, 0.15, 0.05])
    kind = np.where(pos == 0, K["page"], kind)
    rare = rng.random(sess.size)
    kind = np.where(rare < 0.01, K["screen"], kind)
    kind = np.where((rare > 0.998) & logged_in[sess], K["group"], kind)
    kind = np.where((rare > 0.999) & logged_in[sess], K["alias"], kind)
    t_ms = (t[sess] + pos * rng.integers(15, 180, sess.size)) * 1000
    t_ms = t_ms + rng.integers(0, 1000, sess.size)
    browsing = pl.DataFrame(
        {
            "person_idx": owner[sess],
            "device_idx": device[sess],
            "t_ms": t_ms,
            "kind": kind,
            "user_id": session_user[sess],
        }
    )
    logins = pl.DataFrame(
        {
            "person_idx": owner[logged_in],
            "device_idx": device[logged_in],
            "t_ms": t[logged_in] * 1000 - 1500,
            "kind": np.full(logged_in.sum(), K["login"]),
            "user_id": session_user[logged_in],
        }
    )
    # A form fill identifies a visitor on their first session.
    _, first_session = np.unique(owner, return_index=True)
    fills = first_session[rng.random(first_session.size) < 0.25]
    forms = pl.DataFrame(
        {
            "person_idx": owner[fills],
            "device_idx": device[fills],
            "t_ms": t[fills] * 1000 + 90_000,
            "kind": np.full(fills.size, K["form"]),
            "user_id": np.full(fills.size, np.nan),
        }
    )
    events = pl.concat([browsing, logins, forms])
    m = events.height
    return events.with_columns(
        user_id=pl.col("user_id").fill_nan(None).cast(pl.Int64),
        product=pl.Series(rng.integers(0, len(PRODUCTS), m)),
        page=pl.Series(rng.integers(0, len(_PAGES), m)),
        referrer=pl.Series(rng.integers(0, len(_REFERRERS), m)),
        campaign=pl.Series(
            np.where(rng.random(m) < 0.08, rng.integers(0, len(_CAMPAIGNS), m), -1)
        ),
    )


def _order_events(rng, web, orders: pl.DataFrame, first_device) -> pl.DataFrame:
    """Order Completed for most orders of web users, from their main device."""
    index = web.select("person_id", person_idx=pl.int_range(pl.len(), dtype=pl.Int64))
    o = orders.join(index, on="person_id", how="inner", maintain_order="left")
    o = o.filter(pl.Series(rng.random(o.height) < 0.8))
    return o.select(
        "person_idx",
        device_idx=pl.Series(first_device[o["person_idx"].to_numpy()]),
        t_ms=pl.col("ordered_at") * 1000 + 250,
        kind=pl.lit(K["Order Completed"], pl.Int64),
        user_id=pl.col("customer_id"),
        order_id=(ORDER_ID_BASE + pl.col("seq") * 11).cast(pl.String),
        total=pl.col("total"),
        revenue=pl.col("subtotal"),
        discount=pl.col("discount"),
        coupon=pl.col("discount_code"),
    )


def _render(rng, events: pl.DataFrame, web: pl.DataFrame) -> pl.DataFrame:
    """JSON lines per event, keyed by the day Segment received them."""
    m = events.height
    delay = rng.integers(0, 2500, m)
    latency = rng.integers(40, 900, m)
    who = web.select(
        "first_name",
        "nickname",
        "last_name",
        "email",
        "family_email",
        "phone",
        "country",
    )[events["person_idx"].to_numpy()]
    e = pl.concat([events, who], how="horizontal").with_columns(
        t_orig=pl.col("t_ms") + pl.col("skew_ms"),
        t_sent=pl.col("t_ms") + pl.col("skew_ms") + pl.Series(delay),
        t_recv=pl.col("t_ms") + pl.Series(delay + latency),
        t_stamp=pl.col("t_ms") + pl.Series(latency),
        message_id="ajs-next-" + random_hex(rng, m, 16),
        ip=pl.Series(rng.integers(11, 223, m)).cast(pl.String)
        + "."
        + pl.Series(rng.integers(0, 256, m)).cast(pl.String)
        + "."
        + pl.Series(rng.integers(0, 256, m)).cast(pl.String)
        + "."
        + pl.Series(rng.integers(1, 255, m)).cast(pl.String),
    )
    e = _form_traits(rng, e)
    kind = e["kind"].to_numpy()
    parts = [
        _encode(e.filter(pl.Series(kind == code)), name)
        for name, code in K.items()
        if (kind == code).any()
    ]
    return pl.concat(parts).sort("received_ms")


def _form_traits(rng, e: pl.DataFrame) -> pl.DataFrame:
    """Emails typed into forms: sometimes the family address, rarely junk."""
    e = e.with_columns(
        form_email=pl.when(
            pl.col("family_email").is_not_null() & pl.Series(rng.random(e.height) < 0.3)
        )
        .then(pl.col("family_email"))
        .otherwise(pl.col("email"))
    )
    e = noise.blank(e, "form_email", 0.02, rng, noise.JUNK_EMAIL)
    e = noise.case_noise(e, "form_email", 0.05, rng)
    e = noise.gmail_variant(e, "form_email", 0.1, rng)
    e = noise.nickname(e, "first_name", "nickname", 0.2, rng)
    e = noise.typo(e, "last_name", 0.03, rng)
    return noise.format_phone(e, "phone", "country", rng)


def _encode(e: pl.DataFrame, name: str) -> pl.DataFrame:
    page_path = pl.col("page").replace_strict(dict(enumerate(p for p, _ in _PAGES)))
    title = pl.col("page").replace_strict(dict(enumerate(t for _, t in _PAGES)))
    referrer = pl.col("referrer").replace_strict(dict(enumerate(_REFERRERS)))
    search = (
        pl.when(pl.col("campaign") >= 0)
        .then(
            "?utm_source="
            + pl.col("campaign").replace_strict(
                dict(enumerate(c[1] for c in _CAMPAIGNS)), default=""
            )
            + "&utm_medium="
            + pl.col("campaign").replace_strict(
                dict(enumerate(c[2] for c in _CAMPAIGNS)), default=""
            )
            + "&utm_campaign="
            + pl.col("campaign").replace_strict(
                dict(enumerate(c[0] for c in _CAMPAIGNS)), default=""
            )
        )
        .otherwise(pl.lit(""))
    )
    context = pl.struct(
        ip=pl.col("ip"),
        userAgent=pl.col("agent"),
        locale=pl.col("country").replace_strict(
            {"US": "en-US", "GB": "en-GB", "DE": "de-DE", "FR": "fr-FR"}
        ),
        library=pl.struct(
            name=pl.lit("analytics.js"), version=pl.lit("npm:next-1.70.0")
        ),
        page=pl.struct(
            path=page_path,
            referrer=referrer,
            search=search,
            title=title,
            url=HOST + page_path + search,
        ),
    ).struct.json_encode()
    campaign = (
        ',"campaign":{"name":"'
        + pl.col("campaign").replace_strict(
            dict(enumerate(c[0] for c in _CAMPAIGNS)), default=""
        )
        + '","source":"'
        + pl.col("campaign").replace_strict(
            dict(enumerate(c[1] for c in _CAMPAIGNS)), default=""
        )
        + '","medium":"'
        + pl.col("campaign").replace_strict(
            dict(enumerate(c[2] for c in _CAMPAIGNS)), default=""
        )
        + '"}'
    )
    context = (
        pl.when(pl.col("campaign") >= 0)
        .then(context.str.slice(0, context.str.len_chars() - 1) + campaign + "}")
        .otherwise(context)
    )

    product = pl.struct(
        product_id=pl.col("product").replace_strict(
            dict(enumerate(p[1] for p in PRODUCTS))
        ),
        sku=pl.col("product").replace_strict(dict(enumerate(p[1] for p in PRODUCTS))),
        name=pl.col("product").replace_strict(dict(enumerate(p[0] for p in PRODUCTS))),
        price=pl.col("product").replace_strict(dict(enumerate(p[2] for p in PRODUCTS))),
        currency=pl.lit("USD"),
    )
    head = {
        "anonymousId": pl.col("anonymous_id"),
        "userId": pl.col("user_id").cast(pl.String),
        "messageId": pl.col("message_id"),
    }
    segment_type, body = {
        "page": (
            "page",
            {
                "properties": pl.struct(
                    path=page_path,
                    referrer=referrer,
                    search=search,
                    title=title,
                    url=HOST + page_path + search,
                )
            },
        ),
        "Product Viewed": ("track", {"event": pl.lit(name), "properties": product}),
        "Product Added": ("track", {"event": pl.lit(name), "properties": product}),
        "Products Searched": (
            "track",
            {
                "event": pl.lit(name),
                "properties": pl.struct(
                    query=pl.col("product").replace_strict(
                        dict(enumerate(p[0].split(" ")[0].lower() for p in PRODUCTS))
                    )
                ),
            },
        ),
        "login": (
            "identify",
            {
                "traits": pl.struct(
                    email=pl.col("email"), firstName=pl.col("first_name")
                )
            },
        ),
        "form": (
            "identify",
            {
                "traits": pl.struct(
                    email=pl.col("form_email"),
                    firstName=pl.col("first_name"),
                    lastName=pl.col("last_name"),
                    name=pl.col("first_name") + " " + pl.col("last_name"),
                    phone=pl.col("phone"),
                    newsletter_opt_in=pl.lit(True),
                )
            },
        ),
        "Order Completed": (
            "track",
            {
                "event": pl.lit(name),
                "properties": pl.struct(
                    order_id=pl.col("order_id"),
                    total=pl.col("total"),
                    revenue=pl.col("revenue"),
                    discount=pl.col("discount"),
                    coupon=pl.col("coupon"),
                    currency=pl.lit("USD"),
                ),
            },
        ),
        "screen": (
            "screen",
            {"name": pl.lit("Home"), "properties": pl.struct(name=pl.lit("Home"))},
        ),
        "group": (
            "group",
            {
                "groupId": pl.lit("northwind-loyalty"),
                "traits": pl.struct(name=pl.lit("Household account")),
            },
        ),
        "alias": ("alias", {"previousId": pl.col("anonymous_id")}),
    }[name]
    tail = {
        "timestamp": iso_ms(pl.col("t_stamp")),
        "originalTimestamp": iso_ms(pl.col("t_orig")),
        "sentAt": iso_ms(pl.col("t_sent")),
        "receivedAt": iso_ms(pl.col("t_recv")),
        "channel": pl.lit("client"),
        "version": pl.lit(2),
        "context": pl.lit("@@CONTEXT@@"),
    }
    encoded = pl.struct(**head, type=pl.lit(segment_type), **body, **tail)
    encoded = encoded.struct.json_encode()
    # Context is spliced as raw JSON: its campaign key exists only with utm.
    line = encoded.str.replace('"@@CONTEXT@@"', context, literal=True)
    return e.select(
        day=pl.from_epoch(pl.col("t_recv"), time_unit="ms").dt.strftime("%Y-%m-%d"),
        received_ms=pl.col("t_recv"),
        json=line,
    )


def write_days(rendered: pl.DataFrame, folder: Path) -> dict[str, int]:
    """Append each day's events to `events-YYYY-MM-DD.ndjson`."""
    counts = {}
    for (day,), part in rendered.partition_by(
        "day", maintain_order=True, as_dict=True
    ).items():
        name = f"events-{day}.ndjson"
        counts[f"web/{name}"] = append_lines(part["json"], folder / name)
    return counts
