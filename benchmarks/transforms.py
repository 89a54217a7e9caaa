"""Benchmark the dbt project: `dbt build` time by population size, and the
golden record and revenue against the generator's ground truth.

Usage: python benchmarks/transforms.py --people 10000 --people 100000
       [--root /tmp/cdp-bench-transforms]

For each size: generate the people (reused when the folder already holds that
size), run the whole pipeline once (load, staging, identity, marts), then time
`dbt build` of the two selections the pipeline runs (staging + intermediate,
marts) from scratch with --full-refresh, and the marts again incrementally
with no new data. The figure is dbt's own run time (wall time, with dbt's
start-up and parsing, in the last column). The baseline of a size is the
smallest size's time scaled linearly by people, so a ratio below 1 means time
grows slower than size.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.runner import run_full_pipeline
from orchestration.settings import load_settings
from orchestration.transforms.assets import AFTER_IDENTITY, BEFORE_IDENTITY
from orchestration.transforms.paths import (
    DBT_EXECUTABLE,
    dbt_environment,
    dbt_project_args,
)
from orchestration.warehouse import connect
from synthetic import generate

# The customer's person is the one most of its records belong to; a golden
# value is right when it equals that person's true current value in the
# canonical form int_identity_records writes (lower case, accents folded,
# postcode without spaces).
GROUND_TRUTH_SQL = """
with
truth_records as (select * from read_parquet($records)),
people as (select * from read_parquet($people)),
votes as (
    select assigned.customer_id, truth.person_id, count(*) as n_records
    from identity.record_to_customer as assigned
    inner join truth_records as truth
        on assigned.source = truth.source
        and assigned.source_record_id = cast(truth.source_record_id as varchar)
    group by 1, 2
),
ranked as (
    select *, row_number() over (
        partition by customer_id order by n_records desc, person_id
    ) as vote_rank
    from votes
),
judged as (
    select
        customers.email as golden_email,
        lower(people.email) as true_email,
        customers.first_name || ' ' || customers.last_name as golden_name,
        lower(replace(strip_accents(people.first_name), 'ß', 'ss')) || ' '
            || lower(replace(strip_accents(people.last_name), 'ß', 'ss'))
            as true_name,
        customers.postcode as golden_postcode,
        upper(replace(people.postcode, ' ', '')) as true_postcode
    from marts.dim_customers as customers
    inner join ranked
        on customers.customer_id = ranked.customer_id and ranked.vote_rank = 1
    inner join people on ranked.person_id = people.person_id
)
select
    count(*),
    avg(case when golden_email is not distinct from true_email then 1.0 else 0 end),
    avg(case when golden_name is not distinct from true_name then 1.0 else 0 end),
    avg(case when golden_postcode is not distinct from true_postcode
        then 1.0 else 0 end),
    avg(case when golden_email is not null
        then case when golden_email = true_email then 1.0 else 0 end end),
    avg(case when golden_name is not null
        then case when golden_name = true_name then 1.0 else 0 end end),
    avg(case when golden_postcode is not null
        then case when golden_postcode = true_postcode then 1.0 else 0 end end)
from judged
"""


def ground_truth_figures(warehouse_path: Path, truth_dir: Path) -> dict[str, float]:
    """Golden-record accuracy and the revenue gap, against the generator's truth.

    `*_share`: customers whose golden value equals the truth (both missing
    counts as equal); `*_precision`: the same among customers that have a value.
    """
    with connect(warehouse_path, read_only=True) as con:
        row = con.execute(
            GROUND_TRUTH_SQL,
            {
                "records": str(truth_dir / "records.parquet"),
                "people": str(truth_dir / "people.parquet"),
            },
        ).fetchall()[0]
        kpi_revenue = con.execute(
            "select sum(revenue) from marts.kpi_daily"
        ).fetchall()[0][0]
        true_revenue = con.execute(
            "select sum(cast(round(revenue, 2) as decimal(18, 2))) "
            "from read_parquet($people)",
            {"people": str(truth_dir / "people.parquet")},
        ).fetchall()[0][0]
    keys = [
        "customers",
        "email_share",
        "name_share",
        "postcode_share",
        "email_precision",
        "name_precision",
        "postcode_precision",
    ]
    figures = dict(zip(keys, row, strict=True))
    figures["kpi_revenue"] = float(kpi_revenue)
    figures["true_revenue"] = float(true_revenue)
    figures["revenue_gap_cents"] = round(
        (float(kpi_revenue) - float(true_revenue)) * 100
    )
    return figures


def _dbt_build(warehouse_path: Path, target: Path, *args: str) -> tuple[float, float]:
    """Wall seconds of one `dbt build`, and dbt's own run time (run_results.json),
    which leaves out the few seconds dbt takes to start and parse at any size."""
    started = time.perf_counter()
    subprocess.run(
        [DBT_EXECUTABLE, "build", *args, *dbt_project_args(target, target), "--quiet"],
        env=dbt_environment(warehouse_path),
        check=True,
    )
    wall = time.perf_counter() - started
    run_results = json.loads((target / "run_results.json").read_text())
    return wall, float(run_results["elapsed_time"])


def _measure(people: int, root: Path) -> dict[str, float]:
    data = root / f"people-{people}"
    manifest = data / "truth" / "manifest.json"
    if not (manifest.exists() and json.loads(manifest.read_text())["people"] == people):
        generate(people=people, seed=42, out=data, progress=False)
    os.environ["CDP_DATA_DIR"] = str(data)
    settings = load_settings()
    if not run_full_pipeline(settings, log_file=data / "pipeline.log"):
        raise click.ClickException(f"The pipeline failed; see {data}/pipeline.log")
    target = data / "bench_target"
    path = settings.warehouse_path
    timings = {
        "staging": _dbt_build(path, target, "--select", BEFORE_IDENTITY),
        "marts": _dbt_build(path, target, "--select", AFTER_IDENTITY, "--full-refresh"),
        "marts_incremental": _dbt_build(path, target, "--select", AFTER_IDENTITY),
    }
    figures: dict = {name: run for name, (_, run) in timings.items()}
    figures.update({f"{name}_wall": wall for name, (wall, _) in timings.items()})
    figures.update(ground_truth_figures(path, data / "truth"))
    return figures


@click.command()
@click.option("--people", "sizes", multiple=True, type=int, default=[10_000, 100_000])
@click.option(
    "--root", default="/tmp/cdp-bench-transforms", show_default=True, type=click.Path()
)
def main(sizes: tuple[int, ...], root: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    results = {people: _measure(people, Path(root)) for people in sorted(sizes)}
    smallest = min(results)
    lines = [f"{'people':>10} {'figure':<26}{'seconds':>9}{'baseline':>10}{'ratio':>7}"]
    for people, figures in results.items():
        scale = people / smallest
        for name, label in [
            ("staging", "dbt build staging+int"),
            ("marts", "dbt build marts (full)"),
            ("marts_incremental", "dbt build marts (incr.)"),
        ]:
            baseline = results[smallest][name] * scale
            lines.append(
                f"{people:>10,} {label:<26}{figures[name]:>9.1f}"
                f"{baseline:>10.1f}{figures[name] / baseline:>7.2f}"
                f"{figures[name + '_wall']:>8.1f}"
            )
        lines.append(
            f"{'':>10} golden record vs truth ({figures['customers']:,} customers): "
            f"email {figures['email_share']:.3f} "
            f"(precision {figures['email_precision']:.3f}), "
            f"name {figures['name_share']:.3f} "
            f"({figures['name_precision']:.3f}), "
            f"postcode {figures['postcode_share']:.3f} "
            f"({figures['postcode_precision']:.3f})"
        )
        lines.append(
            f"{'':>10} kpi_daily revenue {figures['kpi_revenue']:,.2f} vs generated "
            f"{figures['true_revenue']:,.2f}: gap {figures['revenue_gap_cents']} cents"
        )
    click.echo("\n".join(lines))


if __name__ == "__main__":
    main()
