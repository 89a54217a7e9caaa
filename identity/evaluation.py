"""Compare a record-to-customer assignment with the generator's ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


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
