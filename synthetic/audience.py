"""Mailchimp view: audience members (subscribed, unsubscribed, cleaned).

Member CSVs grow chunk by chunk in a scratch folder and are zipped once at
the end with a fixed timestamp, so the zip's bytes depend only on the seed.
"""

import zipfile
from pathlib import Path

import numpy as np
import polars as pl

from synthetic import noise
from synthetic.behaviour import PRE_CHURN
from synthetic.clock import DAY, T0, T1, plain_utc
from synthetic.csv_files import append_csv
from synthetic.ids import random_hex, scramble
from synthetic.population import address_line

LIST_ID = "3f9a1c2b7d"
LEID_BASE = 200_000_000
MERGE_COLUMNS = [
    "Email Address",
    "First Name",
    "Last Name",
    "Address",
    "Phone Number",
    "Birthday",
]
_SYSTEM = [
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
_TAIL = ["LEID", "EUID", "NOTES", "TAGS"]
COLUMNS = {
    "subscribed": MERGE_COLUMNS + _SYSTEM + ["LAST_CHANGED"] + _TAIL,
    "unsubscribed": MERGE_COLUMNS
    + _SYSTEM
    + [
        "UNSUB_TIME",
        "UNSUB_CAMPAIGN_TITLE",
        "UNSUB_CAMPAIGN_ID",
        "UNSUB_REASON",
        "UNSUB_REASON_OTHER",
    ]
    + _TAIL,
    "cleaned": MERGE_COLUMNS
    + _SYSTEM
    + [
        "CLEAN_TIME",
        "CLEAN_CAMPAIGN_TITLE",
        "CLEAN_CAMPAIGN_ID",
    ]
    + _TAIL,
}
ZIP_NAME = "audience_export.zip"
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_TAG_SETS = ("", "", '"VIP"', '"Winter 2024"', '"VIP","Winter 2024"', '"Newsletter"')
_GEO = {
    "US": ("40.7128", "-74.0060", "-5", "-4", "America/New_York", "US", "NY"),
    "GB": ("51.5072", "-0.1276", "0", "1", "Europe/London", "GB", "ENG"),
    "DE": ("52.5200", "13.4050", "1", "2", "Europe/Berlin", "DE", "BE"),
    "FR": ("48.8566", "2.3522", "1", "2", "Europe/Paris", "FR", "IDF"),
}


def campaigns() -> pl.DataFrame:
    """A newsletter every 15 days across the window."""
    k = np.arange(48)
    sent = T0 + 10 * DAY + k * 15 * DAY + 15 * 3600
    ids = [f"{(i * 2_654_435_761 + 97) % 16**10:010x}" for i in range(48)]
    return pl.DataFrame(
        {
            "campaign_idx": k,
            "campaign_sent_at": sent,
            "campaign_id": ids,
            "campaign_title": [f"Newsletter #{i + 1}" for i in range(48)],
        }
    )


def build_members(rng: np.random.Generator, people: pl.DataFrame) -> pl.DataFrame:
    """One row per membership, with status and its lifecycle times."""
    p = people.filter(pl.col("in_email"))
    first = p.with_columns(
        leid=LEID_BASE + scramble(pl.col("person_id"), 16_807) * 4, member_email="email"
    )
    second = p.filter(
        pl.col("work_email").is_not_null() & pl.Series(rng.random(p.height) < 0.15)
    ).with_columns(
        leid=LEID_BASE + scramble(pl.col("person_id"), 16_807) * 4 + 2,
        member_email="work_email",
    )
    members = pl.concat([first, second]).sort("leid")
    n = members.height
    optin = rng.integers(T0 - 365 * DAY, T1 - 30 * DAY, n)
    churned = members["churned_at"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    churns = ~np.isnan(churned) & (churned > np.maximum(optin, T0))
    u = rng.random(n)
    unsub_p = np.where(churns, 0.35, 0.13)
    status = np.where(
        u < unsub_p,
        "unsubscribed",
        np.where(u < unsub_p + 0.1, "cleaned", "subscribed"),
    )
    left = rng.integers(np.maximum(optin, T0) + 7 * DAY, T1)
    # Churners who unsubscribe do so around their dropout.
    near_churn = churned - rng.uniform(0, PRE_CHURN, n)
    left = np.where(churns & (status == "unsubscribed"), near_churn, left).astype(
        np.int64
    )
    left = np.maximum(left, optin + DAY)
    left = np.where(status == "subscribed", T1, left)
    return members.with_columns(
        status=pl.Series(status),
        optin_at=pl.Series(optin),
        left_at=pl.Series(left),
        imported=pl.Series(rng.random(n) < 0.25),
        open_propensity=pl.Series(rng.beta(2.0, 3.5, n)),
        euid=random_hex(rng, n, 5),
    )


def member_rows(rng, members: pl.DataFrame, camp: pl.DataFrame) -> pl.DataFrame:
    """Render member rows with all columns any of the three files needs."""
    m = noise.nickname(members, "first_name", "nickname", 0.15, rng)
    m = noise.typo(m, "first_name", 0.02, rng)
    m = noise.blank(m, "last_name", 0.08, rng, "")
    m = noise.case_noise(m, "member_email", 0.04, rng)
    m = noise.whitespace(m, "member_email", 0.01, rng)
    m = noise.gmail_variant(m, "member_email", 0.1, rng)
    m = m.with_columns(member_phone=pl.coalesce("phone", "landline"))
    m = noise.format_phone(m, "member_phone", "country", rng)
    m = noise.blank(m, "member_phone", 0.5, rng, "")
    n = m.height
    stale = pl.col("moved_at").is_not_null() & pl.Series(rng.random(n) < 0.6)

    def addr(col: str) -> pl.Expr:
        return pl.when(stale).then(pl.col("old_" + col)).otherwise(pl.col(col))

    address = pl.concat_str(
        address_line(addr("street"), addr("house_number"), pl.col("country")),
        addr("city"),
        addr("region"),
        addr("postcode"),
        pl.col("country"),
        separator="  ",
    )
    ip = (
        pl.Series(rng.integers(11, 223, n)).cast(pl.String)
        + "."
        + pl.Series(rng.integers(0, 256, n)).cast(pl.String)
        + "."
        + pl.Series(rng.integers(0, 256, n)).cast(pl.String)
        + "."
        + pl.Series(rng.integers(1, 255, n)).cast(pl.String)
    )
    # The campaign in which the member left is the last one sent before.
    sent = camp["campaign_sent_at"].to_numpy()
    idx = np.clip(np.searchsorted(sent, m["left_at"].to_numpy()) - 1, 0, len(sent) - 1)
    geo = {i: {k: v[i] for k, v in _GEO.items()} for i in range(7)}
    optin = plain_utc(pl.col("optin_at"))
    with_address = pl.Series(rng.random(n) < 0.6)
    return m.select(
        "status",
        "leid",
        **{
            "Email Address": pl.col("member_email"),
            "First Name": pl.col("first_name"),
            "Last Name": pl.col("last_name"),
            "Address": pl.when(with_address).then(address).otherwise(pl.lit("")),
            "Phone Number": pl.col("member_phone"),
            "Birthday": pl.when(pl.Series(rng.random(n) < 0.3))
            .then(pl.col("birth_date").dt.strftime("%m/%d"))
            .otherwise(pl.lit("")),
            "MEMBER_RATING": pl.Series(rng.integers(1, 6, n)).cast(pl.String),
            "OPTIN_TIME": pl.when(pl.col("imported")).then(pl.lit("")).otherwise(optin),
            "OPTIN_IP": pl.when(pl.col("imported")).then(pl.lit("")).otherwise(ip),
            "CONFIRM_TIME": plain_utc(pl.col("optin_at") + 120),
            "CONFIRM_IP": pl.when(pl.col("imported")).then(pl.lit("")).otherwise(ip),
            "LATITUDE": pl.col("country").replace_strict(geo[0]),
            "LONGITUDE": pl.col("country").replace_strict(geo[1]),
            "GMTOFF": pl.col("country").replace_strict(geo[2]),
            "DSTOFF": pl.col("country").replace_strict(geo[3]),
            "TIMEZONE": pl.col("country").replace_strict(geo[4]),
            "CC": pl.col("country").replace_strict(geo[5]),
            "REGION": pl.col("region"),
            "LAST_CHANGED": plain_utc(pl.col("optin_at") + 3 * DAY),
            "UNSUB_TIME": plain_utc(pl.col("left_at")),
            "UNSUB_CAMPAIGN_TITLE": pl.Series(camp["campaign_title"].to_numpy()[idx]),
            "UNSUB_CAMPAIGN_ID": pl.Series(camp["campaign_id"].to_numpy()[idx]),
            "UNSUB_REASON": pl.Series(
                np.array(["", "NORMAL", "NOSIGNUP", "INAPPROPRIATE", "SPAM", "OTHER"])[
                    rng.integers(0, 6, n)
                ]
            ),
            "UNSUB_REASON_OTHER": pl.lit(""),
            "CLEAN_TIME": plain_utc(pl.col("left_at")),
            "CLEAN_CAMPAIGN_TITLE": pl.Series(camp["campaign_title"].to_numpy()[idx]),
            "CLEAN_CAMPAIGN_ID": pl.Series(camp["campaign_id"].to_numpy()[idx]),
            "LEID": pl.col("leid").cast(pl.String),
            "EUID": pl.col("euid"),
            "NOTES": pl.lit(""),
            "TAGS": pl.Series(np.array(_TAG_SETS)[rng.integers(0, len(_TAG_SETS), n)]),
        },
    )


def append_members(rows: pl.DataFrame, scratch: Path) -> dict[str, int]:
    """Append each status's rows to its scratch CSV."""
    counts = {}
    for status, columns in COLUMNS.items():
        part = rows.filter(pl.col("status") == status)
        path = scratch / member_file(status)
        counts[status] = append_csv(part, path, columns)
    return counts


def member_file(status: str) -> str:
    return f"{status}_members_export_{LIST_ID}.csv"


def zip_members(scratch: Path, folder: Path) -> Path:
    """Zip the three member files with fixed metadata (deterministic bytes)."""
    target = folder / ZIP_NAME
    with zipfile.ZipFile(target, "w") as archive:
        for status in COLUMNS:
            source = scratch / member_file(status)
            info = zipfile.ZipInfo(member_file(status), date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with source.open("rb") as src, archive.open(info, "w") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
    return target
