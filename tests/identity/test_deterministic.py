import duckdb
import polars as pl
import pytest

from identity.deterministic import assign_customers, customer_id_for
from identity.evaluation import pairwise_scores


def _records(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frame = pl.DataFrame(
        rows,
        schema=["source", "source_record_id", "shop_customer_id", "email_match_key"],
        orient="row",
    ).with_columns(record_key=pl.col("source") + ":" + pl.col("source_record_id"))
    con.register("frame", frame.to_arrow())
    con.execute("create table records as select * from frame")
    return con


def _customers(assigned: pl.DataFrame) -> dict[str, str]:
    return dict(zip(assigned["record_key"], assigned["customer_id"], strict=True))


def test_shared_keys_chain_records_into_one_customer():
    con = _records(
        [
            ("shop", "1", "1", "ann@x.com"),
            # A web login carries the shop id; its form fill a second email.
            ("web", "a", "1", "ann.work@y.com"),
            ("email", "9", None, "ann.work@y.com"),
            ("email", "8", None, "bob@x.com"),
        ]
    )

    customers = _customers(assign_customers(con, "records"))

    assert customers["shop:1"] == customers["web:a"] == customers["email:9"]
    assert customers["email:8"] != customers["shop:1"]


def test_ids_depend_only_on_the_records():
    rows = [("shop", str(i), str(i % 3), None) for i in range(9)]

    first = assign_customers(_records(rows), "records")
    again = assign_customers(_records(list(reversed(rows))), "records")

    assert first.equals(again)
    assert first["customer_id"].n_unique() == 3
    assert set(first["customer_id"]) == {customer_id_for(f"shop:{i}") for i in range(3)}


def test_empty_and_blank_keys_never_link():
    con = _records([("email", "1", None, ""), ("email", "2", None, "")])

    assigned = assign_customers(con, "records")

    assert assigned["cluster_size"].to_list() == [1, 1]


def test_no_records_gives_an_empty_assignment():
    con = _records([("shop", "1", "1", None)])
    con.execute("delete from records")

    assert assign_customers(con, "records").is_empty()


def test_pairwise_scores_count_pairs_from_cluster_sizes():
    assignment = pl.DataFrame(
        {
            "source": ["s"] * 4,
            "source_record_id": ["1", "2", "3", "4"],
            "customer_id": ["a", "a", "a", "b"],
        }
    )
    truth = pl.DataFrame(
        {
            "source": ["s"] * 4,
            "source_record_id": ["1", "2", "3", "4"],
            "person_id": ["p", "p", "q", "q"],
        }
    )

    scores = pairwise_scores(assignment, truth)

    # Predicted pairs 1-2, 1-3, 2-3; true pairs 1-2, 3-4; only 1-2 agrees.
    assert (scores.predicted_pairs, scores.true_pairs, scores.correct_pairs) == (
        3,
        2,
        1,
    )
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 2)
    assert scores.f1 == pytest.approx(0.4)
