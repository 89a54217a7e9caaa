"""Benchmark identity resolution against a plain Splink run on the same records.

Usage:
    python benchmarks/identity.py --data /tmp/cdp-100k [--data /tmp/cdp-1m]

Each --data folder is a data folder where the pipeline has run (for example
`CDP_DATA_DIR=/tmp/cdp-100k cdp demo --people 55000`, about 100,000 identity
records): the benchmark reads `staging.int_identity_records` from its
warehouse and scores with `truth/records.parquet`. Each run (ours, plain) is
a fresh subprocess so that its peak memory (ru_maxrss) is its own.

The plain run is what a data team would write by hand from Splink's
tutorial: names, birth date, email, postcode and address; five blocking
rules; u by random sampling, EM on two rules; clusters at p >= 0.95.
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from identity.canonical import canonicalize
from identity.config import IdentityConfig
from identity.evaluation import (
    pairwise_scores,
    reachable_recall,
    records_with_evidence,
)
from identity.resolution import resolve

PLAIN_THRESHOLD = 0.95
STAGES = ("canonicalize", "blocking", "training", "predict", "cluster", "ids")


def _load(data: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    records = con.sql("select * from staging.int_identity_records").pl()
    con.close()
    return records, pl.read_parquet(data / "truth" / "records.parquet")


def _scores(
    assignment: pl.DataFrame, truth: pl.DataFrame, records: pl.DataFrame
) -> dict:
    """Pairwise scores over all records and over those with identity evidence
    (anonymous web visitors who never identified carry none)."""
    every = pairwise_scores(assignment, truth)
    evidence = pairwise_scores(
        assignment,
        truth.join(records_with_evidence(records), on=["source", "source_record_id"]),
    )
    return {
        "precision": every.precision,
        "recall": every.recall,
        "f1": every.f1,
        "evidence_precision": evidence.precision,
        "evidence_recall": evidence.recall,
        "evidence_f1": evidence.f1,
    }


def run_ours(records: pl.DataFrame, truth: pl.DataFrame) -> dict:
    with tempfile.TemporaryDirectory() as model_dir:
        started = time.perf_counter()
        result = resolve(records, IdentityConfig(), model_dir=Path(model_dir))
        wall = time.perf_counter() - started
    timings = result.timings
    return {
        "comparisons": result.comparisons,
        "wall": wall,
        # Deterministic links and fingerprints run in a thread beside
        # training; time they take beyond it shows only in the wall time.
        "canonicalize": timings["canonicalize"],
        "blocking": timings.get("blocking", 0.0),
        "training": timings["training"],
        "predict": timings["predict"] - timings.get("blocking", 0.0),
        "cluster": timings["cluster"],
        "ids": timings["ids"] + timings["explain"],
        **_scores(result.assignment, truth, records),
        "reachable_recall": reachable_recall(
            canonicalize(
                records.join(
                    records_with_evidence(records), on=["source", "source_record_id"]
                ),
                IdentityConfig(),
            ),
            truth,
        ),
    }


def run_plain(records: pl.DataFrame, truth: pl.DataFrame) -> dict:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = records.select(
        "record_key",
        "first_name",
        "last_name",
        "email",
        pl.col("birth_date").cast(pl.String),
        "postcode",
        (pl.col("house_number") + " " + pl.col("street")).alias("address"),
    )
    rules = [
        block_on("first_name", "last_name"),
        block_on("email"),
        block_on("last_name", "birth_date"),
        block_on("postcode", "last_name"),
        block_on("first_name", "postcode"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_key",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("postcode"),
            cl.LevenshteinAtThresholds("address", 2),
        ],
        blocking_rules_to_generate_predictions=rules,
    )
    started = time.perf_counter()
    db_api = DuckDBAPI(duckdb.connect())
    linker = Linker(db_api.register(frame.to_arrow()), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "email")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("email")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    trained = time.perf_counter()
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    comparisons = int(
        linker.misc.query_sql(
            f"select count(*) as n from {blocked.physical_name}", "pandas"
        )["n"].iloc[0]
    )
    blocked_at = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    predicted = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=PLAIN_THRESHOLD
    )
    assignment = pl.from_arrow(clusters.as_pyarrow_table()).select(
        "record_key", customer_id=pl.col("cluster_id").cast(pl.String)
    )
    clustered = time.perf_counter()
    assignment = assignment.join(
        records.select("record_key", "source", "source_record_id"), on="record_key"
    )
    return {
        "comparisons": comparisons,
        "wall": clustered - started,
        "blocking": blocked_at - trained,
        "training": trained - started,
        "predict": predicted - blocked_at,
        "cluster": clustered - predicted,
        "canonicalize": 0.0,
        "ids": 0.0,
        **_scores(assignment, truth, records),
    }


@click.command()
@click.option(
    "--data",
    "folders",
    multiple=True,
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Data folder with a built warehouse and truth/ (repeatable).",
)
@click.option("--worker", type=click.Choice(["ours", "plain"]), hidden=True)
def main(folders: tuple[Path, ...], worker: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    if worker:
        records, truth = _load(folders[0])
        figures = (run_ours if worker == "ours" else run_plain)(records, truth)
        figures["records"] = records.height
        # Linux reports ru_maxrss in KiB.
        figures["peak_gib"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        )
        print(json.dumps(figures))
        return

    results = []
    for folder in folders:
        row = {}
        for kind in ("ours", "plain"):
            output = subprocess.run(
                [sys.executable, __file__, "--data", str(folder), "--worker", kind],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            row[kind] = json.loads(output.strip().splitlines()[-1])
        results.append(row)
    _print_table(results)


def _print_table(results: list[dict]) -> None:
    figures = [
        ("comparisons", "{:,.0f}"),
        ("wall", "{:.1f} s"),
        *[(stage, "{:.1f} s") for stage in STAGES],
        ("peak_gib", "{:.2f} GiB"),
        ("precision", "{:.4f}"),
        ("recall", "{:.4f}"),
        ("f1", "{:.4f}"),
        ("evidence_precision", "{:.4f}"),
        ("evidence_recall", "{:.4f}"),
        ("evidence_f1", "{:.4f}"),
    ]
    for row in results:
        ours, plain = row["ours"], row["plain"]
        print(f"\n{ours['records']:,} identity records")
        print(f"{'figure':<20}{'ours':>14}{'plain Splink':>14}{'ratio':>8}")
        for name, fmt in figures:
            a, b = ours[name], plain[name]
            ratio = f"{a / b:.2f}" if b else "-"
            print(f"{name:<20}{fmt.format(a):>14}{fmt.format(b):>14}{ratio:>8}")
        reachable = ours["reachable_recall"]
        print(
            f"{'reachable recall':<20}{reachable:>14.4f}  (F1 at that recall and "
            f"precision 1: {2 * reachable / (1 + reachable):.4f})"
        )
    print(
        "evidence_*: scored over records carrying any name, contact, address or "
        "account key (anonymous web visitors who never identified carry none).\n"
        "reachable recall: the evidence recall of a perfect linker that only "
        "pairs records sharing an account key, email, phone, a full name few "
        "records hold, or a name with postcode or birth date "
        "(identity.evaluation.SHARED_EVIDENCE)."
    )
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(
            f"\nGrowth {small['ours']['records']:,} -> {large['ours']['records']:,} "
            f"records (x{large['ours']['records'] / small['ours']['records']:.1f})"
        )
        print(f"{'figure':<14}{'ours':>14}{'plain Splink':>14}")
        for name in ("comparisons", "wall", "peak_gib"):
            print(
                f"{name:<14}"
                f"{large['ours'][name] / small['ours'][name]:>13.1f}x"
                f"{large['plain'][name] / small['plain'][name]:>13.1f}x"
            )


if __name__ == "__main__":
    main()
