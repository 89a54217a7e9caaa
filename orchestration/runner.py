"""Run the whole pipeline in this process, recorded in the Dagster instance.

Runs go into the same Dagster home that `cdp ui` opens, so a run started from
the command line shows up in the Dagster UI with its logs and metadata.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import yaml

from orchestration.settings import Settings

logger = logging.getLogger(__name__)

# Pipeline steps share one DuckDB file that allows a single writer, so the
# instance lets one step of the warehouse pool run at a time across all runs.
DAGSTER_YAML = """\
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""


def prepare_dagster_home(settings: Settings) -> Path:
    """Create the Dagster home with its instance settings and point Dagster at it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    elif _pool_limit(config) != 1:
        logger.warning(
            "%s does not limit concurrency pools to 1 (concurrency: pools: "
            "default_limit: 1), so runs started from the UI may write to the "
            "warehouse at the same time and fail on its lock: add that setting.",
            config,
        )
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _pool_limit(config: Path) -> object:
    settings = yaml.safe_load(config.read_text()) or {}
    return settings.get("concurrency", {}).get("pools", {}).get("default_limit")


def run_full_pipeline(settings: Settings, log_file: Path | None = None) -> bool:
    """Materialize every asset in one run; True when every step succeeded.

    With `log_file`, everything the run writes to the terminal (Dagster's step
    logs, dbt's output) goes to that file instead; the Dagster UI keeps it too.
    """
    prepare_dagster_home(settings)
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    started = time.perf_counter()
    job = defs.resolve_job_def("full_pipeline")
    with _terminal_output_to(log_file), dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    logger.info(
        "Run %s of %s %s in %.1f s",
        result.run_id,
        job.name,
        "succeeded" if result.success else "FAILED",
        time.perf_counter() - started,
    )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                logger.error(
                    "Step %s failed: %s", event.step_key, event.event_specific_data
                )
    return result.success


@contextmanager
def _terminal_output_to(log_file: Path | None) -> Iterator[None]:
    """Send this process's and its children's stdout and stderr to a file.

    File descriptors are redirected, not `sys.stdout`, because dbt runs as a
    subprocess and Dagster's handlers hold their own references to the streams.
    """
    if log_file is None:
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("ab") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
