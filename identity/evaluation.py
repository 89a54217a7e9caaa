"""Compare a record-to-customer assignment with the generator's ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from identity.model import with_rare_full_names


@dataclass(frozen=True)
class PairwiseScores:
    """Pairwise precision and recall of a clustering against the truth."""

    records: int
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return (
            self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0
        )

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def pairwise_scores(assignment: pl.DataFrame, truth: pl.DataFrame) -> PairwiseScores:
    """Score record pairs put in one customer against pairs of one true person.

    Args:
        assignment: `source`, `source_record_id`, `customer_id` per record.
        truth: `source`, `source_record_id`, `person_id` per record.

    Returns:
        Pair counts over the records present in both frames. Pairs are counted
        from group sizes, never enumerated, so this is linear in the records.
    """
    joined = assignment.join(truth, on=["source", "source_record_id"], how="inner")

    def pairs(*keys: str) -> int:
        sizes = joined.group_by(*keys).len()["len"]
        return int((sizes * (sizes - 1) // 2).sum())

    return PairwiseScores(
        records=joined.height,
        predicted_pairs=pairs("customer_id"),
        true_pairs=pairs("person_id"),
        correct_pairs=pairs("customer_id", "person_id"),
    )


@dataclass(frozen=True)
class BCubedScores:
    """Cluster-level precision and recall averaged over records."""

    records: int
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def bcubed_scores(assignment: pl.DataFrame, truth: pl.DataFrame) -> BCubedScores:
    """B-cubed precision and recall of a clustering against the truth.

    For each record, precision is the share of its customer's records that are
    truly its person's, recall the share of its person's records inside its
    customer; both are averaged over the records present in both frames.
    """
    joined = assignment.join(truth, on=["source", "source_record_id"], how="inner")
    if joined.is_empty():
        return BCubedScores(records=0, precision=1.0, recall=1.0)
    scored = joined.with_columns(
        both=pl.len().over("customer_id", "person_id"),
        predicted=pl.len().over("customer_id"),
        true=pl.len().over("person_id"),
    )
    return BCubedScores(
        records=joined.height,
        precision=float((scored["both"] / scored["predicted"]).mean()),
        recall=float((scored["both"] / scored["true"]).mean()),
    )


def pairwise_by_source_pair(
    assignment: pl.DataFrame, truth: pl.DataFrame
) -> pl.DataFrame:
    """Pairwise precision, recall and F1 for each pair of sources.

    Returns:
        One row per source pair (`source_l` <= `source_r`) with the counts of
        predicted, true and correct pairs and the three scores.
    """
    joined = assignment.join(truth, on=["source", "source_record_id"], how="inner")
    sources = sorted(joined["source"].unique().to_list())

    def pair_counts(*keys: str) -> pl.DataFrame:
        counts = joined.group_by(*keys, "source").len()
        left = counts.rename({"source": "source_l", "len": "n_l"})
        right = counts.rename({"source": "source_r", "len": "n_r"})
        crossed = left.join(right, on=list(keys)).filter(
            pl.col("source_l") <= pl.col("source_r")
        )
        pairs = (
            pl.when(pl.col("source_l") == pl.col("source_r"))
            .then(pl.col("n_l") * (pl.col("n_l") - 1) // 2)
            .otherwise(pl.col("n_l") * pl.col("n_r"))
        )
        return crossed.group_by("source_l", "source_r").agg(
            pairs.cast(pl.Int64).sum().alias("pairs")
        )

    grid = pl.DataFrame(
        [(a, b) for a in sources for b in sources if a <= b],
        schema=["source_l", "source_r"],
        orient="row",
    )
    keys = ["source_l", "source_r"]
    table = (
        grid.join(
            pair_counts("customer_id").rename({"pairs": "predicted"}),
            on=keys,
            how="left",
        )
        .join(pair_counts("person_id").rename({"pairs": "true"}), on=keys, how="left")
        .join(
            pair_counts("customer_id", "person_id").rename({"pairs": "correct"}),
            on=keys,
            how="left",
        )
        .fill_null(0)
    )
    precision = (
        pl.when(pl.col("predicted") > 0)
        .then(pl.col("correct") / pl.col("predicted"))
        .otherwise(1.0)
    )
    recall = (
        pl.when(pl.col("true") > 0)
        .then(pl.col("correct") / pl.col("true"))
        .otherwise(1.0)
    )
    return (
        table.with_columns(precision=precision, recall=recall)
        .with_columns(
            f1=pl.when(pl.col("precision") + pl.col("recall") > 0)
            .then(
                2
                * pl.col("precision")
                * pl.col("recall")
                / (pl.col("precision") + pl.col("recall"))
            )
            .otherwise(0.0)
        )
        .sort(keys)
    )


def records_with_evidence(records: pl.DataFrame) -> pl.DataFrame:
    """Keys of records carrying any field or key that identity can link on.

    Anonymous web browsers that never identified themselves carry none: no
    resolver can place them, so scores over the remaining records show what
    the linking itself achieves.
    """
    fields = [
        name
        for name in (
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "postcode",
            "birth_date",
            "shop_customer_id",
            "support_user_id",
        )
        if name in records.columns
    ]
    return records.filter(
        pl.any_horizontal(pl.col(name).is_not_null() for name in fields)
    ).select("source", "source_record_id")


def assignment_agreement(first: pl.DataFrame, second: pl.DataFrame) -> float:
    """Share of records placed with exactly the same co-members in both.

    Ids may differ between the two (`record_key`, `customer_id` each); a
    record agrees when its customer in `first` and in `second` hold the same
    records.
    """
    joined = first.select("record_key", id_a="customer_id").join(
        second.select("record_key", id_b="customer_id"), on="record_key"
    )
    if joined.is_empty():
        return 1.0
    counted = joined.with_columns(
        both=pl.len().over("id_a", "id_b"),
        size_a=pl.len().over("id_a"),
        size_b=pl.len().over("id_b"),
    )
    agree = (counted["both"] == counted["size_a"]) & (
        counted["both"] == counted["size_b"]
    )
    return float(agree.mean())


# Values two records of one person can share that a linker can act on: the
# source keys, and the values the model's blocking rules pair records on. A
# full name counts only where few records hold it (`rare_full_name`): a
# common one is shared by many people.
SHARED_EVIDENCE = (
    ("shop_customer_id",),
    ("support_user_id",),
    ("web_anonymous_id",),
    ("email_match_key",),
    ("phone_key",),
    ("rare_full_name",),
    ("given_name", "last_name", "postcode"),
    ("last_name", "birth_date"),
    ("given_name", "birth_date"),
    ("postcode", "house_number", "last_name"),
    ("postcode", "house_number", "given_name"),
)


def reachable_recall(canonical: pl.DataFrame, truth: pl.DataFrame) -> float:
    """Pairwise recall of a perfect linker that needs shared evidence.

    Records of one true person are joined when they share the values of one
    of `SHARED_EVIDENCE`, directly or through other records of that person.
    A linker that only compares such pairs (ours does) recalls no more; the
    other true pairs share only a common name or nothing. Rare names are
    counted among the records given, as resolution counts them.

    Args:
        canonical: Canonical identity records (`identity.canonical.COLUMNS`).
        truth: `source`, `source_record_id`, `person_id` per record.
    """
    if "rare_full_name" not in canonical.columns:
        canonical = with_rare_full_names(canonical)
    people = canonical.join(truth, on=["source", "source_record_id"]).with_row_index(
        "node"
    )
    left, right = [], []
    for keys in SHARED_EVIDENCE:
        groups = (
            people.drop_nulls(keys)
            .with_columns(anchor=pl.col("node").min().over("person_id", *keys))
            .filter(pl.col("node") != pl.col("anchor"))
        )
        left.append(groups["node"].to_numpy())
        right.append(groups["anchor"].to_numpy())
    left, right = np.concatenate(left), np.concatenate(right)
    graph = coo_matrix(
        (np.ones(left.size, dtype=np.int8), (left, right)),
        shape=(people.height, people.height),
    )
    _, labels = connected_components(graph, directed=False)
    oracle = people.select(
        "source", "source_record_id", customer_id=pl.Series(labels).cast(pl.String)
    )
    return pairwise_scores(oracle, truth).recall
