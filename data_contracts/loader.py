"""Load landing files into `raw.<source>_<entity>`, once per file version.

Each new file is parsed, checked against its contract (`contracts/*.json`)
and then, in one transaction, its good rows go to `raw.<table>`, its bad rows
to `quarantine.<table>` with every broken rule as a reason, and one row to
`ops.load_ledger` with `rows_read = rows_loaded + rows_quarantined +
duplicates_skipped`. A crash never leaves part of a file behind, and a file
whose path and SHA-256 are already in the ledger is skipped. A file that
cannot be read at all is recorded as `rejected` with its reason and does not
stop the other files.
"""

import hashlib
import itertools
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fnmatch import fnmatch
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from data_contracts.contract import Contract, load_contract
from data_contracts.contract_sql import quote, reasons_sql
from data_contracts.entities import Entity, entities_for
from data_contracts.errors import LandingFileError
from data_contracts.readers import read_landing_chunks

logger = logging.getLogger(__name__)

_METADATA_COLUMNS = (
    ("_source_file", "VARCHAR"),
    ("_source_line", "BIGINT"),
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)
# Quarantine rows also keep the text of a line that did not parse, and why.
_QUARANTINE_COLUMNS = (("_raw_line", "VARCHAR"), ("_reasons", "VARCHAR[]"))

_LEDGER_COLUMNS = (
    ("load_id", "varchar primary key"),
    ("source", "varchar not null"),
    ("entity", "varchar not null"),
    ("file_path", "varchar not null"),
    ("file_size_bytes", "bigint not null"),
    ("file_sha256", "varchar not null"),
    ("rows_read", "bigint not null"),
    ("rows_loaded", "bigint not null"),
    ("started_at", "timestamp not null"),
    ("finished_at", "timestamp not null"),
    ("rows_quarantined", "bigint"),
    ("duplicates_skipped", "bigint"),
    ("rows_warned", "bigint"),
    ("status", "varchar"),  # loaded or rejected
    ("reason", "varchar"),  # why a file was rejected
    ("drift_columns", "varchar[]"),  # fields outside the contract, kept in _extra
)
_COUNTS = (
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "duplicates_skipped",
    "rows_warned",
)
# Small files share a transaction up to these limits (see _groups).
_GROUP_BYTES = 32 * 1024 * 1024
_GROUP_FILES = 200
# A file larger than this is read and inserted in pieces of about this size.
# Known shortcoming: only Shopify CSVs are split, and the whole file's bytes
# are still read at once (for its checksum and the split), inside one
# transaction; the 764 MB orders export of 1M people peaked at 6.4 GB RSS, so
# memory still grows with the largest file. Streaming the checksum and the
# split from disk would bound it by the piece size.
_CHUNK_BYTES = 64 * 1024 * 1024
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class FileLoad:
    """What happened to one landing file."""

    source: str
    entity: str
    file_path: str  # relative to the landing folder
    rows_read: int
    rows_loaded: int
    skipped: bool  # already in the ledger with the same checksum
    seconds: float
    rows_quarantined: int = 0
    duplicates_skipped: int = 0
    rows_warned: int = 0  # loaded rows breaking a `warning` rule
    status: str = "loaded"  # loaded, rejected or skipped
    reason: str | None = None
    drift_columns: tuple[str, ...] = ()
    load_id: str | None = None


def load_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    sources: list[str] | None = None,
) -> list[FileLoad]:
    """Load every new landing file of the given sources (all when None).

    Args:
        con: the warehouse connection; `raw`, `quarantine` and `ops` are
            created if missing.
        landing_dir: the landing folder holding one folder per source.
        sources: source names such as `shop`; None loads all of them.

    Returns:
        One FileLoad per matching file, in entity then file-name order; a file
        that cannot be read has status `rejected` and its reason.
    """
    entities = entities_for(sources)
    prepare_warehouse(con, entities)
    for source in dict.fromkeys(e.source for e in entities):
        _warn_unmatched(
            landing_dir, source, [e for e in entities if e.source == source]
        )
    loads = []
    for entity in entities:
        known = _ledger_keys(con, entity)
        for group in _groups(find_files(landing_dir, entity)):
            loads += load_files(con, landing_dir, entity, group, known)
    return loads


def load_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: str
) -> list[FileLoad]:
    """Load every new landing file of one source."""
    return load_landing(con, landing_dir, [source])


def reload_partition(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, entity: Entity, day: date
) -> list[FileLoad]:
    """Replace one day of a partitioned entity: its rows and its files' loads.

    Deleting the day and loading its files again is one transaction, so a
    crash leaves the previous day in place.
    """
    if entity.partition_column is None:
        raise ValueError(f"{entity.qualified_table} has no daily partition")
    prepare_warehouse(con, [entity])
    paths = [p for p in find_files(landing_dir, entity) if _file_day(p) == day]
    names = [p.relative_to(landing_dir).as_posix() for p in paths]
    column = quote(entity.partition_column)
    con.begin()
    try:
        for schema in ("raw", "quarantine"):
            con.execute(
                f"delete from {schema}.{entity.table} where {column} = ?", [day]
            ).fetchall()
        con.execute(
            "delete from ops.load_ledger where source = ? and entity = ?"
            " and list_contains(?, file_path)",
            [entity.source, entity.entity, names],
        ).fetchall()
        loads = _load_group(con, landing_dir, entity, paths, set())
        con.commit()
    except BaseException:
        con.rollback()
        raise
    logger.info(
        "reloaded %s for %s: %d files, %d rows",
        entity.qualified_table,
        day,
        len(loads),
        sum(load.rows_loaded for load in loads),
    )
    return loads


def prepare_warehouse(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    """Create the schemas, the ledger, raw and quarantine tables; add columns."""
    for schema in ("raw", "quarantine", "ops"):
        con.execute(f"create schema if not exists {schema}")
    _ensure_table(con, "ops", "load_ledger", list(_LEDGER_COLUMNS))
    for entity in entities:
        wanted = [(c.name, c.type) for c in entity.raw_columns]
        if entity.partition_column:
            wanted.append((entity.partition_column, "DATE"))
        wanted += list(_METADATA_COLUMNS)
        _ensure_table(con, "raw", entity.table, wanted)
        _ensure_table(con, "quarantine", entity.table, [*wanted, *_QUARANTINE_COLUMNS])


def _ensure_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    wanted: list[tuple[str, str]],
) -> None:
    columns = ", ".join(f"{quote(name)} {type_}" for name, type_ in wanted)
    con.execute(f"create table if not exists {schema}.{table} ({columns})")
    existing = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    # Tables gain columns as vendors add fields; old rows read NULL there.
    for name, type_ in wanted:
        if name not in existing:
            type_ = type_.replace(" primary key", "").replace(" not null", "")
            con.execute(
                f"alter table {schema}.{table} add column {quote(name)} {type_}"
            )
            logger.info("added column %s.%s.%s", schema, table, name)


def find_files(landing_dir: Path, entity: Entity) -> list[Path]:
    """The entity's landing files, sorted by name."""
    folder = landing_dir / entity.source
    found = {path for pattern in entity.patterns for path in folder.glob(pattern)}
    return sorted(path for path in found if path.is_file())


def _warn_unmatched(landing_dir: Path, source: str, entities: list[Entity]) -> None:
    folder = landing_dir / source
    if not folder.is_dir():
        logger.info("no landing folder %s", folder)
        return
    matched = {path for entity in entities for path in find_files(landing_dir, entity)}
    for path in sorted(folder.iterdir()):
        # Hidden files are writers' temporaries (the collector's `.part` files).
        if path.is_file() and path not in matched and not path.name.startswith("."):
            logger.warning("ignoring %s: it matches no landing file pattern", path)


def load_files(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    entity: Entity,
    paths: list[Path],
    known: set[tuple[str, str]] | None = None,
) -> list[FileLoad]:
    """Load a group of files and their ledger rows in one transaction.

    Args:
        known: (file path, sha256) pairs already in the ledger; None reads them.
    """
    if known is None:
        known = _ledger_keys(con, entity)
    con.begin()
    try:
        loads = _load_group(con, landing_dir, entity, paths, known)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    for load in loads:
        _log_load(entity, load)
    return loads


def _groups(paths: list[Path]) -> list[list[Path]]:
    """Consecutive files of up to _GROUP_BYTES (and _GROUP_FILES) together.

    A transaction per file cost about 30 ms in DuckDB statements, which made
    the 731 daily web files slower to load than their rows; a large file still
    gets its own transaction.
    """
    groups: list[list[Path]] = []
    size = 0
    for path in paths:
        bytes_ = path.stat().st_size
        if (
            not groups
            or size + bytes_ > _GROUP_BYTES
            or len(groups[-1]) >= _GROUP_FILES
        ):
            groups.append([])
            size = 0
        groups[-1].append(path)
        size += bytes_
    return groups


def _log_load(entity: Entity, load: FileLoad) -> None:
    if load.skipped:
        logger.info("skipped %s: already loaded with the same checksum", load.file_path)
    elif load.status == "rejected":
        logger.warning(
            "rejected %s: %s; fix the file and drop it in again",
            load.file_path,
            load.reason,
        )
    else:
        logger.info(
            "loaded %s rows into %s from %s"
            " (%d quarantined, %d duplicates skipped, %d with warnings)",
            load.rows_loaded,
            entity.qualified_table,
            load.file_path,
            load.rows_quarantined,
            load.duplicates_skipped,
            load.rows_warned,
        )
    if load.drift_columns:
        logger.warning(
            "%s: schema drift, fields %s are not in the contract; kept in %s._extra",
            load.file_path,
            list(load.drift_columns),
            entity.qualified_table,
        )


def _load_group(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    entity: Entity,
    paths: list[Path],
    known: set[tuple[str, str]],
) -> list[FileLoad]:
    """Read, check and insert a group of files; the caller owns the transaction."""
    started = time.perf_counter()
    started_at = _utc_now()
    contract = load_contract(entity.table)
    loads: dict[str, FileLoad] = {}
    ledgers: dict[str, dict] = {}
    frames, files = [], []
    for path in paths:
        file_path = path.relative_to(landing_dir).as_posix()
        data = path.read_bytes()
        if any(fnmatch(path.name, pattern) for pattern in entity.appending_patterns):
            data = data[: data.rfind(b"\n") + 1]
        sha256 = hashlib.sha256(data).hexdigest()
        if (file_path, sha256) in known:
            loads[file_path] = FileLoad(
                entity.source,
                entity.entity,
                file_path,
                0,
                0,
                True,
                0.0,
                status="skipped",
            )
            continue
        known.add((file_path, sha256))
        load_id = uuid.uuid4().hex
        ledgers[load_id] = (
            {
                "load_id": load_id,
                "source": entity.source,
                "entity": entity.entity,
                "file_path": file_path,
                "file_size_bytes": len(data),
                "file_sha256": sha256,
                "started_at": started_at,
                "status": "loaded",
                "reason": None,
            }
            | dict.fromkeys(_COUNTS, 0)
            | {"drift_columns": []}
        )
        day = _file_day(path) if entity.partition_column else None
        pieces = read_landing_chunks(data, entity, file_path, _CHUNK_BYTES)
        try:
            if entity.partition_column and day is None:
                raise LandingFileError(
                    file_path, "its name holds no valid date (YYYY-MM-DD)"
                )
            frame = next(pieces)
        except LandingFileError as error:
            ledgers[load_id] |= {"status": "rejected", "reason": error.problem}
            continue
        missing = [c for c in contract.required_columns if c not in frame.columns]
        if missing:
            reason = "; ".join(f"it lacks the required column {c}" for c in missing)
            ledgers[load_id] |= {"status": "rejected", "reason": reason}
        info = {
            "_load_id": load_id,
            "_file_order": len(files),
            "_day": day,
            "_file_reasons": [
                f"the file lacks the required column {c}" for c in missing
            ],
        }
        tagged = pl.lit(load_id).alias("_load_id")
        if len(data) <= _CHUNK_BYTES:
            frames.append(frame.with_columns(tagged))
            files.append(info)
            continue
        # A large file goes in piece by piece, in this same transaction, so
        # memory follows the piece size rather than the file size.
        try:
            for piece in itertools.chain([frame], pieces):
                counts = _validate_and_insert(
                    con,
                    entity,
                    contract,
                    piece.with_columns(tagged),
                    [info],
                    started_at,
                )
                ledgers[load_id] = _add_counts(ledgers[load_id], counts.get(load_id))
        except LandingFileError as error:
            _delete_load(con, entity, load_id)
            ledgers[load_id] |= dict.fromkeys(_COUNTS, 0) | {"drift_columns": []}
            ledgers[load_id] |= {"status": "rejected", "reason": error.problem}
    if frames:
        counts = _validate_and_insert(
            con, entity, contract, pl.concat(frames, how="diagonal"), files, started_at
        )
        for load_id, values in counts.items():
            ledgers[load_id] |= values
    seconds = _since(started)
    for row in ledgers.values():
        _insert_ledger(con, row)
        loads[row["file_path"]] = FileLoad(
            entity.source,
            entity.entity,
            row["file_path"],
            row["rows_read"],
            row["rows_loaded"],
            False,
            seconds,
            rows_quarantined=row["rows_quarantined"],
            duplicates_skipped=row["duplicates_skipped"],
            rows_warned=row["rows_warned"],
            status=row["status"],
            reason=row["reason"],
            drift_columns=tuple(row["drift_columns"]),
            load_id=row["load_id"],
        )
    return [loads[p.relative_to(landing_dir).as_posix()] for p in paths]


def _validate_and_insert(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    contract: Contract,
    frame: pl.DataFrame,
    files: list[dict],
    loaded_at: datetime,
) -> dict[str, dict]:
    """Check the rows of a group of files and insert them into raw or quarantine.

    Returns the ledger counts per load id. The batch is materialised once as a
    temporary table so that the rules run once per row, not once per
    destination.
    """
    suffix = uuid.uuid4().hex
    seen = f"_seen_{suffix}"
    view, file_view = f"_landing_{suffix}", f"_files_{suffix}"
    present = set(frame.columns)
    names = [c.name for c in entity.raw_columns] + ["_source_file", "_source_line"]
    projection = [
        f"{quote(n) if n in present else 'null'} as {quote(n)}" for n in names
    ]
    projection.append("_raw_line" if "_raw_line" in present else "null as _raw_line")
    parse_error = "_parse_error" if "_parse_error" in present else "null"
    projection += [
        f"{parse_error} as _parse_error",
        "_load_id",
        "_file_order",
        "_day",
        "_file_reasons",
    ]
    reasons = (
        "case when len(_file_reasons) > 0 then _file_reasons"
        " when _parse_error is not null then [_parse_error]"
        f" else {reasons_sql(contract)} end"
    )
    warnings = reasons_sql(contract, "warning")
    key = contract.unique_column
    if key is not None and key in names:
        # Shop orders have no uniqueness rule (a line item has no id of its
        # own), so the same export delivered under two names loads twice.
        # The natural id loads once: the first valid row (by file, then line)
        # wins, and a row whose id is already in raw (an earlier load) is a
        # duplicate.
        duplicate = (
            f"len(_reasons) = 0 and {quote(key)} is not null and ("
            f"row_number() over (partition by {quote(key)}, len(_reasons) = 0"
            " order by _file_order, _source_line) > 1"
            f" or {quote(key)} in (select k from {seen}))"
        )
    else:
        duplicate = "false"
    file_table = pa.Table.from_pylist(
        files,
        schema=pa.schema(
            [
                ("_load_id", pa.string()),
                ("_file_order", pa.int64()),
                ("_day", pa.date32()),
                ("_file_reasons", pa.list_(pa.string())),
            ]
        ),
    )
    # String views pass to DuckDB without copying every value into new buffers.
    con.register(view, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    con.register(file_view, file_table)
    try:
        if duplicate != "false":
            # The batch's ids already in raw, found by an inner join that
            # hashes the batch's few ids and streams raw's column past them;
            # `in (select ... from raw)` hashed all of raw for every batch.
            column = quote(key)
            con.execute(
                f"create temp table {seen} as select distinct r.{column} as k"
                f" from {entity.qualified_table} as r"
                f" join (select distinct {column} as k from {view}) as b"
                f" on r.{column} = b.k"
            ).fetchall()
        batch = (
            f"(select *, coalesce({duplicate}, false) as _duplicate from ("
            f"  select *, {reasons} as _reasons, {warnings} as _warnings from ("
            f"   select {', '.join(projection)}"
            f"   from {view} join {file_view} using (_load_id))))"
        )
        # The batch stays a query, not a table: each statement reads only the
        # columns it needs, and only the insert into raw copies the large
        # JSON columns. The rules run again per statement, which costs less
        # than materialising every column once more.
        counts = _insert_batch(con, entity, batch, names, loaded_at)
        # No `finally` for the drop: after a failed statement the transaction
        # refuses it, and the rollback removes the temporary table anyway.
        con.execute(f"drop table if exists {seen}").fetchall()
        return counts
    finally:
        con.unregister(view)
        con.unregister(file_view)


def _insert_batch(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    batch: str,
    names: list[str],
    loaded_at: datetime,
) -> dict[str, dict]:
    columns = [quote(n) for n in names]
    values = list(columns)
    if entity.partition_column:
        columns.append(quote(entity.partition_column))
        values.append("_day")
    target = ", ".join([*columns, "_load_id", "_loaded_at"])
    source = ", ".join([*values, "_load_id", "?"])
    counts = {
        load_id: {
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_quarantined": quarantined,
            "duplicates_skipped": duplicates,
            "rows_warned": warned,
            "drift_columns": [],
        }
        for load_id, read, loaded, quarantined, duplicates, warned in con.execute(
            "select _load_id, count(*),"
            " count(*) filter (len(_reasons) = 0 and not _duplicate),"
            " count(*) filter (len(_reasons) > 0),"
            " count(*) filter (_duplicate),"
            " count(*) filter (len(_reasons) = 0 and not _duplicate"
            f"  and len(_warnings) > 0) from {batch} group by _load_id"
        ).fetchall()
    }
    loaded = con.execute(
        f"insert into {entity.qualified_table} ({target})"
        f" select {source} from {batch} where len(_reasons) = 0 and not _duplicate",
        [loaded_at],
    ).fetchall()[0][0]
    quarantined = 0
    if any(c["rows_quarantined"] for c in counts.values()):
        quarantined = con.execute(
            f"insert into quarantine.{entity.table} ({target}, _raw_line, _reasons)"
            f" select {source}, _raw_line, _reasons from {batch}"
            " where len(_reasons) > 0",
            [loaded_at],
        ).fetchall()[0][0]
    # The counts and the inserts evaluate the same rules; if they ever
    # disagreed, the ledger would not describe raw, so stop instead.
    expected = [
        sum(c[k] for c in counts.values()) for k in ("rows_loaded", "rows_quarantined")
    ]
    if [loaded, quarantined] != expected:
        raise RuntimeError(
            f"{entity.qualified_table}: inserted {loaded} + {quarantined} rows"
            f" where the contract counted {expected[0]} + {expected[1]}"
        )
    if entity.keeps_extra:
        for load_id, keys in con.execute(
            "select _load_id, list(distinct k order by k) from ("
            f" select _load_id, unnest(json_keys(_extra)) as k from {batch}"
            " where _extra is not null) group by _load_id"
        ).fetchall():
            counts[load_id]["drift_columns"] = keys
    return counts


def _add_counts(row: dict, counts: dict | None) -> dict:
    if counts is None:
        return row
    added = {name: row[name] + counts[name] for name in _COUNTS}
    drift = sorted(set(row["drift_columns"]) | set(counts["drift_columns"]))
    return row | added | {"drift_columns": drift}


def _delete_load(con: duckdb.DuckDBPyConnection, entity: Entity, load_id: str) -> None:
    """Remove the rows a file's earlier pieces inserted before a later one failed."""
    for schema in ("raw", "quarantine"):
        con.execute(
            f"delete from {schema}.{entity.table} where _load_id = ?", [load_id]
        ).fetchall()


def _insert_ledger(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    row = row | {"finished_at": _utc_now()}
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(
        f"insert into ops.load_ledger ({names}) values ({marks})", list(row.values())
    ).fetchall()


def _ledger_keys(
    con: duckdb.DuckDBPyConnection, entity: Entity
) -> set[tuple[str, str]]:
    """(file path, sha256) of every file of the entity already in the ledger."""
    rows = con.execute(
        "select file_path, file_sha256 from ops.load_ledger"
        " where source = ? and entity = ?",
        [entity.source, entity.entity],
    ).fetchall()
    return set(rows)


def _file_day(path: Path) -> date | None:
    match = _DAY.search(path.name)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
