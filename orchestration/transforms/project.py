"""The dbt project in `transforms/`, as dagster-dbt sees it."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import Settings

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[2] / "transforms"

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


def export_dbt_environment(settings: Settings) -> None:
    """Tell dbt's profile where the warehouse is.

    dbt reads its connection from `transforms/profiles.yml`, which takes the path
    from CDP_WAREHOUSE_PATH; the settings may have come from YAML instead.
    """
    os.environ["CDP_WAREHOUSE_PATH"] = str(settings.warehouse_path)


def prepare_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than its files.

    dagster-dbt builds its assets from `target/manifest.json`; parsing here means
    a fresh clone, or an edited model, needs no separate `dbt parse` step.
    """
    manifest = dbt_project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return
    logger.info("Parsing the dbt project in %s", PROJECT_DIR)
    dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this Python, so a run needs no activated venv.
    executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(project_dir=dbt_project, dbt_executable=str(executable))


def _newest_source_mtime() -> float:
    watched = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        watched.extend((PROJECT_DIR / folder).rglob("*"))
    return max(
        (path.stat().st_mtime for path in watched if path.is_file()), default=0.0
    )
