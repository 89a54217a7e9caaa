"""Ground truth agrees with the landing files, and churn leaves a signal."""

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from synthetic.emails import mailbox_key

PRE_CHURN = timedelta(days=90)
PEOPLE = 2000  # as in conftest.py
SEED = 11


def _csv_rows(path):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _member_rows(landing):
    with zipfile.ZipFile(landing / "email" / "audience_export.zip") as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            yield from csv.DictReader(io.StringIO(text, newline=""))


def _web_events(landing):
    for path in sorted((landing / "web").glob("events-*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


def _support_users(landing):
    for path in sorted((landing / "support").glob("users-*.json")):
        yield from json.loads(path.read_text(encoding="utf-8"))["users"]


@pytest.fixture(scope="module")
def records(dataset) -> pl.DataFrame:
    return pl.read_parquet(dataset / "truth" / "records.parquet")


@pytest.fixture(scope="module")
def people(dataset) -> pl.DataFrame:
    return pl.read_parquet(dataset / "truth" / "people.parquet")


@pytest.fixture(scope="module")
def person_of(records) -> dict[tuple[str, str], int]:
    return {
        (s, r): p
        for s, r, p in records.select(
            "source", "source_record_id", "person_id"
        ).iter_rows()
    }


def test_manifest(dataset):
    manifest = json.loads((dataset / "truth" / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["people"] == PEOPLE
    assert manifest["window"] == {
        "start": "2024-01-01T00:00:00Z",
        "end": "2026-01-01T00:00:00Z",
    }
    rows = manifest["rows"]
    assert rows["shop/customers_export.csv"] == len(
        _csv_rows(dataset / "landing" / "shop" / "customers_export.csv")
    )
    assert any(k.startswith("email/audience_export.zip!subscribed_") for k in rows)


def test_people_table(people):
    assert people.height == PEOPLE
    assert people["person_id"].is_unique().all()
    assert people.columns == [
        "person_id",
        "household_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "street",
        "house_number",
        "postcode",
        "city",
        "country",
        "first_order_at",
        "last_order_at",
        "n_orders",
        "revenue",
        "churned_at",
        "purchase_rate",
        "dropout_probability",
    ]
    assert people["phone"].str.contains(r"^\+\d{8,15}$").all()
    assert set(people["country"]) == {"US", "GB", "DE", "FR"}
    assert people["household_id"].n_unique() < PEOPLE


def test_records_match_landing_exactly(landing, records, people):
    landed = {
        "shop": {
            r["Customer ID"].lstrip("'")
            for r in _csv_rows(landing / "shop" / "customers_export.csv")
        },
        "support": {
            str(u["id"]) for u in _support_users(landing) if u["role"] == "end-user"
        },
        "email": {r["LEID"] for r in _member_rows(landing)},
        "web": {e["anonymousId"] for e in _web_events(landing)},
    }
    assert records.select("source", "source_record_id").is_unique().all()
    for source, ids in landed.items():
        truth = set(records.filter(pl.col("source") == source)["source_record_id"])
        assert truth == ids, source
    assert set(records["person_id"]) <= set(people["person_id"])
    shares = records.group_by("source").agg(pl.col("person_id").n_unique())
    share = dict(shares.iter_rows())
    assert 0.45 < share["shop"] / PEOPLE < 0.65
    assert 0.3 < share["email"] / PEOPLE < 0.5
    assert 0.08 < share["support"] / PEOPLE < 0.25
    assert 0.55 < share["web"] / PEOPLE < 0.85


def test_revenue_matches_orders(landing, people, person_of):
    customers = _csv_rows(landing / "shop" / "customers_export.csv")
    by_email = {
        c["Email"]: c["Customer ID"].lstrip("'") for c in customers if c["Email"]
    }
    by_phone = {
        c["Phone"]: c["Customer ID"].lstrip("'") for c in customers if not c["Email"]
    }
    revenue = defaultdict(float)
    orders = defaultdict(int)
    for row in _csv_rows(landing / "shop" / "orders_export_1.csv"):
        if not row["Id"]:
            continue  # a later line item of the same order
        customer = by_email[row["Email"]] if row["Email"] else by_phone[row["Phone"]]
        person = person_of[("shop", customer)]
        revenue[person] += float(row["Total"]) - float(row["Refunded Amount"])
        orders[person] += 1
    truth = people.filter(pl.col("n_orders") > 0)
    assert truth.height == len(orders)
    for person, n_orders, amount in truth.select(
        "person_id", "n_orders", "revenue"
    ).iter_rows():
        assert orders[person] == n_orders
        assert amount == pytest.approx(revenue[person], abs=0.02)


def _churned(people) -> dict[int, datetime]:
    window_start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = people.filter(pl.col("churned_at").is_not_null()).select(
        "person_id", "churned_at"
    )
    return {
        p: c for p, c in rows.iter_rows() if c - PRE_CHURN > window_start + PRE_CHURN
    }


def test_churn_signal_in_email_opens(landing, people, person_of):
    churned = _churned(people)
    leid_of = {
        r["Email Address"].strip().lower(): r["LEID"] for r in _member_rows(landing)
    }
    counts = defaultdict(lambda: [0, 0, 0, 0])  # early sent, opens, late sent, opens
    seen = set()
    for path in sorted((landing / "email").glob("sendgrid-events-*.json")):
        for e in json.loads(path.read_text(encoding="utf-8")):
            if e["sg_event_id"] in seen or e["event"] not in ("delivered", "open"):
                continue
            seen.add(e["sg_event_id"])
            person = person_of.get(("email", leid_of.get(e["email"], "")))
            if person not in churned:
                continue
            at = datetime.fromtimestamp(e["timestamp"], UTC)
            late = at >= churned[person] - PRE_CHURN
            slot = 2 if late else 0
            counts[person][slot + (e["event"] == "open")] += 1
    early_sent = sum(c[0] for c in counts.values())
    early_open = sum(c[1] for c in counts.values())
    late_sent = sum(c[2] for c in counts.values())
    late_open = sum(c[3] for c in counts.values())
    assert early_sent > 50 and late_sent > 20
    assert late_open / late_sent < 0.6 * (early_open / early_sent)


def test_churn_signal_in_web_visits(landing, people, person_of):
    churned = _churned(people)
    window_start = datetime(2024, 1, 1, tzinfo=UTC)
    early = late = 0
    early_days = late_days = 0.0
    for at in churned.values():
        early_days += (at - PRE_CHURN - window_start).days
        late_days += PRE_CHURN.days
    for e in _web_events(landing):
        person = person_of.get(("web", e["anonymousId"]))
        if person not in churned or e["type"] != "page":
            continue
        at = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
        if at < churned[person] - PRE_CHURN:
            early += 1
        elif at < churned[person]:
            late += 1
    assert late / late_days < 0.6 * (early / early_days)


def test_churn_signal_in_support_ratings(landing, people, person_of):
    # Fading customers (within PRE_CHURN of churning) against customers who
    # never churn; tickets after a churn are neither.
    churned = _churned(people)
    steady = set(people.filter(pl.col("churned_at").is_null())["person_id"])
    bad = defaultdict(int)
    rated = defaultdict(int)
    tickets = {}
    for path in sorted((landing / "support").glob("tickets-*.json")):
        for t in json.loads(path.read_text(encoding="utf-8"))["tickets"]:
            tickets[t["id"]] = t  # later pages carry the newer version
    for t in tickets.values():
        score = t["satisfaction_rating"]["score"]
        if score not in ("good", "bad"):
            continue
        person = person_of.get(("support", str(t["requester_id"])))
        created = datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))
        if person in steady:
            group = "steady"
        elif person in churned and (
            churned[person] - PRE_CHURN <= created < churned[person]
        ):
            group = "fading"
        else:
            continue
        rated[group] += 1
        bad[group] += score == "bad"
    assert rated["fading"] >= 20 and rated["steady"] >= 20
    assert bad["fading"] / rated["fading"] > 2 * bad["steady"] / rated["steady"]


def test_no_two_people_share_a_private_mailbox(dataset):
    people = pl.read_parquet(dataset / "truth" / "people.parquet")

    mailboxes = people.select(
        "person_id", key=mailbox_key(pl.col("email").str.to_lowercase())
    )

    # gmail ignores dots: jane.doe@ and janedoe@ are one mailbox, one person.
    assert mailboxes["key"].null_count() == 0
    assert mailboxes["key"].n_unique() == people.height


def test_names_have_a_long_tail(people):
    # Real surnames: the commonest about 1% of people, most people's full
    # name shared by nobody else in a sample this size. Uniform draws from
    # a short list made every full name common.
    surname_share = people["last_name"].value_counts(normalize=True)["proportion"]
    full_names = people.group_by("first_name", "last_name").len()

    assert surname_share.max() < 0.04
    assert people["last_name"].n_unique() > people.height / 3
    assert (full_names["len"] == 1).sum() > 0.8 * full_names.height
