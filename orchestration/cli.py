"""The `cdp` command line: generate data, run the pipeline, open the UI."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

import click

from api.command import collector
from orchestration.identity.cli import identity_cli
from orchestration.identity.store import model_dir
from orchestration.settings import ConfigError, Settings, load_settings
from orchestration.transforms.cli import docs
from orchestration.transforms.paths import docs_dir

logger = logging.getLogger("cdp")

DEMO_PEOPLE = 10_000
DEMO_SEED = 42


class _Commands(click.Group):
    """Turns a missing or busy warehouse into one clear sentence in every command."""

    def invoke(self, ctx: click.Context):
        from orchestration.warehouse import WarehouseUnavailableError

        try:
            return super().invoke(ctx)
        except WarehouseUnavailableError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Commands)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Customer data platform: from vendor exports to one record per person."""
    try:
        settings = load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    ctx.obj = settings


@main.command()
@click.option(
    "--people", default=DEMO_PEOPLE, show_default=True, type=click.IntRange(1)
)
@click.option("--seed", default=DEMO_SEED, show_default=True, type=int)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write landing/ and truth/ into.",
)
@click.option("--progress/--no-progress", default=True, show_default=True)
def generate(people: int, seed: int, out: Path, progress: bool) -> None:
    """Write a synthetic population's data in the sources' own formats."""
    from synthetic import generate as generate_dataset

    summary = generate_dataset(people=people, seed=seed, out=out, progress=progress)
    click.echo(json.dumps(summary, indent=2, default=str))


@main.command()
@click.pass_obj
def run(settings: Settings) -> None:
    """Materialize every asset once, then print what the warehouse holds."""
    _run_and_report(settings)


@main.command()
@click.option(
    "--people", default=DEMO_PEOPLE, show_default=True, type=click.IntRange(1)
)
@click.option("--seed", default=DEMO_SEED, show_default=True, type=int)
@click.pass_obj
def demo(settings: Settings, people: int, seed: int) -> None:
    """Generate a demo dataset into the data folder and run the whole pipeline."""
    started = time.perf_counter()
    if _demo_data_matches(settings, people, seed):
        click.echo(f"Reusing demo data for {people:,} people (seed {seed}).")
    else:
        _reset_data(settings)
        click.echo(f"Generating demo data for {people:,} people (seed {seed}) ...")
        from synthetic import generate as generate_dataset

        generate_dataset(people=people, seed=seed, out=settings.data_dir, progress=True)
    _run_and_report(settings)
    click.echo(f"Demo finished in {time.perf_counter() - started:.0f} s.")


@main.command()
@click.pass_obj
def summary(settings: Settings) -> None:
    """Print what the warehouse holds after the last run."""
    _print_summary(settings)


@main.command()
@click.option("--port", default=3000, show_default=True, type=int)
@click.pass_obj
def ui(settings: Settings, port: int) -> None:
    """Open the Dagster UI on this code location (dagster dev)."""
    from orchestration.runner import prepare_dagster_home

    prepare_dagster_home(settings)
    dagster = shutil.which("dagster") or str(Path(sys.executable).parent / "dagster")
    args = [dagster, "dev", "-m", "orchestration.definitions", "-p", str(port)]
    os.execv(dagster, args)


def _run_and_report(settings: Settings) -> None:
    from orchestration.runner import run_full_pipeline

    log_file = settings.data_dir / "logs" / "last_run.log"
    log_file.unlink(missing_ok=True)
    click.echo(f"Running the pipeline into {settings.warehouse_path} ...")
    click.echo(f"  (step logs: {log_file})")
    if not run_full_pipeline(settings, log_file=log_file):
        raise click.ClickException(
            f"The pipeline run failed; {log_file} names the failed step and its "
            "error. The run is also in the Dagster UI (cdp ui)."
        )
    _print_summary(settings)


def _print_summary(settings: Settings) -> None:
    from orchestration.summary import summarize

    result = summarize(settings.warehouse_path)

    click.echo("")
    click.echo("Rows loaded per source:")
    for source, rows in result.rows_loaded.items():
        files = result.files_loaded[source]
        click.echo(f"  {source:<8} {rows:>10,} rows from {files:,} files")
    click.echo(f"Rows quarantined:      {result.rows_quarantined:>10,}")
    click.echo(f"Duplicates skipped:    {result.duplicates_skipped:>10,}")
    if result.files_rejected:
        click.echo(
            f"Files rejected:        {result.files_rejected:>10,}  "
            "(see ops.load_ledger.reason)"
        )
    click.echo(f"Source records:        {result.source_records:>10,}")
    click.echo(f"Unified customers:     {result.customers:>10,}")
    _print_identity_accuracy(settings)
    click.echo(f"Warehouse:             {result.warehouse_path}")
    _print_contract_docs(settings)
    click.echo("")
    click.echo("Next:")
    next_steps = [
        ("ui", "Dagster UI: http://localhost:3000"),
        ("docs", "dbt docs: http://localhost:8080"),
        (
            "collector --write-key KEY",
            "event collector, API docs: http://localhost:8088/docs",
        ),
        ("identity evaluate", "identity accuracy in detail"),
        ("summary", "these counts again"),
    ]
    for command, what in next_steps:
        click.echo(f"  .venv/bin/cdp {command:<25}  # {what}")


def _print_contract_docs(settings: Settings) -> None:
    from data_contracts.data_docs import site_index

    index = site_index(settings.contract_docs_dir)
    if index.exists():
        click.echo(f"Contract results:      {index}")


def _print_identity_accuracy(settings: Settings) -> None:
    """Score identities against the generator's ground truth, when it is there."""
    truth_file = settings.data_dir / "truth" / "records.parquet"
    if not truth_file.exists():
        return
    import polars as pl

    from identity.evaluation import pairwise_scores, records_with_evidence
    from orchestration.warehouse import connect

    with connect(settings.warehouse_path, read_only=True) as con:
        assignment = con.sql(
            "select source, source_record_id, customer_id "
            "from identity.record_to_customer"
        ).pl()
        records = con.sql("select * from staging.int_identity_records").pl()
    truth = pl.read_parquet(truth_file)
    evidence = records_with_evidence(records)
    linkable = pairwise_scores(
        assignment, truth.join(evidence, on=["source", "source_record_id"])
    )
    every = pairwise_scores(assignment, truth)
    indent = " " * len("Identity vs truth:     ")
    click.echo(
        f"Identity vs truth:     pairwise F1 {linkable.f1:.3f} (precision "
        f"{linkable.precision:.3f}, recall {linkable.recall:.3f})"
    )
    click.echo(f"{indent}over the {linkable.records:,} records with identity evidence;")
    click.echo(
        f"{indent}F1 {every.f1:.3f} over all {every.records:,} "
        f"({every.records - linkable.records:,} anonymous web visitors)"
    )


def _demo_data_matches(settings: Settings, people: int, seed: int) -> bool:
    manifest = settings.data_dir / "truth" / "manifest.json"
    if not manifest.exists():
        return False
    written = json.loads(manifest.read_text())
    return written.get("people") == people and written.get("seed") == seed


def _reset_data(settings: Settings) -> None:
    """Remove the previous demo's files so counts reconcile with the new data.

    The trained identity model goes too: its parameters and name frequencies
    belong to the old population.
    """
    stale = [settings.landing_dir, settings.data_dir / "truth"]
    stale += [model_dir(settings.data_dir), docs_dir(settings.warehouse_path)]
    stale.append(settings.contract_docs_dir)
    for folder in stale:
        if folder.exists():
            shutil.rmtree(folder)
    for path in (settings.warehouse_path, Path(f"{settings.warehouse_path}.wal")):
        path.unlink(missing_ok=True)


main.add_command(docs)
main.add_command(collector)
main.add_command(identity_cli)
