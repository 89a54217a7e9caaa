"""The Splink model: its settings, unsupervised training, saving and scoring.

Every linker is built by `build_linker`, the one place that picks the
backend: DuckDB here, and a Spark `DatabaseAPI` can be handed in instead.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.database_api import DatabaseAPI

from identity.config import IdentityConfig
from identity.links import GUARDED_COLUMNS

logger = logging.getLogger(__name__)

# Columns Splink sees; the source keys stay out of the model because the
# deterministic step already links on them.
MODEL_COLUMNS = (
    "record_key",
    "rare_full_name",
    "given_name",
    "last_name",
    "email",
    "email_match_key",
    "email_is_personal",
    "phone_key",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
)
# Candidate pairs: each rule needs two records to share a specific value, so
# the comparison count grows with the records, not with their square.
PREDICT_RULES = (
    block_on("email_match_key"),
    block_on("phone_key"),
    # A common full name is not selective enough: its block grows with the
    # square of its records, and the name alone says little. So it comes
    # with a postcode here, or a contact or birth date in another rule.
    block_on("given_name", "last_name", "postcode"),
    block_on("last_name", "birth_date"),
    block_on("given_name", "birth_date"),
    block_on("postcode", "house_number", "last_name"),
    # The same first name at the same address, whatever the last name's
    # spelling: a typo in it breaks the rule above.
    block_on("postcode", "house_number", "given_name"),
    # A full name held by so few records pairs them all at little cost; the
    # model then weighs the name's rarity against what else differs.
    block_on("rare_full_name"),
)
# A full name is rare when at most this many records hold it. At 550,000
# generated people, 3 added 1.1% recall for 0.1% precision; 5 and 8 cost
# more precision (0.992, 0.989) than they gained.
RARE_NAME_RECORDS = 3
# EM needs rules under which both matches and non-matches occur, and it
# estimates the comparisons not in the rule, so together they cover all.
TRAINING_RULES = (
    block_on("email_match_key"),
    block_on("given_name", "last_name"),
    block_on("postcode", "house_number"),
)
EM_MAX_PAIRS = 1e6
# Term frequencies are frozen with the model: a full and an incremental run
# then weigh a name alike, whatever else arrived in between.
TF_COLUMNS = ("given_name", "last_name", "phone_key")


@dataclass
class TrainingReport:
    """What training did and where its charts went."""

    seconds: float
    records: int
    charts: list[Path]


# Zendesk-style single name fields are sometimes written "Last First". A swap
# is rare among matches and rarer among non-matches; EM seldom sees enough
# swaps to estimate it, so its weight is fixed (about 6 bits per name).
SWAP_M, SWAP_U = 0.02, 0.0003


def _name_comparison(column: str, other: str) -> cl.CustomComparison:
    """Name levels: exact (term-frequency adjusted), swapped, similar, else."""
    return cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.ColumnsReversedLevel(column, other, symmetrical=True).configure(
                m_probability=SWAP_M,
                u_probability=SWAP_U,
                fix_m_probability=True,
                fix_u_probability=True,
                label_for_charts="First and last name swapped",
            ),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.88),
            cll.JaroWinklerLevel(column, 0.7),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def model_settings() -> SettingsCreator:
    """Comparisons over names (with term frequencies), contacts and address."""
    # One comparison for the whole address: street, postcode and city are
    # not independent, and three comparisons would count one address thrice.
    address = cl.CustomComparison(
        comparison_levels=[
            cll.And(cll.NullLevel("street"), cll.NullLevel("postcode")),
            cll.And(
                cll.ExactMatchLevel("street"),
                cll.ExactMatchLevel("house_number"),
                cll.ExactMatchLevel("postcode"),
            ).configure(label_for_charts="Same street, house number and postcode"),
            cll.And(
                cll.JaroWinklerLevel("street", 0.88),
                cll.ExactMatchLevel("house_number"),
            ).configure(label_for_charts="Similar street, same house number"),
            cll.ExactMatchLevel("postcode").configure(label_for_charts="Same postcode"),
            cll.ExactMatchLevel("city").configure(label_for_charts="Same city"),
            cll.ElseLevel(),
        ],
        output_column_name="address",
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_key",
        comparisons=[
            # Given names with nicknames resolved: Bob and Robert agree.
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            # Email addresses are built from names, so similar addresses of
            # namesakes are no evidence: only the same mailbox counts, and
            # the same spelling more than the same key.
            # One person often holds a company mailbox beside a private one,
            # so two different mailboxes count against a match only when
            # both are private; otherwise they say nothing, as a missing
            # email would (a level of its own was too rare in small
            # populations for EM, which drove its m towards zero).
            cl.CustomComparison(
                comparison_levels=[
                    cll.CustomLevel(
                        "email_match_key_l is null or email_match_key_r is null"
                        " or not (email_is_personal_l and email_is_personal_r"
                        " or email_match_key_l = email_match_key_r)",
                        label_for_charts="No email, or a company mailbox",
                    ).configure(is_null_level=True),
                    cll.ExactMatchLevel("email").configure(
                        label_for_charts="Same email"
                    ),
                    cll.ExactMatchLevel("email_match_key").configure(
                        label_for_charts="Same mailbox key (dots, +tag differ)"
                    ),
                    cll.ElseLevel().configure(
                        label_for_charts="Two different private mailboxes"
                    ),
                ],
                output_column_name="email",
            ),
            # A mobile number is one person's; a landline a household's: the
            # fewer records hold a number, the more it says.
            cl.ExactMatch("phone_key").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            address,
        ],
        blocking_rules_to_generate_predictions=list(PREDICT_RULES),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


def build_linker(
    records: pl.DataFrame,
    settings: SettingsCreator | dict[str, Any],
    db_api: DatabaseAPI | None = None,
    model_dir: Path | None = None,
) -> Linker:
    """A linker over `records`, on DuckDB unless another backend is given.

    With `model_dir`, the term-frequency tables saved there at training are
    used instead of frequencies of `records`.
    """
    db_api = db_api or DuckDBAPI(duckdb.connect())
    modelled = model_frame(records)
    linker = Linker(
        db_api.register(modelled.to_arrow()), settings, log_level=logging.WARNING
    )
    for column in TF_COLUMNS:
        path = model_dir / f"tf_{column}.parquet" if model_dir else None
        if path is not None and path.exists():
            frozen = pl.read_parquet(path)
            table = with_unseen_values(frozen, modelled[column])
            linker.table_management.register_term_frequency_lookup(
                db_api.register(table.to_arrow()), column
            )
    return linker


def with_unseen_values(frozen: pl.DataFrame, values: pl.Series) -> pl.DataFrame:
    """A saved term-frequency table plus the frequencies among `values` of
    those it lacks.

    Splink gives a value missing from the table no adjustment at all, so a
    rare name or a phone first seen after training would weigh like an
    average one. Values the table holds keep their frozen frequency, so a
    full and an incremental run over the same records weigh them alike.
    Known shortcoming: a value rare at training keeps its high weight however
    many records share it later, until the model is retrained.
    """
    column = values.name
    present = values.drop_nulls()
    if present.is_empty():
        return frozen
    current = (
        present.value_counts(name="records")
        .with_columns((pl.col("records") / present.len()).alias(f"tf_{column}"))
        .join(frozen.select(column), on=column, how="anti")
    )
    return pl.concat([frozen, current.select(frozen.columns)])


def with_rare_full_names(records: pl.DataFrame) -> pl.DataFrame:
    """Add `rare_full_name`: given and last name where at most
    `RARE_NAME_RECORDS` records hold them, else null.

    Counted over the records given, so an incremental run passes all of them
    (existing and new) once, before splitting them. Known shortcoming: when
    new records make a name common, the links it made stay until a full
    rebuild (an incremental run grows customers, it does not split them).
    """
    full = pl.col("given_name") + " " + pl.col("last_name")
    return records.with_columns(
        rare_full_name=pl.when(pl.len().over(full) <= RARE_NAME_RECORDS).then(full)
    )


def model_frame(records: pl.DataFrame) -> pl.DataFrame:
    """The columns Splink sees, `rare_full_name` counted here if missing."""
    if "rare_full_name" not in records.columns:
        records = with_rare_full_names(records)
    return records.select(MODEL_COLUMNS)


def train(
    records: pl.DataFrame, config: IdentityConfig, model_dir: Path
) -> tuple[Linker, TrainingReport]:
    """Train without labels and save the model with its charts in `model_dir`.

    u probabilities come from random sampling, m probabilities from
    expectation maximisation over `TRAINING_RULES`, and the prior from
    links on email plus first name (assumed to find 60% of matches).
    """
    started = time.perf_counter()
    linker = build_linker(records, model_settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email_match_key", "given_name")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=config.u_sample_pairs, seed=config.seed
    )
    for rule in TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=EM_MAX_PAIRS
        )
    seconds = time.perf_counter() - started
    charts = save_model(linker, model_dir, records.height, seconds)
    logger.info(
        "Trained the Splink model on %d records in %.1f s; saved to %s",
        records.height,
        seconds,
        model_dir,
    )
    return linker, TrainingReport(
        seconds=seconds, records=records.height, charts=charts
    )


def save_model(
    linker: Linker, model_dir: Path, records: int, seconds: float
) -> list[Path]:
    """Write model.json, training_report.json and the charts as HTML."""
    model_dir.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(model_dir / "model.json"), overwrite=True)
    for column in TF_COLUMNS:
        table = linker.table_management.compute_tf_table(column)
        pl.from_arrow(table.as_pyarrow_table()).write_parquet(
            model_dir / f"tf_{column}.parquet"
        )
    charts = []
    for name, chart in (
        ("match_weights", linker.visualisations.match_weights_chart()),
        ("m_u_parameters", linker.visualisations.m_u_parameters_chart()),
    ):
        path = model_dir / f"{name}.html"
        # Altair inlines Vega and its data in the page when asked to, so the
        # report opens without internet; the default loads them from a CDN.
        chart.save(str(path), inline=True)
        charts.append(path)
    report = {
        "trained_on_records": records,
        "training_seconds": round(seconds, 1),
        "training_rules": [
            rule.get_blocking_rule("duckdb").blocking_rule_sql
            for rule in TRAINING_RULES
        ],
        "charts": [path.name for path in charts],
    }
    (model_dir / "training_report.json").write_text(json.dumps(report, indent=2))
    return charts


def load_model(model_dir: Path) -> dict[str, Any] | None:
    """The saved model's settings, or None when none was trained yet."""
    path = model_dir / "model.json"
    if not path.exists():
        return None
    settings = json.loads(path.read_text())
    if _design(settings) != _design(model_settings().create_settings_dict("duckdb")):
        logger.warning(
            "The saved model in %s was trained with other blocking rules or "
            "comparisons than this version's: it is used as saved, at a match "
            "threshold chosen for the current ones. Retrain it (the "
            "identity_full_rebuild job with retrain: true).",
            model_dir,
        )
    return settings


def _design(settings: dict[str, Any]) -> tuple:
    """What a model's blocking rules and comparison levels test, and which
    levels are term-frequency adjusted, not what it learned.

    The conditions are SQL that Splink writes with sqlglot (pinned by the
    lock file): a sqlglot that formats them otherwise would make every saved
    model look older than it is, until retrained.
    """
    return (
        [
            rule["blocking_rule"]
            for rule in settings["blocking_rules_to_generate_predictions"]
        ],
        [
            [
                (
                    level["sql_condition"],
                    level.get("tf_adjustment_column"),
                    level.get("is_null_level", False),
                )
                for level in comparison["comparison_levels"]
            ]
            for comparison in settings["comparisons"]
        ],
    )


def predict_all(linker: Linker, floor: float) -> tuple[pl.DataFrame, int, float]:
    """Score every blocked pair of the linker's records at or above `floor`.

    Returns:
        The pairs at or above `floor`, the number of blocked pairs scored,
        and the seconds spent generating the blocked pairs.
    """
    started = time.perf_counter()
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    comparisons = _count(linker, blocked.physical_name)
    blocking_seconds = time.perf_counter() - started
    scored = linker.inference.predict(
        threshold_match_probability=floor, warning_mode="never"
    )
    pairs = _pairs_frame(scored)
    logger.info(
        "Splink blocked %d pairs in %.1f s and kept %d at p >= %s in %.1f s",
        comparisons,
        blocking_seconds,
        pairs.height,
        floor,
        time.perf_counter() - started,
    )
    return pairs, comparisons, blocking_seconds


def _count(linker: Linker, table: str) -> int:
    frame = linker.misc.query_sql(f"select count(*) as n from {table}", "pandas")
    return int(frame["n"].iloc[0])


def predict_incremental(
    linker: Linker,
    existing: pl.DataFrame,
    new: pl.DataFrame,
    floor: float,
) -> pl.DataFrame:
    """Score new records against existing ones and against each other.

    Term frequencies are the model's frozen ones, or else those of all the
    linker's records, so new and existing records are weighed as a full run
    would weigh them.
    """
    started = time.perf_counter()
    # Splink 5 has no public way to reuse a linker's database or to ask which
    # term-frequency tables it holds, so this reads two private attributes; a
    # Splink upgrade can break incremental linking here (pinned <5.1 for that).
    db_api = linker._db_api
    for column in TF_COLUMNS:
        if f"__splink__df_tf_{column}" not in linker._intermediate_table_cache:
            linker.table_management.compute_tf_table(column)
    left = db_api.register(existing.select(MODEL_COLUMNS).to_arrow())
    right = db_api.register(new.select(MODEL_COLUMNS).to_arrow())
    between = linker.inference.predict_between(
        left, right, threshold_match_probability=floor, warning_mode="never"
    )
    within = linker.inference.predict_within(
        right, threshold_match_probability=floor, warning_mode="never"
    )
    pairs = pl.concat(
        [_pairs_frame(between), _pairs_frame(within)], how="diagonal_relaxed"
    )
    logger.info(
        "Splink scored %d pairs for %d new records against %d in %.1f s",
        pairs.height,
        new.height,
        existing.height,
        time.perf_counter() - started,
    )
    return pairs


def _pairs_frame(scored) -> pl.DataFrame:
    """The scored pairs with the columns later steps read: ids and scores,
    each comparison's level and weights (explanations), and the `_l`/`_r`
    values the pair guard checks. Splink also keeps the address columns and
    term frequencies; leaving them out here saves converting them."""
    table = scored.as_pyarrow_table()
    # Splink names the id columns after `unique_id_column_name`.
    kept = [
        name
        for name in table.column_names
        if name in ("match_weight", "match_probability")
        or name.startswith(("record_key_", "gamma_", "mw_"))
        or name.removesuffix("_l").removesuffix("_r") in GUARDED_COLUMNS
    ]
    return pl.from_arrow(table.select(kept))
