"""Reading and writing identity tables in the warehouse, and identity settings.

The identity library works on dataframes; this module is where they meet the
warehouse (`identity.*` tables) and the data folder (model, settings file).
"""

from __future__ import annotations

import logging
from dataclasses import fields
from pathlib import Path

import duckdb
import polars as pl
import yaml

from identity.config import IdentityConfig
from identity.resolution import Resolution
from identity.stable_ids import empty_previous
from orchestration.warehouse import table_exists

logger = logging.getLogger(__name__)

IDENTITY_RECORDS = "staging.int_identity_records"
ASSIGNMENT_TABLE = "identity.record_to_customer"
HISTORY_TABLE = "identity.history"
EXPLANATIONS_TABLE = "identity.match_explanations"


class IdentitySettingsError(Exception):
    """The identity settings file is unreadable or names an unknown setting."""


def model_dir(data_dir: Path) -> Path:
    """Where the trained Splink model and its report live."""
    return data_dir / "identity" / "model"


def settings_file(data_dir: Path) -> Path:
    return data_dir / "identity" / "settings.yml"


def load_identity_config(data_dir: Path, **overrides: object) -> IdentityConfig:
    """IdentityConfig from `<data>/identity/settings.yml` (optional) and overrides."""
    path = settings_file(data_dir)
    values: dict[str, object] = {}
    if path.exists():
        try:
            values = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise IdentitySettingsError(
                f"{path} is not valid YAML ({error}); fix or delete it."
            ) from None
        if not isinstance(values, dict):
            raise IdentitySettingsError(
                f"{path} must be a mapping of setting names to values."
            )
    values.update({key: value for key, value in overrides.items() if value is not None})
    known = {field.name for field in fields(IdentityConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise IdentitySettingsError(
            f"Unknown identity setting(s) {', '.join(unknown)} in {path}; "
            f"known settings are {', '.join(sorted(known))}."
        )
    for key in ("placeholder_emails", "placeholder_phones", "placeholder_texts"):
        if key in values:
            values[key] = tuple(values[key])
    try:
        return IdentityConfig(**values)
    except (TypeError, ValueError) as error:
        raise IdentitySettingsError(
            f"Invalid identity setting in {path}: {error}"
        ) from None


def read_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(f"select * from {IDENTITY_RECORDS}").pl()


def read_previous(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The last assignment's ids and their creation times; empty on a first run."""
    if not table_exists(con, "identity", "record_to_customer"):
        return empty_previous()
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'identity' and table_name = 'record_to_customer'"
        ).fetchall()
    }
    # The foundation's table had no creation time: its ids count as equally old.
    created = (
        "customer_created_at"
        if "customer_created_at" in columns
        else "cast('1970-01-01' as timestamp) as customer_created_at"
    )
    # Fingerprints tell changed records apart; older tables have none.
    fingerprint = (
        "record_fingerprint"
        if "record_fingerprint" in columns
        else "cast(null as varchar) as record_fingerprint"
    )
    return (
        con.sql(
            f"select record_key, customer_id, {created}, {fingerprint} "
            f"from {ASSIGNMENT_TABLE}"
        )
        .pl()
        .cast(empty_previous().schema)
    )


def write_resolution(
    con: duckdb.DuckDBPyConnection, resolution: Resolution, incremental: bool
) -> None:
    """Replace the assignment, append history, and update explanations."""
    # One transaction: the next run reads this assignment as "previous" to find
    # merges and splits, so an assignment written without its history rows
    # would lose those events for good.
    con.begin()
    try:
        _write_tables(con, resolution, incremental)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    logger.info(
        "Wrote %d rows to %s, %d to %s, %d new to %s",
        resolution.assignment.height,
        ASSIGNMENT_TABLE,
        resolution.history.height,
        HISTORY_TABLE,
        resolution.explanations.height,
        EXPLANATIONS_TABLE,
    )


def _write_tables(
    con: duckdb.DuckDBPyConnection, resolution: Resolution, incremental: bool
) -> None:
    con.register("assignment", resolution.assignment.to_arrow())
    con.execute(
        f"create or replace table {ASSIGNMENT_TABLE} as select * from assignment"
    ).fetchall()
    con.unregister("assignment")

    con.register("history", resolution.history.to_arrow())
    con.execute(
        f"create table if not exists {HISTORY_TABLE} as "
        "select * from history where false"
    ).fetchall()
    con.execute(f"insert into {HISTORY_TABLE} select * from history").fetchall()
    con.unregister("history")

    con.register("explanations", resolution.explanations.to_arrow())
    keep_old = incremental and table_exists(con, "identity", "match_explanations")
    if keep_old:
        # Earlier links still hold; their rows follow their records' new ids.
        con.execute(
            f"""
            create or replace table {EXPLANATIONS_TABLE} as
            select a.customer_id, e.* exclude (customer_id)
            from {EXPLANATIONS_TABLE} as e
            join {ASSIGNMENT_TABLE} as a on a.record_key = e.record_key_l
            union all by name
            select * from explanations
            """
        ).fetchall()
    else:
        con.execute(
            f"create or replace table {EXPLANATIONS_TABLE} as "
            "select * from explanations"
        ).fetchall()
    con.unregister("explanations")
