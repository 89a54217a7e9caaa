"""`cdp identity ...`: evaluate, compare, explain and run identity resolution."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import polars as pl

from orchestration.settings import Settings


@click.group("identity")
def identity_cli() -> None:
    """Identity resolution: accuracy, dry runs, explanations, any list of people."""


@identity_cli.command()
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Ground truth Parquet (source, source_record_id, person_id); "
    "default <data>/truth/records.parquet.",
)
@click.pass_obj
def evaluate(settings: Settings, truth: Path | None) -> None:
    """Score the current customers against the generator's ground truth."""
    from identity.canonical import canonicalize
    from identity.config import IdentityConfig
    from identity.evaluation import (
        bcubed_scores,
        pairwise_by_source_pair,
        pairwise_scores,
        reachable_recall,
        records_with_evidence,
    )

    truth = truth or settings.data_dir / "truth" / "records.parquet"
    if not truth.is_file():
        raise click.ClickException(
            f"No ground truth at {truth}: evaluate needs generated data "
            "(cdp demo, or cdp generate) or --truth FILE."
        )
    truth_frame = pl.read_parquet(truth)
    assignment, records = _read_assignment(settings)

    click.echo(f"Identity vs ground truth ({truth})")
    click.echo(
        f"{'records':<34}{'pairs P':>9}{'pairs R':>9}{'pairs F1':>9}"
        f"{'B3 P':>8}{'B3 R':>8}{'B3 F1':>8}"
    )
    evidence = records_with_evidence(records)
    for label, frame in (
        ("all", assignment),
        ("with identity evidence", assignment.join(evidence, on=_KEYS)),
    ):
        pairs = pairwise_scores(frame, truth_frame)
        cubed = bcubed_scores(frame, truth_frame)
        click.echo(
            f"{label + f' ({pairs.records:,})':<34}{pairs.precision:>9.4f}"
            f"{pairs.recall:>9.4f}{pairs.f1:>9.4f}{cubed.precision:>8.4f}"
            f"{cubed.recall:>8.4f}{cubed.f1:>8.4f}"
        )
    click.echo(
        f"({assignment.height - evidence.height:,} records carry no name, contact, "
        "address or account key - anonymous web visitors - and cannot be linked.)"
    )
    # Placeholder values come from the settings, but the default ones will
    # do if the settings file is broken: this is a score, not a run.
    canonical = canonicalize(records.join(evidence, on=_KEYS), IdentityConfig())
    click.echo(
        "A perfect linker that only pairs records sharing an account key, email, "
        "phone, a full name\nfew records hold, or a name with postcode or birth "
        "date would recall "
        f"{reachable_recall(canonical, truth_frame):.4f} of the pairs among "
        "records with identity evidence;\nthe others share only a common name "
        "or nothing."
    )
    click.echo("")
    click.echo("Pairwise, per source pair (all records):")
    table = pairwise_by_source_pair(assignment, truth_frame)
    click.echo(
        f"{'sources':<18}{'predicted':>10}{'true':>8}{'correct':>9}"
        f"{'P':>8}{'R':>8}{'F1':>8}"
    )
    for row in table.iter_rows(named=True):
        click.echo(
            f"{row['source_l'] + ' - ' + row['source_r']:<18}{row['predicted']:>10,}"
            f"{row['true']:>8,}{row['correct']:>9,}{row['precision']:>8.4f}"
            f"{row['recall']:>8.4f}{row['f1']:>8.4f}"
        )


@identity_cli.command()
@click.option(
    "--match-probability",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Threshold to try.",
)
@click.option("--retrain", is_flag=True, help="Try a freshly trained model.")
@click.option(
    "--max-identifier",
    "max_identifiers",
    multiple=True,
    metavar="NAME=N",
    help="Identifier limit to try, e.g. email_match_key=3 (repeatable).",
)
@click.option("--examples", default=5, show_default=True, type=click.IntRange(0))
@click.pass_obj
def diff(
    settings: Settings,
    match_probability: float | None,
    retrain: bool,
    max_identifiers: tuple[str, ...],
    examples: int,
) -> None:
    """Dry run: how customers would merge or split under new settings.

    Relinks every record with the given threshold, limits or a new model and
    compares with the current assignment; nothing is written.
    """
    from identity.resolution import resolve
    from orchestration.identity.store import (
        IdentitySettingsError,
        load_identity_config,
        model_dir,
        read_previous,
        read_records,
    )
    from orchestration.warehouse import connect

    try:
        base = load_identity_config(settings.data_dir)
        limits = dict(base.max_identifiers)
        limits.update(_parse_limits(max_identifiers))
        config = load_identity_config(
            settings.data_dir,
            match_probability=match_probability,
            max_identifiers=limits,
        )
    except IdentitySettingsError as error:
        raise click.ClickException(str(error)) from None
    with _warehouse(settings, connect) as con:
        records = read_records(con)
        current = read_previous(con)
    if current.is_empty():
        raise click.ClickException(
            "There is no current assignment to compare with: run the pipeline "
            "first (cdp run)."
        )
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) if retrain else model_dir(settings.data_dir)
        result = resolve(
            records, config, model_dir=directory, previous=current, run_id="dry-run"
        )
    history = result.history
    merges = history.filter(pl.col("event") == "merge")
    splits = history.filter(pl.col("event") == "split")
    before = current["customer_id"].n_unique()
    after = result.assignment["customer_id"].n_unique()
    click.echo(f"Customers now: {before:,}; with these settings: {after:,}")
    click.echo(f"Merges: {merges.height:,} customers would be absorbed into others")
    click.echo(f"Splits: {splits.height:,} parts would leave their customer")
    for label, frame in (("merge", merges), ("split", splits)):
        for row in frame.head(examples).iter_rows(named=True):
            click.echo(
                f"  {label}: {row['other_customer_id']} -> {row['customer_id']} "
                f"({row['records_moved']} records) {row['evidence']}"
                if label == "merge"
                else f"  {label}: {row['records_moved']} records of "
                f"{row['customer_id']} -> {row['other_customer_id']}"
            )


@identity_cli.command(name="resolve")
@click.option(
    "--config",
    "mapping_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="YAML naming each file, its id column and its field columns.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Reuse or keep the trained model here (default: train afresh).",
)
def resolve_files(mapping_file: Path, out: Path, model_dir: Path | None) -> None:
    """Link people across any CSV or Parquet files into clusters.

    Writes source, record_id, customer_id and cluster_size per record.
    """
    from identity.mapping import MappingError, load_mapping, read_people
    from identity.resolution import resolve

    try:
        mapping = load_mapping(mapping_file)
        people = read_people(mapping)
    except MappingError as error:
        raise click.ClickException(str(error)) from None
    with tempfile.TemporaryDirectory() as scratch:
        result = resolve(
            people,
            mapping.config,
            model_dir=model_dir or Path(scratch),
            parse_phones=True,
        )
    clusters = result.assignment.select(
        "source",
        record_id="source_record_id",
        customer_id="customer_id",
        cluster_size="cluster_size",
    ).sort("source", "record_id")
    out.parent.mkdir(parents=True, exist_ok=True)
    clusters.write_csv(out)
    click.echo(
        f"Linked {clusters.height:,} records from {len(mapping.files)} files into "
        f"{clusters['customer_id'].n_unique():,} customers; wrote {out}."
    )


@identity_cli.command()
@click.argument("customer_id")
@click.pass_obj
def explain(settings: Settings, customer_id: str) -> None:
    """Show a customer's records and the links (with weights) that joined them."""
    from orchestration.identity.store import ASSIGNMENT_TABLE, EXPLANATIONS_TABLE
    from orchestration.warehouse import connect

    with _warehouse(settings, connect) as con:
        members = con.execute(
            f"select a.record_key, a.needs_review, a.review_reason, r.first_name, "
            f"r.last_name, r.email, r.phone, r.postcode from {ASSIGNMENT_TABLE} a "
            "left join staging.int_identity_records r using (record_key) "
            "where a.customer_id = ? order by a.record_key",
            [customer_id],
        ).fetchall()
        if not members:
            raise click.ClickException(
                f"No customer {customer_id}: check the id (cus_ followed by 16 "
                "hex digits) in identity.record_to_customer."
            )
        links = con.execute(
            f"select record_key_l, record_key_r, link_rule, link_match_probability, "
            f"comparison, comparison_level, comparison_match_weight "
            f"from {EXPLANATIONS_TABLE} where customer_id = ? "
            "order by record_key_l, record_key_r, comparison",
            [customer_id],
        ).fetchall()
    click.echo(f"Customer {customer_id}: {len(members)} records")
    for key, review, reason, *fields in members:
        shown = ", ".join(str(value) for value in fields if value is not None)
        flag = f"  [review: {reason}]" if review else ""
        click.echo(f"  {key}: {shown}{flag}")
    click.echo("Links:")
    current = None
    for left, right, rule, probability, comparison, level, weight in links:
        if (left, right) != current:
            current = (left, right)
            score = "" if rule != "splink" else f" p={probability:.6f}"
            click.echo(f"  {left} <-> {right}: {rule}{score}")
        if rule == "splink":
            click.echo(f"      {comparison:<12} {level:<45} {weight:+.2f}")


_KEYS = ["source", "source_record_id"]


def _read_assignment(settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    from orchestration.identity.store import ASSIGNMENT_TABLE, IDENTITY_RECORDS
    from orchestration.warehouse import connect

    with _warehouse(settings, connect) as con:
        assignment = con.sql(
            f"select source, source_record_id, customer_id from {ASSIGNMENT_TABLE}"
        ).pl()
        records = con.sql(f"select * from {IDENTITY_RECORDS}").pl()
    return assignment, records


def _warehouse(settings: Settings, connect):
    """The warehouse, read-only, with a clear message when it is not there."""
    if not settings.warehouse_path.exists():
        raise click.ClickException(
            f"The warehouse {settings.warehouse_path} does not exist yet: run the "
            "pipeline first (cdp run, or cdp demo)."
        )
    return connect(settings.warehouse_path, read_only=True)


def _parse_limits(pairs: tuple[str, ...]) -> dict[str, int]:
    limits = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not value.isdigit():
            raise click.BadParameter(
                f"{pair!r} is not NAME=N (for example email_match_key=3).",
                param_hint="--max-identifier",
            )
        limits[name] = int(value)
    return limits
