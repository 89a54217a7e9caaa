"""Where the dbt project, its executable and its docs live (no dbt import needed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2] / "transforms"

# The dbt installed beside this Python, so a run needs no activated venv.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

# `transforms/profiles.yml` reads the warehouse path from this variable.
PROFILE_PATH_VARIABLE = "CDP_WAREHOUSE_PATH"


def dbt_environment(warehouse_path: Path) -> dict[str, str]:
    """This process's environment with dbt's profile pointed at the warehouse."""
    return {**os.environ, PROFILE_PATH_VARIABLE: str(warehouse_path)}


def dbt_project_args(target_path: Path, log_path: Path | None = None) -> list[str]:
    """The arguments every dbt command here takes: our project and profile,
    and where its artefacts (and, if given, its log) go."""
    args = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_path),
    ]
    return [*args, "--log-path", str(log_path)] if log_path else args


def docs_dir(warehouse_path: Path) -> Path:
    """Where `dbt docs generate` writes the docs site of this warehouse.

    Beside the warehouse file, so the pipeline (which knows the warehouse) and
    `cdp docs` (which knows the settings) agree without another setting.
    """
    return warehouse_path.parent / "dbt_docs"
