"""SendGrid view: event-webhook batches for the newsletter sends.

Every send yields processed and (mostly) delivered events; opens and clicks
depend on the member's propensity and fade before the person's dropout.
Batches are JSON arrays, shuffled, with a few events repeated.
"""

from pathlib import Path

import numpy as np
import polars as pl

from synthetic.behaviour import engagement
from synthetic.clock import DAY
from synthetic.ids import random_hex, random_token

BATCH_SIZE = 50_000
SEND_SHARE = 0.15  # a campaign goes to a segment of about 15% of subscribers
_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/123.0 Mobile",
)


def build_sends(rng, members: pl.DataFrame, camp: pl.DataFrame) -> pl.DataFrame:
    """Member x campaign pairs received while subscribed."""
    sent = camp["campaign_sent_at"].to_numpy()
    optin = members["optin_at"].to_numpy()
    left = members["left_at"].to_numpy()
    active = (sent[None, :] >= optin[:, None]) & (sent[None, :] < left[:, None])
    chosen = active & (rng.random(active.shape) < SEND_SHARE)
    member_idx, camp_idx = np.nonzero(chosen)
    churned = members["churned_at"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    level = engagement(sent[camp_idx].astype(np.float64), churned[member_idx])
    return pl.DataFrame(
        {
            "member_idx": member_idx,
            "campaign_idx": camp_idx,
            "processed_at": sent[camp_idx] + rng.integers(0, 3600, member_idx.size),
            "open_p": members["open_propensity"].to_numpy()[member_idx] * level,
        }
    )


def build_events(
    rng, members: pl.DataFrame, camp: pl.DataFrame, sends: pl.DataFrame
) -> pl.Series:
    """All webhook events for the chunk as JSON object strings, shuffled."""
    email = members["member_email"].str.strip_chars().str.to_lowercase()
    n = sends.height
    s = sends.with_columns(
        email=pl.Series(email.to_numpy()[sends["member_idx"].to_numpy()]),
        message_id=random_hex(rng, n, 11),
        campaign_id=pl.Series(camp["campaign_id"].to_numpy()[sends["campaign_idx"]]),
        month=pl.Series(camp["campaign_sent_at"].to_numpy()[sends["campaign_idx"]]),
    )
    u = rng.random((5, n))
    dropped = u[0] < 0.005
    deferred = u[1] < 0.02
    opens = np.where(
        ~dropped & (u[2] < s["open_p"].to_numpy()), 1 + rng.poisson(0.4, n), 0
    )
    clicks = (opens > 0) & (u[3] < 0.25)
    spam = ~dropped & (u[4] < 0.001)

    parts = [
        _events(rng, s, "processed", 0),
        _events(rng, s.filter(pl.Series(dropped)), "dropped", 2),
        _events(rng, s.filter(pl.Series(deferred & ~dropped)), "deferred", 5),
        _events(rng, s.filter(pl.Series(~dropped)), "delivered", 30),
        _events(rng, s.filter(pl.Series(spam)), "spamreport", 2 * DAY),
    ]
    opened = s[np.repeat(np.arange(n), opens)]
    parts.append(_events(rng, opened, "open", 3 * DAY))
    parts.append(_events(rng, s.filter(pl.Series(clicks)), "click", 3 * DAY))
    parts.append(_exits(rng, members, email))
    events = pl.concat([p for p in parts if p.len() > 0])
    repeats = events.filter(pl.Series(rng.random(events.len()) < 0.005))
    events = pl.concat([events, repeats])
    return events[rng.permutation(events.len())]


def _events(rng, s: pl.DataFrame, kind: str, delay: int) -> pl.Series:
    n = s.height
    at = pl.col("processed_at") + pl.Series(
        rng.integers(0, max(delay, 1), n) + (delay > 0)
    )
    ip = (
        pl.lit("149.72.")
        + pl.Series(rng.integers(0, 256, n)).cast(pl.String)
        + "."
        + (pl.Series(rng.integers(1, 255, n)).cast(pl.String))
    )
    agent = pl.Series(np.array(_AGENTS)[rng.integers(0, len(_AGENTS), n)])
    fields = {
        "email": pl.col("email"),
        "timestamp": at,
        "event": pl.lit(kind),
        "sg_event_id": random_token(rng, n, 22),
        "sg_message_id": pl.col("message_id") + ".filterdrecv-6d8f-1-" + pl.lit("0"),
        "smtp-id": "<" + pl.col("message_id") + "@ismtpd0001p1lon1.sendgrid.net>",
    }
    extra = {
        "processed": {"pool": pl.struct(name=pl.lit("newsletters"), id=pl.lit(210))},
        "dropped": {"reason": pl.lit("Bounced Address"), "status": pl.lit("5.0.0")},
        "delivered": {"response": pl.lit("250 OK"), "ip": ip, "tls": pl.lit(1)},
        "deferred": {
            "response": pl.lit("400 try again later"),
            "attempt": pl.lit("1"),
            "ip": ip,
            "tls": pl.lit(1),
        },
        "open": {"useragent": agent, "ip": ip, "sg_machine_open": pl.lit(False)},
        "click": {
            "useragent": agent,
            "ip": ip,
            "url": pl.lit(
                "https://shop.example.com/collections/new?utm_source=newsletter"
            ),
            "url_offset": pl.struct(index=pl.lit(0), type=pl.lit("html")),
        },
    }.get(kind, {})
    custom = {"campaign_id": pl.col("campaign_id"), "list_id": pl.lit("3f9a1c2b7d")}
    encoded = pl.struct(**fields, **extra, **custom).struct.json_encode()
    # `category` is a string for some sends and an array for others.
    as_list = pl.Series(rng.random(n) < 0.5)
    month = pl.from_epoch(pl.col("month"), time_unit="s").dt.strftime("%Y-%m")
    category = (
        pl.when(as_list)
        .then('["newsletter","' + month + '"]')
        .otherwise(pl.lit('"newsletter"'))
    )
    body = encoded.str.slice(0, encoded.str.len_chars() - 1)
    return s.select(body + ',"category":' + category + "}").to_series()


def _exits(rng, members: pl.DataFrame, email: pl.Series) -> pl.Series:
    """Bounce events for cleaned members and unsubscribes for the others."""
    m = members.with_columns(
        email=email, message_id=random_hex(rng, members.height, 11)
    )
    left = m.filter(pl.col("status") != "subscribed")
    n = left.height
    if n == 0:
        return pl.Series([], dtype=pl.String)
    kind = left["status"].replace_strict(
        {"cleaned": "bounce", "unsubscribed": "unsubscribe"}
    )
    core = pl.struct(
        email=pl.col("email"),
        timestamp=pl.col("left_at"),
        event=pl.Series(kind),
        sg_event_id=random_token(rng, n, 22),
        sg_message_id=pl.col("message_id") + ".filterdrecv-6d8f-1-0",
    )
    bounce = pl.struct(
        email=pl.col("email"),
        timestamp=pl.col("left_at"),
        event=pl.lit("bounce"),
        sg_event_id=random_token(rng, n, 22),
        sg_message_id=pl.col("message_id") + ".filterdrecv-6d8f-1-0",
        reason=pl.lit(
            "550 5.1.1 The email account that you tried to reach does not exist."
        ),
        status=pl.lit("5.1.1"),
        type=pl.lit("bounce"),
        bounce_classification=pl.lit("Invalid Address"),
    )
    is_bounce = pl.Series(kind == "bounce")
    return left.select(
        pl.when(is_bounce)
        .then(bounce.struct.json_encode())
        .otherwise(core.struct.json_encode())
    ).to_series()


def write_batches(events: pl.Series, folder: Path, first_batch: int) -> dict[str, int]:
    """Write `events` as JSON-array files of up to BATCH_SIZE events."""
    counts = {}
    for k, start in enumerate(range(0, events.len(), BATCH_SIZE)):
        part = events.slice(start, BATCH_SIZE)
        name = f"sendgrid-events-{first_batch + k:05d}.json"
        (folder / name).write_text(
            "[\n" + ",\n".join(part.to_list()) + "\n]\n", encoding="utf-8"
        )
        counts[f"email/{name}"] = part.len()
    return counts
