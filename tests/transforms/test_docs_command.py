"""`cdp docs`: the dbt docs site of the warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestration.cli import main


def test_docs_without_a_warehouse_says_what_to_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["docs", "--no-serve"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: No warehouse at {tmp_path / 'warehouse.duckdb'} to document: "
        "run `cdp demo` or `cdp run` first, then `cdp docs`.\n"
    )


@pytest.mark.slow
def test_docs_are_generated_for_the_warehouse(
    warehouse: Path, tmp_path: Path, monkeypatch
) -> None:
    # A copy: dbt in this test process still holds the built file's lock.
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    wal = Path(f"{warehouse}.wal")
    if wal.exists():
        shutil.copy(wal, Path(f"{copy}.wal"))
    monkeypatch.setenv("CDP_WAREHOUSE_PATH", str(copy))
    result = CliRunner().invoke(main, ["docs", "--no-serve"])
    assert result.exit_code == 0, result.output
    site = tmp_path / "dbt_docs"
    assert (site / "index.html").exists()
    assert '"model.cdp.dim_customers"' in (site / "catalog.json").read_text()
