"""`cdp identity evaluate | diff | explain` on a small warehouse built here."""

import polars as pl
import pytest
from click.testing import CliRunner

from identity.config import IdentityConfig
from identity.resolution import resolve
from orchestration.cli import main
from orchestration.identity.store import write_resolution
from orchestration.warehouse import connect


@pytest.fixture
def data_dir(tmp_path, population, model_dir, monkeypatch):
    """A data folder with identity records, one resolution and the truth."""
    records, truth = population
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))
    (tmp_path / "truth").mkdir()
    truth.write_parquet(tmp_path / "truth" / "records.parquet")
    result = resolve(records, IdentityConfig(), model_dir=model_dir)
    staged = records.with_columns(
        record_key=pl.col("source") + ":" + pl.col("source_record_id")
    )
    with connect(tmp_path / "warehouse.duckdb") as con:
        con.register("staged", staged.to_arrow())
        con.execute(
            "create table staging.int_identity_records as select * from staged"
        ).fetchall()
        write_resolution(con, result, incremental=False)
    # The diff command reuses the model saved in the data folder.
    target = tmp_path / "identity" / "model"
    target.mkdir(parents=True)
    for path in model_dir.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return tmp_path, result


def _invoke(*args: str):
    return CliRunner().invoke(main, ["identity", *args])


def test_evaluate_prints_pairwise_and_bcubed_per_source_pair(data_dir):
    result = _invoke("evaluate")

    assert result.exit_code == 0, result.output
    assert "pairs P" in result.output and "B3 F1" in result.output
    assert "shop - web" in result.output
    overall = next(
        line for line in result.output.splitlines() if line.startswith("all")
    )
    precision = float(overall.split()[2])
    assert precision >= 0.98
    reachable = result.output.split("would recall ")[1].split()[0]
    assert 0.5 < float(reachable) <= 1.0


def test_evaluate_without_truth_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))

    result = _invoke("evaluate")

    assert result.exit_code == 1
    assert (
        f"No ground truth at {tmp_path / 'truth' / 'records.parquet'}: evaluate "
        "needs generated data (cdp demo, or cdp generate) or --truth FILE."
    ) in result.output


def test_diff_reports_merges_for_a_lower_threshold(data_dir):
    same = _invoke("diff")
    lower = _invoke("diff", "--match-probability", "0.05")

    assert same.exit_code == 0, same.output
    assert "Merges: 0 " in same.output and "Splits: 0 " in same.output
    assert lower.exit_code == 0, lower.output
    merges = int(lower.output.split("Merges: ")[1].split()[0].replace(",", ""))
    assert merges > 0
    assert "  merge: cus_" in lower.output


def test_diff_rejects_a_malformed_limit(data_dir):
    result = _invoke("diff", "--max-identifier", "email_match_key")

    assert result.exit_code == 2
    assert "'email_match_key' is not NAME=N" in result.output


def test_explain_lists_records_and_link_weights(data_dir):
    _, resolution = data_dir
    linked = resolution.explanations.filter(pl.col("link_rule") == "splink")
    customer = linked["customer_id"][0]
    # Each comparison carries the weight it added (exact names add bits).
    names = linked.filter(pl.col("comparison_level") == "Exact match on given_name")
    assert names["comparison_match_weight"].min() > 1

    result = _invoke("explain", customer)

    assert result.exit_code == 0, result.output
    assert f"Customer {customer}:" in result.output
    assert "splink p=" in result.output
    assert "given_name" in result.output


def test_explain_unknown_customer(data_dir):
    result = _invoke("explain", "cus_0000000000000000")

    assert result.exit_code == 1
    assert "No customer cus_0000000000000000: check the id" in result.output
