"""Scores against ground truth, on hand-built assignments."""

import polars as pl

from identity.canonical import canonicalize
from identity.config import IdentityConfig
from identity.evaluation import pairwise_scores, reachable_recall


def _records(rows: list[dict]) -> pl.DataFrame:
    return canonicalize(pl.DataFrame(rows, infer_schema_length=None), IdentityConfig())


def test_pairwise_scores_count_pairs_from_group_sizes():
    truth = pl.DataFrame(
        {
            "source": ["shop"] * 4,
            "source_record_id": ["a", "b", "c", "d"],
            "person_id": [1, 1, 1, 2],
        }
    )
    assignment = truth.select(
        "source", "source_record_id", customer_id=pl.Series(["x", "x", "y", "y"])
    )

    scores = pairwise_scores(assignment, truth)

    # Predicted pairs a-b and c-d; true pairs a-b, a-c, b-c.
    assert (scores.predicted_pairs, scores.true_pairs, scores.correct_pairs) == (
        2,
        3,
        1,
    )


def test_reachable_recall_follows_shared_evidence_within_one_person():
    records = _records(
        [
            # Person 1: a and b share an email, b and c a phone; d shares
            # only a common name with the others.
            {"source": "shop", "source_record_id": "a", "first_name": "Ann",
             "last_name": "Ray", "email": "ann.ray@example.org"},
            {"source": "email", "source_record_id": "b", "first_name": "Ann",
             "last_name": "Ray", "email": "ann.ray@example.org",
             "phone": "+15555550101"},
            {"source": "support", "source_record_id": "c", "first_name": "Ann",
             "last_name": "Ray", "phone": "+15555550101"},
            {"source": "web", "source_record_id": "d", "first_name": "Ann",
             "last_name": "Ray"},
            # Person 2 shares the email with person 1: no help across people.
            {"source": "email", "source_record_id": "e", "first_name": "Bo",
             "email": "ann.ray@example.org"},
        ]
    )  # fmt: skip
    truth = pl.DataFrame(
        {
            "source": ["shop", "email", "support", "web", "email"],
            "source_record_id": ["a", "b", "c", "d", "e"],
            "person_id": [1, 1, 1, 1, 2],
        }
    )

    # Reachable: a-b, a-c, b-c of the six true pairs of person 1.
    assert reachable_recall(records, truth) == 0.5
