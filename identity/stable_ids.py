"""Stable customer ids: clusters inherit the ids their records had before.

Splink's cluster ids change from run to run, so ids are ours. An old id goes
to the new cluster holding most of its records (a split: the larger part
keeps it); a cluster that inherits several old ids keeps the oldest (a
merge). A cluster with no old id gets one derived from its smallest record
key, so the same input always gives the same ids.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

import polars as pl

logger = logging.getLogger(__name__)

PREVIOUS_SCHEMA = {
    "record_key": pl.String,
    "customer_id": pl.String,
    "customer_created_at": pl.Datetime("us"),
}
HISTORY_SCHEMA = {
    "run_id": pl.String,
    "recorded_at": pl.Datetime("us"),
    "event": pl.String,
    "customer_id": pl.String,
    "other_customer_id": pl.String,
    "records_moved": pl.Int64,
    "evidence": pl.String,
}


def customer_id_for(anchor_record_key: str, salt: int = 0) -> str:
    """The id of a new cluster, derived from its smallest record key."""
    text = anchor_record_key if salt == 0 else f"{anchor_record_key}#{salt}"
    return f"cus_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


def _new_ids(anchors: list[str], taken: set[str]) -> list[str]:
    """`customer_id_for` each anchor, salted past ids already taken.

    A first run derives hundreds of thousands of ids, so the unsalted ids
    are derived in one pass and checked at once; the loop that salts, and
    grows the taken set id by id, runs only when one of them is taken (a
    previous id, or a 64-bit prefix shared by two anchors).
    """
    candidates = [customer_id_for(anchor) for anchor in anchors]
    if taken.isdisjoint(candidates) and len(set(candidates)) == len(candidates):
        return candidates
    new_ids = []
    for anchor in anchors:
        salt = 0
        while (candidate := customer_id_for(anchor, salt)) in taken:
            salt += 1
        taken.add(candidate)
        new_ids.append(candidate)
    return new_ids


def empty_previous() -> pl.DataFrame:
    return pl.DataFrame(schema=PREVIOUS_SCHEMA)


def assign_stable_ids(
    clusters: pl.DataFrame,
    previous: pl.DataFrame,
    links: pl.DataFrame,
    run_id: str,
    now: datetime,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give each cluster a customer id, keeping the previous run's ids.

    Args:
        clusters: `record_key`, `cluster` per record.
        previous: The last assignment: `record_key`, `customer_id`,
            `customer_created_at`; empty on a first run.
        links: Links inside clusters (`record_key_l`, `record_key_r`,
            `rule`, `match_probability`), the evidence for merges.
        run_id: Written to every history row.
        now: Creation time of new ids and time of history rows.

    Returns:
        The assignment (`record_key`, `cluster`, `customer_id`,
        `customer_created_at`) and the history rows of this run's merges and
        splits.
    """
    anchors = clusters.group_by("cluster").agg(anchor=pl.col("record_key").min())
    overlap = (
        clusters.join(previous, on="record_key", how="inner")
        .group_by("customer_id", "customer_created_at", "cluster")
        .agg(records=pl.len(), first_key=pl.col("record_key").min())
    )
    # Each old id follows the largest part of its records.
    heirs = (
        overlap.sort(["records", "first_key"], descending=[True, False])
        .group_by("customer_id", maintain_order=True)
        .first()
    )
    # A cluster inheriting several ids keeps the oldest.
    survivors = (
        heirs.sort(["customer_created_at", "customer_id"])
        .group_by("cluster", maintain_order=True)
        .first()
        .select("cluster", "customer_id", "customer_created_at")
    )
    fresh = anchors.join(survivors, on="cluster", how="anti").sort("anchor")
    new_ids = _new_ids(
        fresh["anchor"].to_list(), set(previous["customer_id"].unique().to_list())
    )
    fresh = fresh.select("cluster").with_columns(
        customer_id=pl.Series(new_ids, dtype=pl.String),
        customer_created_at=pl.lit(now, dtype=pl.Datetime("us")),
    )
    ids = pl.concat([survivors, fresh])
    assignment = clusters.select("record_key", "cluster").join(ids, on="cluster")
    history = _history(overlap, heirs, ids, previous, links, run_id, now)
    logger.info(
        "Stable ids: %d customers kept their id, %d new, %d merges, %d splits",
        survivors.height,
        fresh.height,
        history.filter(pl.col("event") == "merge").height,
        history.filter(pl.col("event") == "split").height,
    )
    return assignment, history


def _history(
    overlap: pl.DataFrame,
    heirs: pl.DataFrame,
    ids: pl.DataFrame,
    previous: pl.DataFrame,
    links: pl.DataFrame,
    run_id: str,
    now: datetime,
) -> pl.DataFrame:
    final = ids.select("cluster", final_id="customer_id")
    merges = (
        heirs.join(final, on="cluster")
        .filter(pl.col("customer_id") != pl.col("final_id"))
        .select(
            event=pl.lit("merge"),
            customer_id="final_id",
            other_customer_id="customer_id",
            records_moved=pl.col("records").cast(pl.Int64),
        )
    )
    splits = (
        overlap.join(heirs.select("customer_id", heir="cluster"), on="customer_id")
        .filter(pl.col("cluster") != pl.col("heir"))
        .join(final, on="cluster")
        .select(
            event=pl.lit("split"),
            customer_id="customer_id",
            other_customer_id="final_id",
            records_moved=pl.col("records").cast(pl.Int64),
        )
    )
    events = pl.concat([merges, splits])
    if events.is_empty():
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    events = events.join(
        _strongest_links(previous, links),
        left_on=[
            pl.min_horizontal("customer_id", "other_customer_id"),
            pl.max_horizontal("customer_id", "other_customer_id"),
        ],
        right_on=["id_a", "id_b"],
        how="left",
    )
    evidence = (
        pl.when(pl.col("event") == "split")
        .then(pl.lit('{"reason": "no accepted link joins this part to the rest"}'))
        .when(pl.col("evidence").is_null())
        .then(pl.lit('{"reason": "joined through records new in this run"}'))
        .otherwise(pl.col("evidence"))
    )
    return events.with_columns(
        run_id=pl.lit(run_id),
        recorded_at=pl.lit(now, dtype=pl.Datetime("us")),
        evidence=evidence,
    ).select(list(HISTORY_SCHEMA))


def _strongest_links(previous: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Per pair of old customer ids, the strongest link between them, as JSON."""
    old = previous.select("record_key", "customer_id")
    between = (
        links.join(
            old.rename({"record_key": "record_key_l", "customer_id": "id_l"}),
            on="record_key_l",
        )
        .join(
            old.rename({"record_key": "record_key_r", "customer_id": "id_r"}),
            on="record_key_r",
        )
        .filter(pl.col("id_l") != pl.col("id_r"))
        .with_columns(
            id_a=pl.min_horizontal("id_l", "id_r"),
            id_b=pl.max_horizontal("id_l", "id_r"),
        )
        .sort("match_probability", descending=True)
        .group_by("id_a", "id_b", maintain_order=True)
        .first()
    )
    return between.select(
        "id_a",
        "id_b",
        evidence=pl.struct(
            "record_key_l", "record_key_r", "rule", "match_probability"
        ).struct.json_encode(),
    )
