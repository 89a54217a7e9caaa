"""Zendesk view: end-users (plus a few agents) and their tickets.

Records are rendered to JSON per chunk but written only at the end: an
incremental export is ordered by `updated_at` across the whole account, and
some records reappear on a later page with a later `updated_at`.
"""

import json
from pathlib import Path

import numpy as np
import polars as pl

from synthetic import noise
from synthetic.behaviour import PRE_CHURN, engagement
from synthetic.clock import DAY, T0, T1, iso_z
from synthetic.ids import scramble

SUBDOMAIN = "https://northwind.zendesk.com"
USER_ID_BASE = 360_000_000_000
AGENT_ID_BASE = 350_000_000_000
TICKET_ID_BASE = 10_000
PAGE_SIZE = 1000
N_AGENTS = 24
_ZONES = {
    "US": ("Eastern Time (US & Canada)", "America/New_York", "en-US"),
    "GB": ("London", "Europe/London", "en-GB"),
    "DE": ("Berlin", "Europe/Berlin", "de"),
    "FR": ("Paris", "Europe/Paris", "fr"),
}
_SUBJECTS = (
    ("Where is my order?", "Hi, my order has not arrived yet. Can you check?"),
    ("Wrong size delivered", "I ordered a M but received a L.\nPlease advise."),
    ("Refund not received", "I returned the item two weeks ago, still no refund."),
    ("Change shipping address", "I moved recently, please update my address."),
    ("Discount code not working", "The code WELCOME10 says it is invalid."),
    ("Damaged item", "The skillet arrived with a crack. Photos attached."),
    ("Question about materials", "Is the sweater 100% merino?"),
    ("Cancel my order", "Please cancel my last order, I ordered twice."),
)
_GOOD = ("Quick and friendly, thanks!", "Solved my problem.", "")
_BAD = ("Took far too long.", "Still no refund, very disappointed.", "")


def build_users(rng: np.random.Generator, people: pl.DataFrame) -> pl.DataFrame:
    """End-users of people in support; 5% have a second user (other email)."""
    p = people.filter(pl.col("in_support"))
    n = p.height
    first = p.with_columns(
        user_id=USER_ID_BASE
        + scramble(pl.col("person_id"), 69_621) * 23
        + pl.Series(rng.integers(0, 11, n)),
        user_email=pl.col("email"),
    )
    has_other = pl.Series(rng.random(n) < 0.05) & (
        pl.col("work_email").is_not_null()
        | (pl.col("family_email").is_not_null() & pl.col("is_household_head"))
    )
    second = p.filter(has_other).with_columns(
        # Offset 12 lies outside the 0..10 range used by first users.
        user_id=USER_ID_BASE + scramble(pl.col("person_id"), 69_621) * 23 + 12,
        # Only the household head may hold the family address in Zendesk,
        # which refuses two users with one email.
        user_email=pl.coalesce(
            "work_email",
            pl.when(pl.col("is_household_head")).then(pl.col("family_email")),
        ),
    )
    users = pl.concat([first, second]).sort("user_id")
    m = users.height
    created = rng.integers(T0 - 400 * DAY, T1 - 20 * DAY, m)
    users = users.with_columns(
        created_at=pl.Series(created),
        updated_at=pl.Series(created + rng.integers(0, 90 * DAY, m)),
    )
    return users


def render_users(rng, users: pl.DataFrame) -> pl.DataFrame:
    """JSON for each end-user, keyed by updated_at for the export order."""
    u = noise.nickname(users, "first_name", "nickname", 0.15, rng)
    u = noise.typo(u, "last_name", 0.03, rng)
    u = noise.swap_names(u, "first_name", "last_name", 0.03, rng)
    u = u.with_columns(name=pl.col("first_name") + " " + pl.col("last_name"))
    u = noise.case_noise(u, "name", 0.05, rng)
    u = noise.whitespace(u, "name", 0.03, rng)
    u = noise.gmail_variant(u, "user_email", 0.1, rng)
    u = noise.blank(u, "user_email", 0.06, rng)
    u = u.with_columns(user_phone=pl.coalesce("phone", "landline"))
    u = noise.format_phone(u, "user_phone", "country", rng)
    u = noise.blank(u, "user_phone", 0.5, rng)
    u = noise.blank(u, "user_phone", 0.01, rng, noise.JUNK_PHONE)
    n = u.height
    zone = pl.col("country")
    record = pl.struct(
        id=pl.col("user_id"),
        url=SUBDOMAIN + "/api/v2/users/" + pl.col("user_id").cast(pl.String) + ".json",
        name=pl.col("name"),
        email=pl.col("user_email"),
        phone=pl.col("user_phone"),
        role=pl.lit("end-user"),
        created_at=iso_z(pl.col("created_at")),
        updated_at=iso_z(pl.col("updated_at")),
        time_zone=zone.replace_strict({k: v[0] for k, v in _ZONES.items()}),
        iana_time_zone=zone.replace_strict({k: v[1] for k, v in _ZONES.items()}),
        locale=zone.replace_strict({k: v[2] for k, v in _ZONES.items()}),
        organization_id=pl.lit(None, pl.Int64),
        external_id=pl.lit(None, pl.String),
        tags=pl.when(pl.Series(rng.random(n) < 0.1))
        .then(pl.lit(["vip"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
        active=pl.lit(True),
        verified=pl.Series(rng.random(n) < 0.7),
        user_fields=pl.struct(
            customer_tier=pl.lit(None, pl.String), newsletter=pl.lit(None, pl.Boolean)
        ),
    )
    return _with_repeats(rng, u.select("updated_at", "user_id", record=record), "user")


def agents() -> pl.DataFrame:
    """The support team: agents and two admins, written once."""
    ids = AGENT_ID_BASE + np.arange(N_AGENTS)
    rows = pl.DataFrame({"user_id": ids, "k": np.arange(N_AGENTS)})
    record = pl.struct(
        id=pl.col("user_id"),
        url=SUBDOMAIN + "/api/v2/users/" + pl.col("user_id").cast(pl.String) + ".json",
        name="Agent " + (pl.col("k") + 1).cast(pl.String),
        email="agent" + (pl.col("k") + 1).cast(pl.String) + "@northwind.example",
        phone=pl.lit(None, pl.String),
        role=pl.when(pl.col("k") < 2).then(pl.lit("admin")).otherwise(pl.lit("agent")),
        created_at=pl.lit("2023-03-01T09:00:00Z"),
        updated_at=pl.lit("2023-03-01T09:00:00Z"),
        time_zone=pl.lit("Eastern Time (US & Canada)"),
        iana_time_zone=pl.lit("America/New_York"),
        locale=pl.lit("en-US"),
        organization_id=pl.lit(None, pl.Int64),
        external_id=pl.lit(None, pl.String),
        tags=pl.lit([], pl.List(pl.String)),
        active=pl.lit(True),
        verified=pl.lit(True),
        user_fields=pl.struct(
            customer_tier=pl.lit(None, pl.String), newsletter=pl.lit(None, pl.Boolean)
        ),
    )
    return rows.select(
        updated_at=pl.lit(T0 - 300 * DAY, pl.Int64),
        user_id="user_id",
        json=record.struct.json_encode(),
    )


def build_tickets(
    rng: np.random.Generator, users: pl.DataFrame, ticket_offset: int
) -> pl.DataFrame:
    """Tickets per user; churning customers add a late, unhappy one."""
    n = users.height
    count = 1 + rng.poisson(0.6, n)
    churned = users["churned_at"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    late = ~np.isnan(churned) & (churned > T0 + PRE_CHURN) & (rng.random(n) < 0.7)
    owner = np.concatenate([np.repeat(np.arange(n), count), np.flatnonzero(late)])
    start = np.maximum(users["created_at"].to_numpy()[owner], T0)
    created = rng.integers(start, T1 - DAY).astype(np.float64)
    k = count.sum()
    created[k:] = churned[owner[k:]] - rng.uniform(0, PRE_CHURN, owner.size - k)
    created = created.astype(np.int64)
    level = engagement(created.astype(np.float64), churned[owner])
    m = owner.size
    age = T1 - created
    status = np.where(
        age > 30 * DAY,
        np.where(rng.random(m) < 0.8, "closed", "solved"),
        np.array(["new", "open", "pending", "hold", "solved"])[rng.integers(0, 5, m)],
    )
    rated = np.isin(status, ["solved", "closed"]) & (rng.random(m) < 0.45)
    bad = rng.random(m) < np.where(level < 1.0, 0.65, 0.1)
    subject = rng.integers(0, len(_SUBJECTS), m)
    return pl.DataFrame(
        {
            "ticket_id": TICKET_ID_BASE + ticket_offset + np.arange(m),
            "user_id": users["user_id"].to_numpy()[owner],
            "person_id": users["person_id"].to_numpy()[owner],
            "created_at": created,
            "updated_at": created + rng.integers(3600, 20 * DAY, m),
            "status": status,
            "rated": rated,
            "bad": bad,
            "offered": rng.random(m) < 0.5,
            "subject": np.array([s for s, _ in _SUBJECTS])[subject],
            "description": np.array([d for _, d in _SUBJECTS])[subject],
            "priority_idx": rng.integers(0, 5, m),
            "type_idx": rng.integers(0, 5, m),
            "channel_idx": rng.integers(0, 3, m),
            "assignee": AGENT_ID_BASE + rng.integers(2, N_AGENTS, m),
            "rating_id": 9_000_000_000
            + (TICKET_ID_BASE + ticket_offset + np.arange(m)) * 3,
            "comment_idx": rng.integers(0, 3, m),
        }
    )


def render_tickets(rng, tickets: pl.DataFrame) -> pl.DataFrame:
    """JSON for each ticket; satisfaction_rating is spliced in as raw JSON
    because its keys differ between rated and unrated tickets."""
    priority = pl.col("priority_idx").replace_strict(
        {0: "urgent", 1: "high", 2: "normal", 3: "low", 4: None},
        return_dtype=pl.String,
    )
    kind = pl.col("type_idx").replace_strict(
        {0: "problem", 1: "incident", 2: "question", 3: "task", 4: None},
        return_dtype=pl.String,
    )
    channel = pl.col("channel_idx").replace_strict(
        {0: "email", 1: "web", 2: "chat"}, return_dtype=pl.String
    )
    tid = pl.col("ticket_id").cast(pl.String)
    record = pl.struct(
        id=pl.col("ticket_id"),
        url=SUBDOMAIN + "/api/v2/tickets/" + tid + ".json",
        external_id=pl.lit(None, pl.String),
        via=pl.struct(
            channel=channel,
            source=pl.struct(rel=pl.lit(None, pl.String)),
        ),
        created_at=iso_z(pl.col("created_at")),
        updated_at=iso_z(pl.col("updated_at")),
        type=kind,
        subject=pl.col("subject"),
        description=pl.col("description"),
        priority=priority,
        status=pl.col("status"),
        requester_id=pl.col("user_id"),
        submitter_id=pl.col("user_id"),
        assignee_id=pl.when(pl.col("status") != "new").then(pl.col("assignee")),
        organization_id=pl.lit(None, pl.Int64),
        group_id=pl.lit(360_001_234_567, pl.Int64),
        tags=pl.when(pl.col("bad") & pl.col("rated"))
        .then(pl.lit(["escalated", "refund"]))
        .otherwise(pl.lit(["order"])),
        custom_fields=pl.concat_list(
            pl.struct(
                id=pl.lit(360_011_111_111, pl.Int64),
                value=pl.col("subject").str.to_lowercase().str.replace_all(" ", "_"),
            )
        ),
        brand_id=pl.lit(360_000_777_777, pl.Int64),
        ticket_form_id=pl.lit(360_000_888_888, pl.Int64),
    )
    comment = (
        pl.when(pl.col("bad"))
        .then(
            pl.col("comment_idx").replace_strict(
                dict(enumerate(_BAD)), return_dtype=pl.String
            )
        )
        .otherwise(
            pl.col("comment_idx").replace_strict(
                dict(enumerate(_GOOD)), return_dtype=pl.String
            )
        )
    )
    rating = (
        pl.when(pl.col("rated"))
        .then(
            '{"id":'
            + pl.col("rating_id").cast(pl.String)
            + ',"score":"'
            + pl.when(pl.col("bad")).then(pl.lit("bad")).otherwise(pl.lit("good"))
            + '","comment":"'
            + comment
            + '"}'
        )
        .when(pl.col("offered"))
        .then(pl.lit('{"score":"offered"}'))
        .otherwise(pl.lit('{"score":"unoffered"}'))
    )
    encoded = record.struct.json_encode()
    body = encoded.str.slice(0, encoded.str.len_chars() - 1)
    out = tickets.select(
        "updated_at",
        "ticket_id",
        "status",
        json=body + ',"satisfaction_rating":' + rating + "}",
    )
    return _with_repeats(rng, out, "ticket")


def _with_repeats(rng, frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """A share of records is exported again after a later update."""
    if "record" in frame.columns:
        encoded = pl.col("record").struct.json_encode()
        frame = frame.with_columns(json=encoded).drop("record")
    key = "user_id" if kind == "user" else "ticket_id"
    again = frame.filter(pl.Series(rng.random(frame.height) < 0.04))
    shift = pl.Series(rng.integers(DAY, 30 * DAY, again.height))
    new_at = pl.col("updated_at") + shift
    again = again.with_columns(
        json=pl.col("json").str.replace(
            r'"updated_at":"[^"]*"', '"updated_at":"' + iso_z(new_at) + '"'
        ),
        updated_at=new_at,
    )
    if kind == "ticket":
        again = again.with_columns(
            json=pl.col("json").str.replace(
                '"status":"solved"', '"status":"closed"', literal=True
            )
        )
    return pl.concat([frame, again]).select("updated_at", key, "json")


def write_pages(frames: list[pl.DataFrame], key: str, kind: str, folder: Path) -> dict:
    """Sort everything by updated_at and write incremental-export pages."""
    records = pl.concat(frames).sort(["updated_at", key])
    counts = {}
    total = records.height
    pages = max(1, -(-total // PAGE_SIZE))
    for page in range(pages):
        part = records.slice(page * PAGE_SIZE, PAGE_SIZE)
        end_time = int(part["updated_at"].max() or T0)
        last = page == pages - 1
        next_page = f"{SUBDOMAIN}/api/v2/incremental/{kind}.json?start_time={end_time}"
        body = ",\n".join(part["json"].to_list())
        text = (
            f'{{"{kind}":[\n{body}\n],"next_page":{json.dumps(next_page)},'
            f'"count":{part.height},"end_of_stream":{"true" if last else "false"},'
            f'"end_time":{end_time}}}\n'
        )
        name = f"{kind}-{page + 1:05d}.json"
        (folder / name).write_text(text, encoding="utf-8")
        counts[f"support/{name}"] = part.height
    return counts
