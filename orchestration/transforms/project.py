"""The dbt project in `transforms/`, as dagster-dbt sees it."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.transforms.paths import (
    DBT_EXECUTABLE,
    PROFILE_PATH_VARIABLE,
    PROJECT_DIR,
)

logger = logging.getLogger(__name__)

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


@contextmanager
def dbt_warehouse(path: str) -> Iterator[None]:
    """Point dbt's profile at `path` for the dbt commands run inside.

    `transforms/profiles.yml` reads CDP_WAREHOUSE_PATH. The variable is set only
    around the call and then restored, because the platform's settings read the
    same name and a leftover value would override every later configuration.
    """
    previous = os.environ.get(PROFILE_PATH_VARIABLE)
    os.environ[PROFILE_PATH_VARIABLE] = path
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PROFILE_PATH_VARIABLE, None)
        else:
            os.environ[PROFILE_PATH_VARIABLE] = previous


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
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def _newest_source_mtime() -> float:
    watched = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        watched.extend((PROJECT_DIR / folder).rglob("*"))
    return max(
        (path.stat().st_mtime for path in watched if path.is_file()), default=0.0
    )
