"""Where the dbt project and its generated docs live (no dbt import needed)."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2] / "transforms"


def docs_dir(warehouse_path: Path) -> Path:
    """Where `dbt docs generate` writes the docs site of this warehouse.

    Beside the warehouse file, so the pipeline (which knows the warehouse) and
    `cdp docs` (which knows the settings) agree without another setting.
    """
    return warehouse_path.parent / "dbt_docs"
