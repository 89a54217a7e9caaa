"""Load landing files into `raw.<source>_<entity>`, once per file version.

Each new file is read, checked against its contract (`contracts/*.json`) and
then, in one transaction, its good rows go to `raw.<table>`, its bad rows to
`quarantine.<table>` with every broken rule as a reason, and one row to
`ops.load_ledger` with `rows_read = rows_loaded + rows_quarantined +
duplicates_skipped`. A crash never leaves part of a file behind, and a file
whose path and SHA-256 are already in the ledger is skipped. A file that
cannot be read at all is recorded as `rejected` with its reason and does not
stop the other files. A file the collector appends to loads only the lines
added since its last load, as long as the part loaded before is unchanged.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fnmatch import fnmatch
from itertools import repeat
from pathlib import Path

import duckdb
import polars as pl

from data_contracts.batch import (
    COUNTS,
    Batch,
    StagedFile,
    arrow_table,
    insert_frame,
    insertion_order,
)
from data_contracts.contract import Contract, load_contract
from data_contracts.contract_sql import quote
from data_contracts.csv_reader import read_csv_records
from data_contracts.entities import Entity, entities_for
from data_contracts.errors import LandingFileError
from data_contracts.file_pieces import (
    complete_end,
    csv_pieces,
    fingerprint,
    gzip_reader,
    line_pieces,
    range_reader,
    read_ahead,
)
from data_contracts.json_reader import read_ndjson_piece
from data_contracts.readers import (
    mailchimp_columns,
    mailchimp_frames,
    read_landing_file,
)
from data_contracts.sql_readers import (
    FILE_PROBLEM,
    null_values_sql,
    reads_typed,
    reads_with_sql,
    sql_source,
    structure_sql,
    typed_array_sql,
    typed_names_clash,
    unknown_keys,
)

logger = logging.getLogger(__name__)

_METADATA_COLUMNS = (
    ("_source_file", "VARCHAR"),
    ("_source_line", "BIGINT"),
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)
# JSON columns hold long, varied texts (a Segment event's context), which
# DuckDB's default string compression analyses at length when it writes:
# zstd wrote 722,623 web events in 0.87 s instead of 1.27 s into 2.6 times
# fewer blocks, and reading them back took as long. Columns of tables made
# before keep the default: DuckDB cannot change a column's compression. A
# database file in an older storage version (one DuckDB 1.x created) takes
# no compression choice at all: its columns get the plain type.
_STORED_TYPES = {"JSON": "JSON using compression zstd"}
# Quarantine rows also keep the text of a line that did not parse, and why.
_QUARANTINE_COLUMNS = (("_raw_line", "VARCHAR"), ("_reasons", "VARCHAR[]"))

_LEDGER_COLUMNS = (
    ("load_id", "varchar primary key"),
    ("source", "varchar not null"),
    ("entity", "varchar not null"),
    ("file_path", "varchar not null"),
    ("file_size_bytes", "bigint not null"),  # bytes covered: [0, size)
    ("file_sha256", "varchar not null"),  # of those bytes
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
    # Where this load started reading: 0 for a whole file, the previous
    # load's size for the new tail of a file the collector appends to.
    ("file_offset_bytes", "bigint"),
)
_LEDGER_SCHEMA = {
    "load_id": pl.String,
    "source": pl.String,
    "entity": pl.String,
    "file_path": pl.String,
    "file_size_bytes": pl.Int64,
    "file_offset_bytes": pl.Int64,
    "file_sha256": pl.String,
    **dict.fromkeys(COUNTS, pl.Int64),
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "status": pl.String,
    "reason": pl.String,
    "drift_columns": pl.List(pl.String),
}
# Files share a transaction up to these limits (see _groups): a transaction
# costs a commit and a scan of raw for known ids, and it leaves its last row
# group partly filled. DuckDB's checkpoint merges row groups whose rows fit
# in fewer (up to four into three), rewriting them: after transactions of
# about two row groups (122,880 rows each) it rewrote most of raw, 8 to 10 s
# after loading 1M people's web events in 30 s in groups of 512 MB. A
# transaction of four row groups or more leaves no such neighbours: in groups
# of 1 GB (1.2M web events) the load took as long, the checkpoint nothing,
# and raw kept the fullest layout (54 row groups). The batch of staged rows,
# held by DuckDB within its memory limit, follows this size: the peak stayed
# at 2.1 GB with DuckDB's limit at 2 GB.
_GROUP_BYTES = 1024 * 1024 * 1024
_FIRST_GROUP_BYTES = 128 * 1024 * 1024
_GROUP_FILES = 1000
# Files read in Python come in pieces of about this size, and the staged rows
# are inserted whenever this much input has gathered, in the file's one
# transaction: memory follows this size, not the file's (up to three pieces
# are held: one inserted, one waiting, one being read ahead). DuckDB inserts
# a piece into raw on one thread until it spans several row groups: 128 MB
# pieces loaded 1M people's orders export in 13.9 s against 17.1 s for
# 64 MB, at a peak of 3.3 GB against 2.2 GB (DuckDB's memory limit 2 GB);
# 256 MB was no faster.
_CHUNK_BYTES = 128 * 1024 * 1024
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


@dataclass(frozen=True)
class _Plan:
    """One file (or the new tail of one) to load: which bytes, under which id."""

    path: Path
    file_path: str  # relative to the landing folder
    start: int  # first byte to read; > 0 for the tail of an appended file
    end: int  # bytes covered by this load
    sha256: str  # of bytes [0, end)
    line_offset: int  # lines before `start`
    load_id: str
    day: date | None


@dataclass(frozen=True)
class _Ledger:
    """What the ledger knows of an entity's files."""

    known: set[tuple[str, str]]  # (file path, sha256) loaded or rejected
    latest: dict[str, tuple[int, str]]  # path -> (size, sha256) of its last load


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
        started = time.perf_counter()
        ledger = _read_ledger(con, entity)
        paths = find_files(landing_dir, entity)
        done: dict[str, FileLoad] = {}
        # Checksums of the next files are computed in a thread while DuckDB
        # loads the current group (both release the GIL): hashing the 5.4 GB
        # of web files of 1M people took a tenth of their load otherwise.
        pool = ThreadPoolExecutor(max_workers=1)
        try:
            planned = pool.map(
                _plan, repeat(landing_dir), repeat(entity), paths, repeat(ledger)
            )
            for group in _groups(planned, done):
                for load in _load_group(con, entity, group):
                    _log_load(entity, load)
                    done[load.file_path] = load
        finally:
            pool.shutdown(cancel_futures=True)
        entity_loads = [done[p.relative_to(landing_dir).as_posix()] for p in paths]
        for load in entity_loads:
            # Loads that never reached a transaction were not logged yet.
            if load.skipped or load.load_id is None:
                _log_load(entity, load)
        _log_entity(entity, entity_loads, _since(started))
        loads += entity_loads
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

    def delete_day(con: duckdb.DuckDBPyConnection) -> None:
        for schema in ("raw", "quarantine"):
            con.execute(
                f"delete from {schema}.{entity.table} where {column} = ?", [day]
            ).fetchall()
        con.execute(
            "delete from ops.load_ledger where source = ? and entity = ?"
            " and list_contains(?, file_path)",
            [entity.source, entity.entity, names],
        ).fetchall()

    # Every file of the day loads whole: its ledger rows go with the day.
    nothing = _Ledger(set(), {})
    plans = [_plan(landing_dir, entity, path, nothing) for path in paths]
    loads = _load_group(con, entity, plans, prelude=delete_day)
    logger.info(
        "reloaded %s for %s: %d files, %d rows",
        entity.qualified_table,
        day,
        len(loads),
        sum(load.rows_loaded for load in loads),
    )
    return loads


def _read_ledger(con: duckdb.DuckDBPyConnection, entity: Entity) -> _Ledger:
    rows = con.execute(
        "select file_path, file_sha256, file_size_bytes, status = 'loaded'"
        " from ops.load_ledger where source = ? and entity = ?"
        " order by finished_at, file_size_bytes",
        [entity.source, entity.entity],
    ).fetchall()
    latest = {path: (size, sha) for path, sha, size, loaded in rows if loaded}
    return _Ledger({(path, sha) for path, sha, _, _ in rows}, latest)


def _plan(
    landing_dir: Path, entity: Entity, path: Path, ledger: _Ledger
) -> "_Plan | FileLoad":
    """What to load of a file: all of it, its new tail, or nothing (skipped)."""
    file_path = path.relative_to(landing_dir).as_posix()
    try:
        return _plan_file(entity, path, file_path, ledger)
    except OSError as error:
        # Moved, deleted or unreadable since the folder was listed: record it
        # and go on with the other files.
        reason = f"it could not be read ({error.strerror or error})"
        return FileLoad(
            entity.source,
            entity.entity,
            file_path,
            0,
            0,
            False,
            0.0,
            status="rejected",
            reason=reason,
        )


def _plan_file(
    entity: Entity, path: Path, file_path: str, ledger: _Ledger
) -> "_Plan | FileLoad":
    size = path.stat().st_size
    appending = any(fnmatch(path.name, p) for p in entity.appending_patterns)
    end = complete_end(path, size) if appending else size
    start, line_offset = 0, 0
    previous = ledger.latest.get(file_path) if appending else None
    if appending and end == (previous[0] if previous else 0):
        # A file being appended to holds no new complete line yet (a writer
        # may be mid-line): nothing to load until the next run.
        return FileLoad(
            entity.source,
            entity.entity,
            file_path,
            0,
            0,
            True,
            0.0,
            status="skipped",
            reason="no new complete line yet",
        )
    if previous is not None and 0 < previous[0] < end:
        # An append-only file that grew: if the bytes loaded last time are
        # unchanged, only the lines after them are new.
        print_ = fingerprint(path, end, mark=previous[0])
        if print_.prefix_sha256 == previous[1]:
            start, line_offset = previous[0], print_.prefix_lines
    else:
        print_ = fingerprint(path, end)
    if (file_path, print_.sha256) in ledger.known:
        return FileLoad(
            entity.source, entity.entity, file_path, 0, 0, True, 0.0, status="skipped"
        )
    day = _file_day(path) if entity.partition_column else None
    return _Plan(
        path, file_path, start, end, print_.sha256, line_offset, uuid.uuid4().hex, day
    )


def prepare_warehouse(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    """Create the schemas, the ledger, raw and quarantine tables; add columns."""
    for schema in ("raw", "quarantine", "ops"):
        con.execute(f"create schema if not exists {schema}")
    _ensure_table(con, "ops", "load_ledger", list(_LEDGER_COLUMNS))
    # Ledgers from before append-only loads covered whole files.
    con.execute(
        "update ops.load_ledger set file_offset_bytes = 0"
        " where file_offset_bytes is null"
    ).fetchall()
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
    """Create the table, or add the columns it lacks; JSON columns are
    stored as `_STORED_TYPES` says where the database can."""
    existing = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_catalog = current_database()"
            " and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    # Only a missing table is created: on a database that takes no
    # compression choice, even `create table if not exists` of an existing
    # table fails on one.
    if not existing:
        _with_stored_types(con, f"create table {schema}.{table} ({{}})", wanted)
        return
    # Tables gain columns as vendors add fields; old rows read NULL there.
    for name, type_ in wanted:
        if name not in existing:
            type_ = type_.replace(" primary key", "").replace(" not null", "")
            statement = f"alter table {schema}.{table} add column {{}}"
            _with_stored_types(con, statement, [(name, type_)])
            logger.info("added column %s.%s.%s", schema, table, name)


def _with_stored_types(
    con: duckdb.DuckDBPyConnection, statement: str, columns: list[tuple[str, str]]
) -> None:
    """Run `statement` with the columns defined at its `{}`, stored as
    `_STORED_TYPES` says, or plainly where the database cannot store them so.

    Only in autocommit, as both callers of `prepare_warehouse` run it: in an
    explicit transaction the failed first try would abort the second.
    """
    try:
        con.execute(statement.format(_definitions(columns, _STORED_TYPES))).fetchall()
    except duckdb.BinderException as error:
        # "Can't compress using user-provided compression type 'ZSTD', that
        # type is not available yet": the file's storage version predates it.
        if "compress" not in str(error):
            raise
        con.execute(statement.format(_definitions(columns, {}))).fetchall()


def _definitions(columns: list[tuple[str, str]], stored: dict[str, str]) -> str:
    return ", ".join(f"{quote(name)} {stored.get(t, t)}" for name, t in columns)


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


def _groups(
    planned: Iterable["_Plan | FileLoad"], skipped: dict[str, FileLoad]
) -> Iterator[list[_Plan]]:
    """Consecutive files of up to _GROUP_BYTES (and _GROUP_FILES) together,
    as the plans arrive; files already loaded go to `skipped` instead.

    Each group is one transaction; a large file still gets its own. The
    first group stops at _FIRST_GROUP_BYTES: loading starts while the next
    files are checksummed, where a first group of 1 GB kept a core idle for
    0.7 s. Its partly filled row group has no small neighbour to merge with
    as long as the next transaction spans four row groups or more.
    """
    group: list[_Plan] = []
    size, limit = 0, _FIRST_GROUP_BYTES
    for plan in planned:
        if isinstance(plan, FileLoad):
            skipped[plan.file_path] = plan
            continue
        bytes_ = plan.end - plan.start
        if group and (size + bytes_ > limit or len(group) >= _GROUP_FILES):
            yield group
            group, size, limit = [], 0, _GROUP_BYTES
        group.append(plan)
        size += bytes_
    if group:
        yield group


def _log_load(entity: Entity, load: FileLoad) -> None:
    if load.skipped:
        logger.info(
            "skipped %s: %s",
            load.file_path,
            load.reason or "already loaded with the same checksum",
        )
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


def _log_entity(entity: Entity, loads: list[FileLoad], seconds: float) -> None:
    new = [load for load in loads if not load.skipped]
    logger.info(
        "%s: %d new files (%d skipped), %d rows read, %d loaded, %d quarantined,"
        " %d duplicates skipped in %.1f s",
        entity.qualified_table,
        len(new),
        len(loads) - len(new),
        sum(x.rows_read for x in new),
        sum(x.rows_loaded for x in new),
        sum(x.rows_quarantined for x in new),
        sum(x.duplicates_skipped for x in new),
        seconds,
    )


def _load_group(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    plans: list[_Plan],
    prelude: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> list[FileLoad]:
    """Read, check and insert a group of files and their ledger rows in one
    transaction; `prelude` runs first inside it."""
    started = time.perf_counter()
    started_at = _utc_now()
    contract = load_contract(entity.table)
    staged = [
        StagedFile(str(p.path), p.file_path, p.load_id, order, p.day)
        for order, p in enumerate(plans)
    ]
    ledgers = {p.load_id: _ledger_row(entity, p, started_at) for p in plans}
    # Around the transaction, not in it: a setting cannot be restored in a
    # transaction a failed statement aborted.
    with insertion_order(con):
        batch = Batch(con, entity, contract, started_at)
        try:
            # DuckDB reads whole JSON files itself, before the transaction: a
            # statement that fails inside one would abort it.
            by_sql = [
                s for s, p in zip(staged, plans, strict=True) if _sql_ok(entity, p)
            ]
            fallback = _stage_with_sql(batch, entity, by_sql)
            taken = {s.load_id for s in by_sql} - {s.load_id for s in fallback}
            rest = [
                (s, p)
                for s, p in zip(staged, plans, strict=True)
                if s.load_id not in taken
            ]
            con.begin()
            try:
                if prelude is not None:
                    prelude(con)
                # Known shortcoming: files DuckDB read go first, so if a group
                # mixes them with files read in Python (a .gz day beside a
                # plain one) and both hold an event id, the first loaded wins
                # rather than the first by file name. Each row still loads once.
                _merge(ledgers, batch.flush())
                for file, plan in rest:
                    _load_file(con, entity, contract, file, plan, ledgers, started_at)
                _insert_ledgers(con, list(ledgers.values()))
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            batch.close()
    seconds = _since(started)
    return [_file_load(entity, ledgers[p.load_id], seconds) for p in plans]


def _sql_ok(entity: Entity, plan: _Plan) -> bool:
    """Whether DuckDB can read the file whole: JSON, not gzip, not a tail,
    and (for NDJSON, which has a reader in pieces) not large."""
    if not reads_with_sql(entity) or plan.start > 0 or plan.path.suffix == ".gz":
        return False
    # DuckDB's readers take a path as a glob pattern: `users-[1].json` would
    # read `users-1.json` instead, or as well.
    if any(char in plan.path.name for char in "*?[]{}"):
        return False
    # DuckDB reads a file to its end as it is when the statement runs; a file
    # still being appended to may have grown past `plan.end` by then, and the
    # ledger would not describe what was read.
    if any(fnmatch(plan.path.name, p) for p in entity.appending_patterns):
        return False
    if entity.partition_column and plan.day is None:
        return False
    if plan.end != plan.path.stat().st_size:
        return False
    return entity.reader != "segment_ndjson" or plan.end <= _CHUNK_BYTES


def _stage_with_sql(
    batch: Batch, entity: Entity, files: list[StagedFile]
) -> list[StagedFile]:
    """Stage files with DuckDB's reader; returns those it could not take."""
    if not files:
        return []
    try:
        if reads_typed(entity):
            left = _stage_typed(batch, entity, files)
        else:
            parts = _parts([f.path for f in files], _threads(batch.con))
            source = sql_source(entity, "{files_view}", len(parts))
            batch.add_query(source, parts, files)
            left = []
        # A row that lost its file would count for no file in the ledger and
        # stop the load (a key shadowing a name of the statement did that):
        # such a statement failed like one that raised.
        lost = batch.drop_rows_without_load()
        failure = f"{lost} rows staged without their file" if lost else None
    except duckdb.Error as error:
        failure = str(error)
    if failure is not None:
        # Statements before the one that failed may have staged some files.
        batch.discard({f.load_id for f in files})
        if len(files) == 1:
            logger.debug(
                "%s: DuckDB cannot read it (%s)", files[0].source_file, failure
            )
            return files
        # One file broke the statement; the others need not pay for it.
        return [f for file in files for f in _stage_with_sql(batch, entity, [file])]
    left_ids = {f.load_id for f in left}
    taken = [f for f in files if f.load_id not in left_ids]
    problems = batch.problem_loads(FILE_PROBLEM)
    problems |= {f.load_id for f in taken} - batch.staged_loads()
    batch.discard(problems)
    return left + [f for f in taken if f.load_id in problems]


def _stage_typed(
    batch: Batch, entity: Entity, files: list[StagedFile]
) -> list[StagedFile]:
    """Stage JSON arrays with `read_json`, one statement per set of unknown
    keys; returns the files it cannot read, or not as the Python reader
    does: documents that are not arrays of objects, arrays that may hold a
    null item (`read_json` makes it a row of NULLs), keys that clash with
    the statement's names, and unknown keys with a null value (`read_json`
    reads one as a missing key)."""
    parts = _parts([f.path for f in files], _threads(batch.con))
    found = {
        path: (unknown_keys(entity, structure), has_null_text, null_item)
        for path, structure, has_null_text, null_item in batch.con.execute(
            structure_sql(len(parts)), parts
        ).fetchall()
    }
    by_keys: dict[tuple[str, ...], list[StagedFile]] = {}
    left = []
    for file in files:
        keys, has_null_text, null_item = found.get(file.path, (None, False, False))
        if (
            keys is None
            or null_item
            or typed_names_clash(entity, keys)
            or (keys and has_null_text and _has_null_value(batch, file, keys))
        ):
            left.append(file)
        else:
            by_keys.setdefault(tuple(keys), []).append(file)
    for keys, group in by_keys.items():
        source = typed_array_sql(entity, list(keys), "{files_view}")
        batch.add_query(source, [[f.path for f in group]], group, numbered=False)
    return left


def _has_null_value(batch: Batch, file: StagedFile, keys: list[str]) -> bool:
    rows = batch.con.execute(null_values_sql(keys), [[file.path]]).fetchall()
    return rows[0][1]


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select current_setting('threads')").fetchall()[0][0])


def _parts(paths: list[str], count: int) -> list[list[str]]:
    """Paths dealt round-robin into up to `count` non-empty parts, one per
    thread: daily files are of similar sizes."""
    return [paths[i::count] for i in range(min(count, len(paths)))]


def _load_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    contract: Contract,
    file: StagedFile,
    plan: _Plan,
    ledgers: dict[str, dict],
    loaded_at: datetime,
) -> None:
    """Load a file read in Python, piece by piece; a file that turns out
    unreadable in a later piece is taken out of raw again and rejected."""
    load_id = plan.load_id
    try:
        if entity.partition_column and plan.day is None:
            raise LandingFileError(
                plan.file_path, "its name holds no valid date (YYYY-MM-DD)"
            )
        columns = _file_columns(entity, plan)
        first = True
        for frame in _gathered(read_ahead(_read_pieces(entity, plan)), _CHUNK_BYTES):
            if first:
                held = frame.columns if columns is None else columns
                missing = [c for c in contract.required_columns if c not in held]
                if missing:
                    reason = "; ".join(
                        f"it lacks the required column {c}" for c in missing
                    )
                    ledgers[load_id] |= {"status": "rejected", "reason": reason}
                    file.file_reasons = [
                        f"the file lacks the required column {c}" for c in missing
                    ]
                first = False
            _merge(
                ledgers,
                insert_frame(con, entity, contract, frame, file, loaded_at),
            )
    except LandingFileError as error:
        _delete_load(con, entity, load_id)
        ledgers[load_id] |= dict.fromkeys(COUNTS, 0) | {
            "drift_columns": [],
            "status": "rejected",
            "reason": error.problem,
        }


def _file_columns(entity: Entity, plan: _Plan) -> set[str] | None:
    """The columns of the whole file where its first piece may lack some
    (None elsewhere): a Mailchimp zip's first piece comes from one member,
    and the verdict must not depend on the piece size."""
    if entity.reader == "mailchimp_zip":
        return mailchimp_columns(plan.path, entity, plan.file_path)
    return None


def _gathered(frames: Iterable[pl.DataFrame], limit: int) -> Iterator[pl.DataFrame]:
    """Consecutive frames put together while they stay under `limit` bytes.

    Every insert leaves a partly filled row group that DuckDB's checkpoint
    may rewrite (see _GROUP_BYTES): the three member CSVs of 1M people's
    Mailchimp zip, inserted one by one, cost a 1.2 s checkpoint.
    """
    held: list[pl.DataFrame] = []
    size = 0
    for frame in frames:
        if held and size + frame.estimated_size() > limit:
            yield _joined(held)
            held, size = [], 0
        held.append(frame)
        size += frame.estimated_size()
    if held:
        yield _joined(held)


def _joined(frames: list[pl.DataFrame]) -> pl.DataFrame:
    # A lone piece goes as it is: concatenating would copy it.
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal")


def _read_pieces(entity: Entity, plan: _Plan) -> Iterator[pl.DataFrame]:
    """The file's rows as frames.

    NDJSON, Shopify CSV and the CSVs inside a Mailchimp zip come in pieces of
    about _CHUNK_BYTES read from disk. Known shortcoming: a SendGrid array
    and a Zendesk page are single JSON documents and are read whole, here
    and by DuckDB, so their memory follows the document's size (18 MB
    SendGrid pages at 1M people); splitting them needs a streaming JSON
    parser.
    """
    size = plan.end - plan.start
    if entity.reader == "segment_ndjson":
        yield from _ndjson_frames(entity, plan)
    elif entity.reader == "mailchimp_zip":
        yield from mailchimp_frames(plan.path, entity, plan.file_path, _CHUNK_BYTES)
    elif entity.reader == "shopify_csv" and size > _CHUNK_BYTES:
        with plan.path.open("rb") as file:
            read = range_reader(file, plan.start, plan.end)
            for piece, offset in csv_pieces(read, _CHUNK_BYTES):
                frame = read_csv_records(
                    piece, entity, plan.file_path, line_offset=offset
                )
                yield frame
    else:
        with plan.path.open("rb") as file:
            data = range_reader(file, plan.start, plan.end)(size)
        yield read_landing_file(data, entity, plan.file_path)


def _ndjson_frames(entity: Entity, plan: _Plan) -> Iterator[pl.DataFrame]:
    rows = 0
    with plan.path.open("rb") as file:
        if plan.path.suffix == ".gz":
            read = gzip_reader(file, plan.file_path)
        else:
            read = range_reader(file, plan.start, plan.end)
        for piece, offset in line_pieces(read, _CHUNK_BYTES):
            if not piece:
                continue
            frame = read_ndjson_piece(
                piece, entity, plan.file_path, plan.line_offset + offset
            )
            if frame is not None:
                rows += frame.height
                yield frame
    # A whole file without a line is empty; a tail of blank lines is not.
    if rows == 0 and plan.start == 0:
        raise LandingFileError(plan.file_path, "the file is empty")


def _ledger_row(entity: Entity, plan: _Plan, started_at: datetime) -> dict:
    return (
        {
            "load_id": plan.load_id,
            "source": entity.source,
            "entity": entity.entity,
            "file_path": plan.file_path,
            "file_size_bytes": plan.end,
            "file_offset_bytes": plan.start,
            "file_sha256": plan.sha256,
            "started_at": started_at,
            "status": "loaded",
            "reason": None,
        }
        | dict.fromkeys(COUNTS, 0)
        | {"drift_columns": []}
    )


def _merge(ledgers: dict[str, dict], counts: dict[str, dict]) -> None:
    for load_id, values in counts.items():
        row = ledgers[load_id]
        added = {name: row[name] + values[name] for name in COUNTS}
        drift = sorted(set(row["drift_columns"]) | set(values["drift_columns"]))
        ledgers[load_id] = row | added | {"drift_columns": drift}


def _file_load(entity: Entity, row: dict, seconds: float) -> FileLoad:
    return FileLoad(
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


def _delete_load(con: duckdb.DuckDBPyConnection, entity: Entity, load_id: str) -> None:
    """Remove the rows a file's earlier pieces inserted before a later one failed."""
    for schema in ("raw", "quarantine"):
        con.execute(
            f"delete from {schema}.{entity.table} where _load_id = ?", [load_id]
        ).fetchall()


def _insert_ledgers(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """All ledger rows of a group in one statement."""
    if not rows:
        return
    finished = _utc_now()
    table = arrow_table(
        [row | {"finished_at": finished} for row in rows], _LEDGER_SCHEMA
    )
    view = f"_ledger_{uuid.uuid4().hex}"
    con.register(view, table)
    try:
        con.execute(
            f"insert into ops.load_ledger by name select * from {view}"
        ).fetchall()
    finally:
        con.unregister(view)


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
