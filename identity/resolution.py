"""Identity resolution end to end: records in, stable customer ids out.

Canonical records -> deterministic links -> Splink links (pair guard) ->
clusters within identifier limits -> stable ids and history -> explanations.
"""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from identity import model as splink_model
from identity.canonical import FIELDS, SOURCE_KEYS, canonicalize
from identity.clustering import cluster_records
from identity.config import IdentityConfig
from identity.explain import explain_links
from identity.links import (
    EDGE_SCHEMA,
    deterministic_links,
    drop_conflicting_pairs,
    name_facts,
)
from identity.stable_ids import assign_stable_ids, empty_previous

logger = logging.getLogger(__name__)

ASSIGNMENT_COLUMNS = (
    "source",
    "source_record_id",
    "record_key",
    "customer_id",
    "cluster_size",
    "customer_created_at",
    "needs_review",
    "review_reason",
    "record_fingerprint",
)


@dataclass
class Resolution:
    """The outcome of one run, ready to be written to the warehouse."""

    assignment: pl.DataFrame
    history: pl.DataFrame
    explanations: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    comparisons: int = 0  # pairs Splink scored (incremental: those kept)
    trained: bool = False
    records_linked: int = 0


def resolve(
    records: pl.DataFrame,
    config: IdentityConfig,
    *,
    model_dir: Path,
    previous: pl.DataFrame | None = None,
    retrain: bool = False,
    incremental: bool = False,
    run_id: str = "manual",
    now: datetime | None = None,
    parse_phones: bool = False,
) -> Resolution:
    """Assign a stable customer id to every record.

    Args:
        records: Identity records (canonical columns; see
            `identity.canonical`), one row per source record.
        config: Thresholds and limits.
        model_dir: Where the trained model lives; it is trained and saved
            there when missing or when `retrain` is set, else reused.
        previous: The last assignment (`record_key`, `customer_id`,
            `customer_created_at`, optionally `record_fingerprint`), whose
            ids are kept.
        retrain: Train a new model even if one is saved.
        incremental: Link only records that are new or whose identity
            fields changed since `previous` (by `record_fingerprint`),
            against the rest and each other. Previous customers keep their
            unchanged records: they can grow or merge, not split, so a
            customer that a changed record held together stays whole until
            a full rebuild.
        run_id: Recorded in the history.
        now: Time of the run (defaults to the current UTC time).
        parse_phones: Parse phones with `phonenumbers` (see `canonicalize`).

    Returns:
        A `Resolution` with the assignment, history rows and explanations.
    """
    # Naive UTC, like every timestamp in the warehouse.
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    previous = empty_previous() if previous is None else previous
    timings: dict[str, float] = {}
    clock = _Clock(timings)

    with clock("canonicalize"):
        canonical = canonicalize(records, config, parse_phones=parse_phones)
        _require_unique_keys(canonical)
        canonical = splink_model.with_rare_full_names(canonical)

    settings = None if retrain else splink_model.load_model(model_dir)
    trained = settings is None
    # Deterministic links and fingerprints do not need the model, so they run
    # in a second thread while Splink trains. Training leaves a core idle
    # between its queries (about 1.5 cores busy on two), which hides most of
    # their time; DuckDB and polars release the GIL, and each step has its
    # own connection. Their stage times overlap the training time.
    beside_training: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        model_free = pool.submit(_model_free_steps, canonical, config, beside_training)
        with clock("training"):
            if trained:
                linker, _ = splink_model.train(canonical, config, model_dir)
            else:
                linker = splink_model.build_linker(
                    canonical, settings, model_dir=model_dir
                )
        deterministic, fingerprints = model_free.result()
    timings.update(beside_training)

    # A record whose identity fields changed is linked afresh, and its old
    # customer is no evidence for its id: it moves, it does not merge.
    changed = _changed_records(previous, fingerprints)
    previous = previous.select(empty_previous().columns).join(
        changed, on="record_key", how="anti"
    )
    known = previous.join(canonical.select("record_key"), on="record_key")
    incremental = incremental and not known.is_empty()
    records_linked = canonical.height
    with clock("predict"):
        if incremental:
            if not changed.is_empty():
                logger.info(
                    "%d known records changed their identity fields; relinking them",
                    changed.height,
                )
            is_new = ~canonical["record_key"].is_in(known["record_key"].implode())
            new = canonical.filter(is_new)
            records_linked = new.height
            pairs = splink_model.predict_incremental(
                linker, canonical.filter(~is_new), new, config.match_probability
            )
            comparisons = pairs.height
        else:
            pairs, comparisons, timings["blocking"] = splink_model.predict_all(
                linker, config.match_probability
            )
        facts = name_facts(canonical).join(
            canonical.select("record_key", "first_name"), on="record_key"
        )
        pairs = drop_conflicting_pairs(pairs, facts, config)

    with clock("cluster"):
        model_edges = pairs.select(
            "record_key_l",
            "record_key_r",
            rule=pl.lit("splink"),
            match_probability="match_probability",
            match_weight="match_weight",
        )
        parts = [deterministic, model_edges.cast(EDGE_SCHEMA)]
        if incremental:
            parts.append(_previous_customer_edges(known))
        clustering = cluster_records(canonical, pl.concat(parts), config)

    with clock("ids"):
        assigned, history = assign_stable_ids(
            clustering.clusters,
            previous,
            clustering.links,
            run_id,
            now,
        )
        # Fingerprints are computed row by row from `canonical`, so they are
        # put beside it rather than joined on the record key.
        assignment = (
            canonical.select("source", "source_record_id", "record_key")
            .with_columns(fingerprints["record_fingerprint"])
            .join(
                assigned.select("record_key", "customer_id", "customer_created_at"),
                on="record_key",
            )
            .join(
                clustering.clusters.select(
                    "record_key", "cluster_size", "review_reason"
                ),
                on="record_key",
            )
            .with_columns(needs_review=pl.col("review_reason").is_not_null())
            .select(ASSIGNMENT_COLUMNS)
            .sort("record_key")
        )
    with clock("explain"):
        links = clustering.links.filter(pl.col("rule") != "previous customer")
        if incremental:
            # Links among existing records were explained when they were made.
            linked_now = new["record_key"].implode()
            links = links.filter(
                pl.col("record_key_l").is_in(linked_now)
                | pl.col("record_key_r").is_in(linked_now)
            )
        explanations = explain_links(links, pairs, assignment, linker, run_id)
    logger.info(
        "Resolved %d records (%d linked this run) into %d customers; stages: %s",
        assignment.height,
        records_linked,
        assignment["customer_id"].n_unique(),
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()),
    )
    return Resolution(
        assignment=assignment,
        history=history,
        explanations=explanations,
        timings=timings,
        comparisons=comparisons,
        trained=trained,
        records_linked=records_linked,
    )


def _model_free_steps(
    canonical: pl.DataFrame, config: IdentityConfig, timings: dict[str, float]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Deterministic links and fingerprints, timed into `timings`."""
    clock = _Clock(timings)
    with clock("deterministic"):
        deterministic = deterministic_links(canonical, config)
    with clock("fingerprints"):
        fingerprints = _fingerprints(canonical)
    return deterministic, fingerprints


def _fingerprints(canonical: pl.DataFrame) -> pl.DataFrame:
    """A digest of each record's identity fields, to notice changed records.

    Computed with hashlib rather than polars' hash, which may change between
    polars versions and would make every record look changed.
    """
    text = pl.concat_str(
        [
            pl.col(name).cast(pl.String).fill_null("\x00")
            for name in FIELDS + SOURCE_KEYS
        ],
        separator="\x1f",
    )
    blake2b = hashlib.blake2b
    digests = [
        blake2b(value.encode(), digest_size=12).hexdigest()
        for value in canonical.select(text).to_series()
    ]
    return canonical.select("record_key").with_columns(
        record_fingerprint=pl.Series(digests, dtype=pl.String)
    )


def _changed_records(
    previous: pl.DataFrame, fingerprints: pl.DataFrame
) -> pl.DataFrame:
    """`record_key` of records whose identity fields differ from last run.

    An assignment written before fingerprints were kept has none; its records
    count as unchanged until a full rebuild writes them.
    """
    if "record_fingerprint" not in previous.columns:
        return pl.DataFrame(schema={"record_key": pl.String})
    return (
        previous.join(fingerprints, on="record_key", suffix="_now")
        .filter(pl.col("record_fingerprint") != pl.col("record_fingerprint_now"))
        .select("record_key")
    )


def _previous_customer_edges(known: pl.DataFrame) -> pl.DataFrame:
    """Keep existing customers together: each record to its customer's anchor."""
    return (
        known.with_columns(record_key_r=pl.col("record_key").min().over("customer_id"))
        .filter(pl.col("record_key") != pl.col("record_key_r"))
        .select(
            record_key_l="record_key",
            record_key_r="record_key_r",
            rule=pl.lit("previous customer"),
            match_probability=pl.lit(1.0),
            match_weight=pl.lit(None, dtype=pl.Float64),
        )
        .cast(EDGE_SCHEMA)
    )


def _require_unique_keys(records: pl.DataFrame) -> None:
    if records["record_key"].n_unique() == records.height:
        return
    duplicated = records.filter(pl.col("record_key").is_duplicated())
    if not duplicated.is_empty():
        example = duplicated["record_key"][0]
        raise ValueError(
            f"{duplicated['record_key'].n_unique()} record keys occur more than "
            f"once (for example {example!r}): give every record of a source its "
            "own id."
        )


class _Clock:
    """Times named stages into a dict."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    def __call__(self, name: str) -> _Stage:
        return _Stage(self.timings, name)


class _Stage:
    def __init__(self, timings: dict[str, float], name: str):
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.perf_counter() - self.started
