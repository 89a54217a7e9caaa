"""Load landing files into `raw.<source>_<entity>` tables, once per file version.

Each new file is loaded in one transaction together with its `ops.load_ledger`
row, so a crash never leaves part of a file behind, and a file whose path and
SHA-256 are already in the ledger is skipped.
"""

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from data_contracts.entities import Entity, entities_for
from data_contracts.readers import read_landing_file

logger = logging.getLogger(__name__)

_METADATA_COLUMNS = (
    ("_source_file", "VARCHAR"),
    ("_source_line", "BIGINT"),
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)

_LEDGER_DDL = """
    create table if not exists ops.load_ledger (
        load_id varchar primary key,
        source varchar not null,
        entity varchar not null,
        file_path varchar not null,
        file_size_bytes bigint not null,
        file_sha256 varchar not null,
        rows_read bigint not null,
        rows_loaded bigint not null,
        started_at timestamp not null,
        finished_at timestamp not null
    )
"""


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


def load_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    sources: list[str] | None = None,
) -> list[FileLoad]:
    """Load every new landing file of the given sources (all when None).

    Args:
        con: the warehouse connection; `raw` and `ops` are created if missing.
        landing_dir: the landing folder holding one folder per source.
        sources: source names such as `shop`; None loads all of them.

    Returns:
        One FileLoad per matching file, in entity then file-name order.

    Raises:
        LandingFileError: a file cannot be read; files before it stay loaded.
    """
    entities = entities_for(sources)
    prepare_warehouse(con, entities)
    for source in dict.fromkeys(e.source for e in entities):
        _warn_unmatched(
            landing_dir, source, [e for e in entities if e.source == source]
        )
    loads = []
    for entity in entities:
        for path in find_files(landing_dir, entity):
            loads.append(load_file(con, landing_dir, entity, path))
    return loads


def load_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: str
) -> list[FileLoad]:
    """Load every new landing file of one source."""
    return load_landing(con, landing_dir, [source])


def prepare_warehouse(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    """Create the schemas, the ledger and the raw tables; add missing columns."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists ops")
    con.execute(_LEDGER_DDL)
    for entity in entities:
        wanted = [(c.name, c.type) for c in entity.raw_columns]
        wanted += list(_METADATA_COLUMNS)
        columns = ", ".join(f"{_quote(name)} {type_}" for name, type_ in wanted)
        con.execute(f"create table if not exists {entity.qualified_table} ({columns})")
        existing = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'raw' and table_name = ?",
                [entity.table],
            ).fetchall()
        }
        # Entities gain columns as vendors add fields; old rows read NULL there.
        for name, type_ in wanted:
            if name not in existing:
                con.execute(
                    f"alter table {entity.qualified_table}"
                    f" add column {_quote(name)} {type_}"
                )
                logger.info("added column %s.%s", entity.qualified_table, name)


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
        if path.is_file() and path not in matched:
            logger.warning("ignoring %s: it matches no landing file pattern", path)


def load_file(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, entity: Entity, path: Path
) -> FileLoad:
    """Load one landing file and its ledger row in one transaction, or skip it."""
    started = time.perf_counter()
    started_at = _utc_now()
    file_path = path.relative_to(landing_dir).as_posix()
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if _in_ledger(con, file_path, sha256):
        logger.info("skipped %s: already loaded with the same checksum", file_path)
        return FileLoad(
            entity.source, entity.entity, file_path, 0, 0, True, _since(started)
        )
    frame = read_landing_file(data, entity, file_path)
    load_id = uuid.uuid4().hex
    view = f"_landing_{load_id}"
    # String views pass to DuckDB without copying every value into new buffers.
    con.register(view, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    con.begin()
    try:
        rows_loaded = _insert_rows(
            con, entity, frame.columns, view, load_id, started_at
        )
        ledger_row = [load_id, entity.source, entity.entity, file_path, len(data)]
        ledger_row += [sha256, frame.height, rows_loaded, started_at, _utc_now()]
        con.execute(
            "insert into ops.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger_row,
        ).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister(view)
    seconds = _since(started)
    logger.info(
        "loaded %s rows into %s from %s in %.2f s",
        rows_loaded,
        entity.qualified_table,
        file_path,
        seconds,
    )
    return FileLoad(
        entity.source,
        entity.entity,
        file_path,
        frame.height,
        rows_loaded,
        False,
        seconds,
    )


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    present: list[str],
    view: str,
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Insert the registered frame's rows; expected columns it lacks get NULL."""
    names = [c.name for c in entity.raw_columns] + ["_source_file", "_source_line"]
    values = [_quote(n) if n in present else "null" for n in names]
    rows = con.execute(
        f"insert into {entity.qualified_table}"
        f" ({', '.join(_quote(n) for n in names)}, _load_id, _loaded_at)"
        f" select {', '.join(values)}, ?, ? from {view}",
        [load_id, loaded_at],
    ).fetchall()
    return rows[0][0]


def _in_ledger(con: duckdb.DuckDBPyConnection, file_path: str, sha256: str) -> bool:
    rows = con.execute(
        "select count(*) from ops.load_ledger where file_path = ? and file_sha256 = ?",
        [file_path, sha256],
    ).fetchall()
    return rows[0][0] > 0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
