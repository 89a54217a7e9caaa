"""Customer ids stay put across runs; merges keep the oldest, splits the larger."""

from datetime import datetime

import polars as pl

from identity.config import IdentityConfig
from identity.evaluation import assignment_agreement
from identity.resolution import resolve
from identity.stable_ids import assign_stable_ids, customer_id_for

RUN_1 = datetime(2026, 1, 1)
RUN_2 = datetime(2026, 2, 1)
NO_LINKS = pl.DataFrame(
    schema={
        "record_key_l": pl.String,
        "record_key_r": pl.String,
        "rule": pl.String,
        "match_probability": pl.Float64,
    }
)


def _clusters(groups: list[list[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(key, index) for index, group in enumerate(groups) for key in group],
        schema={"record_key": pl.String, "cluster": pl.Int64},
        orient="row",
    )


def _previous(rows: list[tuple[str, str, datetime]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "record_key": pl.String,
            "customer_id": pl.String,
            "customer_created_at": pl.Datetime("us"),
        },
        orient="row",
    )


def _ids(assignment: pl.DataFrame) -> dict[str, str]:
    return dict(assignment.select("record_key", "customer_id").iter_rows())


def test_merge_keeps_the_oldest_id_and_records_it():
    previous = _previous(
        [("a", "cus_new", RUN_2), ("b", "cus_old", RUN_1), ("c", "cus_old", RUN_1)]
    )
    links = pl.DataFrame(
        {
            "record_key_l": ["a"],
            "record_key_r": ["b"],
            "rule": ["splink"],
            "match_probability": [0.9995],
        }
    )

    assignment, history = assign_stable_ids(
        _clusters([["a", "b", "c"]]), previous, links, "run-2", RUN_2
    )

    assert set(_ids(assignment).values()) == {"cus_old"}
    merge = history.row(0, named=True)
    assert (merge["event"], merge["customer_id"], merge["other_customer_id"]) == (
        "merge",
        "cus_old",
        "cus_new",
    )
    assert merge["run_id"] == "run-2"
    assert '"match_probability":0.9995' in merge["evidence"]


def test_split_leaves_the_id_with_the_larger_part():
    previous = _previous([(key, "cus_x", RUN_1) for key in ("a", "b", "c")])

    assignment, history = assign_stable_ids(
        _clusters([["c"], ["a", "b"]]), previous, NO_LINKS, "run-2", RUN_2
    )

    ids = _ids(assignment)
    assert ids["a"] == ids["b"] == "cus_x"
    assert ids["c"] not in ("cus_x",)
    split = history.row(0, named=True)
    assert (split["event"], split["customer_id"], split["other_customer_id"]) == (
        "split",
        "cus_x",
        ids["c"],
    )
    assert split["records_moved"] == 1


def test_a_new_id_never_reuses_an_id_in_use():
    # The split-off part's smallest key derived the old id: it must not reuse it.
    old_id = customer_id_for("a")
    previous = _previous([(key, old_id, RUN_1) for key in ("a", "b", "c")])

    assignment, _ = assign_stable_ids(
        _clusters([["a"], ["b", "c"]]), previous, NO_LINKS, "run-2", RUN_2
    )

    ids = _ids(assignment)
    assert ids["b"] == old_id
    assert ids["a"] != old_id


def test_new_ids_derive_from_the_smallest_key_and_skip_ids_in_use():
    # Many new clusters at once, one of whose derived ids is already in use.
    groups = [[f"k{i:03d}", f"k{i:03d}b"] for i in range(200)]
    previous = _previous([("gone", customer_id_for("k007"), RUN_1)])

    assignment, _ = assign_stable_ids(
        _clusters(groups), previous, NO_LINKS, "run-2", RUN_2
    )

    ids = _ids(assignment)
    assert ids["k007"] == ids["k007b"] == customer_id_for("k007", salt=1)
    assert all(ids[f"k{i:03d}"] == customer_id_for(f"k{i:03d}") for i in range(7))
    assert len(set(ids.values())) == len(groups)
    # With no id in use, every id is its anchor's unsalted one.
    first, _ = assign_stable_ids(
        _clusters(groups), _previous([]), NO_LINKS, "run-1", RUN_1
    )
    assert _ids(first)["k007b"] == customer_id_for("k007")


def test_same_input_gives_the_same_ids(population, model_dir):
    records, _ = population
    config = IdentityConfig()

    first = resolve(records, config, model_dir=model_dir, now=RUN_1)
    again = resolve(records, config, model_dir=model_dir, now=RUN_1)
    rerun = resolve(
        records,
        config,
        model_dir=model_dir,
        previous=first.assignment,
        now=RUN_2,
    )

    assert _ids(first.assignment) == _ids(again.assignment)
    assert _ids(first.assignment) == _ids(rerun.assignment)
    assert rerun.history.is_empty()


def test_incremental_run_keeps_ids_and_agrees_with_a_full_rebuild(
    population, model_dir
):
    records, _ = population
    config = IdentityConfig()
    # The last tenth of the records arrives in a second load.
    cut = int(records.height * 0.9)
    base = resolve(records.head(cut), config, model_dir=model_dir, now=RUN_1)

    incremental = resolve(
        records,
        config,
        model_dir=model_dir,
        previous=base.assignment,
        incremental=True,
        now=RUN_2,
    )
    full = resolve(
        records, config, model_dir=model_dir, previous=base.assignment, now=RUN_2
    )

    assert incremental.records_linked == records.height - cut
    kept = base.assignment.join(
        incremental.assignment, on="record_key", suffix="_after"
    )
    merged = set(incremental.history["other_customer_id"].to_list())
    unchanged = kept.filter(~pl.col("customer_id").is_in(list(merged)))
    assert (unchanged["customer_id"] == unchanged["customer_id_after"]).all()
    assert assignment_agreement(incremental.assignment, full.assignment) >= 0.999


def test_incremental_run_relinks_a_record_whose_fields_changed(population, model_dir):
    records, _ = population
    config = IdentityConfig()
    base = resolve(records, config, model_dir=model_dir, now=RUN_1)
    ids = _ids(base.assignment)
    # An audience member of a customer with other records rewrites their
    # profile with another customer's details.
    assignment = base.assignment.with_columns(size=pl.len().over("customer_id"))
    audience = assignment.filter(
        pl.col("record_key").str.starts_with("email:") & (pl.col("size") > 1)
    )
    moved = audience["record_key"][0]
    old_mate = assignment.filter(
        (pl.col("customer_id") == ids[moved]) & (pl.col("record_key") != moved)
    )["record_key"][0]
    donor = assignment.filter(
        pl.col("record_key").str.starts_with("email:")
        & (pl.col("customer_id") != ids[moved])
    )["record_key"][0]
    fields = ["first_name", "last_name", "email", "phone", "birth_date"]
    donor_row = records.filter(
        pl.col("source_record_id") == donor.removeprefix("email:")
    ).row(0, named=True)
    is_moved = (pl.col("source") == "email") & (
        pl.col("source_record_id") == moved.removeprefix("email:")
    )
    changed = records.with_columns(
        pl.when(is_moved)
        .then(pl.lit(donor_row[name]))
        .otherwise(pl.col(name))
        .alias(name)
        for name in fields
    )

    incremental = resolve(
        changed,
        config,
        model_dir=model_dir,
        previous=base.assignment,
        incremental=True,
        now=RUN_2,
    )

    after = _ids(incremental.assignment)
    assert incremental.records_linked == 1
    assert after[moved] == after[donor] == ids[donor]
    assert after[old_mate] == ids[old_mate]
    # A move, not a merge: the moved record's old customer is not absorbed.
    assert incremental.history.filter(pl.col("event") == "merge").is_empty()
