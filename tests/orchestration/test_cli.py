import subprocess
import sys

import duckdb
from click.testing import CliRunner

from orchestration.cli import main


def test_bad_configuration_is_one_clear_sentence(monkeypatch):
    monkeypatch.setenv("CDP_LOG_LEVEL", "loud")

    result = CliRunner().invoke(main, ["summary"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid configuration: log_level")
    assert "Traceback" not in result.output


def test_summary_before_any_run_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(main, ["summary"])

    assert result.exit_code == 1
    assert f"The warehouse {tmp_path / 'warehouse.duckdb'} does not exist yet" in (
        result.output
    )
    assert "run the pipeline first" in result.output


def test_generate_writes_the_landing_folder(tmp_path):
    result = CliRunner().invoke(
        main, ["generate", "--people", "50", "--seed", "3", "--out", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "landing" / "shop" / "customers_export.csv").is_file()
    assert (tmp_path / "truth" / "records.parquet").is_file()


def test_a_busy_warehouse_is_one_clear_sentence(monkeypatch, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    # Another process (as a pipeline run would) holds the file's write lock.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(warehouse)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"locked"
        monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))

        result = CliRunner().invoke(main, ["summary"])
    finally:
        holder.kill()
        holder.wait()

    assert result.exit_code == 1
    assert result.output == (
        f"Error: The warehouse {warehouse} is in use by another process "
        "(a pipeline run?): wait for it to finish, then try again.\n"
    )


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(60)
"""
