"""Landing rows checked once against their contract, then inserted.

Two ways in. Files DuckDB reads itself are staged in a temporary table
(`Batch`) before the transaction, with their contract verdict (`_reasons`,
`_warnings`) computed as they arrive, so the rules run once per row; `flush`
then marks duplicates of the natural id, counts per file, and moves good rows
to `raw.<table>` and bad rows to `quarantine.<table>`. A piece of a file read
in Python goes straight from its Arrow frame to raw and quarantine
(`insert_frame`), inside the transaction: a temporary table created and
dropped in a transaction keeps its memory until the commit, which made a
large file's pieces add up (5 GB for the 764 MB orders export). The caller
owns the transaction.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl
import pyarrow as pa

from data_contracts.contract import Contract
from data_contracts.contract_sql import broken_rules_sql, quote
from data_contracts.entities import Entity

COUNTS = (
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "duplicates_skipped",
    "rows_warned",
)

_FILES_SCHEMA = {
    "_path": pl.String,
    "_source_file": pl.String,
    "_load_id": pl.String,
    "_file_order": pl.Int64,
    "_day": pl.Date,
    "_file_reasons": pl.List(pl.String),
}


@dataclass
class StagedFile:
    """What the batch needs to know about one file (or one file's tail)."""

    path: str  # absolute, as given to DuckDB's readers
    source_file: str  # relative to the landing folder
    load_id: str
    order: int  # position in the group: the first valid row of an id wins
    day: date | None = None  # the partition, for partitioned entities
    file_reasons: list[str] = field(default_factory=list)  # e.g. missing column

    def as_row(self) -> dict:
        return {
            "_path": self.path,
            "_source_file": self.source_file,
            "_load_id": self.load_id,
            "_file_order": self.order,
            "_day": self.day,
            # NULL, not an empty list, when the file itself is fine.
            "_file_reasons": self.file_reasons or None,
        }


def files_table(files: list[StagedFile]) -> pa.Table:
    return arrow_table([f.as_row() for f in files], _FILES_SCHEMA)


def arrow_table(rows: list[dict], schema: dict[str, pl.DataType]) -> pa.Table:
    """Python rows as an Arrow table, built by polars: pyarrow's own
    conversion of Python objects imports pandas, 0.6 s of a fresh process."""
    return pl.DataFrame(rows, schema=schema).to_arrow()


class Batch:
    """A temporary table of staged rows for one entity."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        entity: Entity,
        contract: Contract,
        loaded_at: datetime,
    ) -> None:
        self.con, self.entity, self.contract = con, entity, contract
        self.loaded_at = loaded_at
        self.table = f"_batch_{uuid.uuid4().hex}"
        self.names = [c.name for c in entity.raw_columns]
        self._create()

    def _create(self) -> None:
        columns = [(c.name, c.type) for c in self.entity.raw_columns] + [
            ("_source_file", "VARCHAR"),
            ("_source_line", "BIGINT"),
            ("_raw_line", "VARCHAR"),
            ("_parse_error", "VARCHAR"),
            ("_load_id", "VARCHAR"),
            ("_file_order", "BIGINT"),
            ("_day", "DATE"),
            ("_reasons", "VARCHAR[]"),
            ("_warnings", "VARCHAR[]"),
            ("_duplicate", "BOOLEAN"),
        ]
        listed = ", ".join(f"{quote(n)} {t}" for n, t in columns)
        self.con.execute(f"create temp table {self.table} ({listed})").fetchall()

    def close(self) -> None:
        self.con.execute(f"drop table if exists {self.table}").fetchall()

    def add_query(
        self,
        source: str,
        params: list,
        files: list[StagedFile],
        numbered: bool = True,
    ) -> None:
        """Stage the rows of `source`, a query over `files` (registered as
        `{files_view}`) whose rows carry their file's facts.

        With `numbered` False the rows come without `_source_line`, each
        file's rows in their order in the file: they are inserted in that
        order and numbered from it.
        """
        view = f"_files_{uuid.uuid4().hex}"
        self.con.register(view, files_table(files))
        try:
            source = source.replace("{files_view}", view)
            checked = _checked_sql(self.entity, self.contract, source)
            if numbered:
                self._insert(checked, params)
            else:
                with insertion_order(self.con, preserved=True):
                    self._insert(checked, params)
                self._number_rows()
        finally:
            self.con.unregister(view)

    def _insert(self, checked: str, params: list) -> None:
        self.con.execute(
            f"insert into {self.table} select *, false from ({checked})", params
        ).fetchall()

    def _number_rows(self) -> None:
        # A table's row ids follow the order rows were inserted in, which
        # DuckDB keeps from the reader when insertion order is preserved.
        t = self.table
        self.con.execute(
            f"update {t} set _source_line = {t}.rowid - f.first_row + 1"
            f" from (select _load_id, min(rowid) as first_row from {t}"
            "  where _source_line is null group by _load_id) as f"
            f" where {t}._source_line is null and {t}._load_id = f._load_id"
        ).fetchall()

    def problem_loads(self, marker: str) -> set[str]:
        """Load ids with a row whose `_parse_error` is `marker`."""
        return {
            row[0]
            for row in self.con.execute(
                f"select distinct _load_id from {self.table} where _parse_error = ?",
                [marker],
            ).fetchall()
        }

    def staged_loads(self) -> set[str]:
        return {
            row[0]
            for row in self.con.execute(
                f"select distinct _load_id from {self.table}"
            ).fetchall()
        }

    def drop_rows_without_load(self) -> int:
        """Delete staged rows whose `_load_id` is NULL; how many there were."""
        return self.con.execute(
            f"delete from {self.table} where _load_id is null"
        ).fetchall()[0][0]

    def discard(self, load_ids: set[str]) -> None:
        """Drop the staged rows of these loads (their file is read again)."""
        if load_ids:
            self.con.execute(
                f"delete from {self.table} where list_contains(?, _load_id)",
                [sorted(load_ids)],
            ).fetchall()

    def flush(self) -> dict[str, dict]:
        """Insert the staged rows into raw and quarantine; the counts per load id.

        Call it once, inside the transaction; `close` after the transaction.
        """
        self._mark_duplicates()
        return insert_checked(self.con, self.entity, self.table, self.loaded_at)

    def _mark_duplicates(self) -> None:
        # Shop orders have no uniqueness rule (a line item has no id of its
        # own), so the same export delivered under two names loads twice.
        key = self.contract.unique_column
        if key is None or key not in self.names:
            return
        k, t = quote(key), self.table
        valid = f"_reasons is null and {k} is not null"
        # The natural id loads once: the first valid row (by file, then line)
        # wins, and a row whose id is already in raw (an earlier load or an
        # earlier piece of this one) is a duplicate. Only ids that occur twice
        # pay for the window; raw's column is streamed past the batch's ids.
        self.con.execute(
            f"update {t} set _duplicate = true where rowid in ("
            f" select rowid from (select rowid, row_number() over ("
            f"  partition by {k} order by _file_order, _source_line) as n"
            f"  from {t} where {valid} and {k} in ("
            f"   select {k} from {t} where {valid} group by {k} having count(*) > 1))"
            " where n > 1)"
            f" or ({valid} and {k} in (select distinct r.{k}"
            f"  from {self.entity.qualified_table} as r"
            f"  join (select distinct {k} from {t}) as b on r.{k} = b.{k}))"
        ).fetchall()


@contextmanager
def insertion_order(
    con: duckdb.DuckDBPyConnection, preserved: bool = False
) -> Iterator[None]:
    """Let DuckDB insert rows in any order (or in their order, `preserved`)
    for the statements inside; enter and leave it outside a transaction (the
    loader wraps a group's staging and transaction in it).

    No reader of raw, quarantine or the batch relies on row order: duplicates
    are ranked by file and line, counts are per file, and `_source_file` and
    `_source_line` say where each row came from. Keeping the order made DuckDB
    stage a union of parallel readers on one thread, and spent a third more
    CPU inserting into raw (600,000 web events: 1.7 s against 1.1 s). Rows
    numbered from the order they were read in are the exception.
    """
    (kept,) = con.execute(
        "select current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    con.execute(f"set preserve_insertion_order = {preserved}").fetchall()
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {bool(kept)}").fetchall()


def _checked_sql(
    entity: Entity,
    contract: Contract,
    source: str,
    files_view: str | None = None,
) -> str:
    """The rows of `source` with their file's facts and contract verdict.

    `source` rows carry their file's facts (`_source_file`, `_load_id`,
    `_file_order`, `_day`, `_file_reasons`), or only `_source_file` and
    `_load_id`, and the rest are joined from `files_view`. `_reasons` and
    `_warnings` are NULL where no rule is broken.
    """
    reasons = (
        "case when _file_reasons is not null then _file_reasons"
        " when _parse_error is not null then [_parse_error]"
        f" else {broken_rules_sql(contract)} end"
    )
    names = ", ".join(quote(c.name) for c in entity.raw_columns)
    joined = f"join {files_view} as f using (_load_id)" if files_view else ""
    return (
        f"select {names}, s._source_file, _source_line, _raw_line, _parse_error,"
        f" _load_id, _file_order, _day, {reasons} as _reasons,"
        f" {broken_rules_sql(contract, 'warning')} as _warnings"
        f" from ({source}) as s {joined}"
    )


def insert_frame(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    contract: Contract,
    frame: pl.DataFrame,
    file: StagedFile,
    loaded_at: datetime,
) -> dict[str, dict]:
    """Check one piece of one file read in Python and insert it; its counts.

    The piece is a query over its Arrow frame, evaluated by each statement
    (the rules are cheap next to copying the rows once more); its ids already
    in raw are looked up once.
    """
    present = set(frame.columns)
    wanted = [c.name for c in entity.raw_columns]
    wanted += ["_source_file", "_source_line", "_raw_line", "_parse_error"]
    columns = [quote(n) if n in present else f"null as {quote(n)}" for n in wanted]
    suffix = uuid.uuid4().hex
    view, files_view, seen = f"_frame_{suffix}", f"_files_{suffix}", f"_seen_{suffix}"
    arrow = frame.with_columns(pl.lit(file.load_id).alias("_load_id")).to_arrow(
        compat_level=pl.CompatLevel.newest()
    )

    def refresh() -> None:
        # The connection keeps what was registered until the transaction
        # ends, so a large file's pieces piled up in memory (4 GB for the
        # 764 MB orders export). A stream it reads once per statement holds
        # nothing once read.
        con.unregister(view)
        batches = iter(arrow.to_batches())
        con.register(view, pa.RecordBatchReader.from_batches(arrow.schema, batches))

    con.register(files_view, files_table([file]))
    registered = [view, files_view]
    try:
        source = f"select {', '.join(columns)}, _load_id from {view}"
        checked = _checked_sql(entity, contract, source, files_view)
        key = contract.unique_column
        duplicate = "false"
        if key is not None and key in wanted and key in present:
            k = quote(key)
            refresh()
            ids = con.sql(
                f"select distinct r.{k} as k from {entity.qualified_table} as r"
                f" join (select distinct {k} from {view}) as b on r.{k} = b.{k}"
            ).to_arrow_table()
            con.register(seen, ids)
            registered.append(seen)
            # As in Batch: the first valid row of an id wins, and an id
            # already in raw is a duplicate.
            duplicate = (
                f"_reasons is null and {k} is not null and ("
                f"row_number() over (partition by {k}, _reasons is null"
                " order by _file_order, _source_line) > 1"
                f" or {k} in (select k from {seen}))"
            )
        relation = (
            f"(select *, coalesce({duplicate}, false) as _duplicate from ({checked}))"
        )
        return insert_checked(con, entity, relation, loaded_at, refresh)
    finally:
        for name in registered:
            con.unregister(name)


def insert_checked(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    relation: str,
    loaded_at: datetime,
    refresh: Callable[[], None] = lambda: None,
) -> dict[str, dict]:
    """Move checked rows (a table or a parenthesised query) to raw and
    quarantine; the counts per load id. `refresh` runs before each statement
    that reads `relation`."""
    # Schema drift comes with the counts: one pass over the rows fewer.
    drift = "[]::varchar[]"
    if entity.keeps_extra:
        # Rows of a file mostly share their unknown keys: `distinct` keeps one
        # list per set of keys rather than one per row.
        drift = (
            "coalesce(list_sort(list_distinct(flatten("
            " list(distinct json_keys(_extra)) filter (_extra is not null)))), [])"
        )
    refresh()
    counts = {
        load_id: dict(zip(COUNTS, values, strict=True)) | {"drift_columns": keys}
        for load_id, *values, keys in con.execute(
            "select _load_id, count(*),"
            " count(*) filter (_reasons is null and not _duplicate),"
            " count(*) filter (_reasons is not null),"
            " count(*) filter (_duplicate),"
            " count(*) filter (_reasons is null and not _duplicate"
            f"  and _warnings is not null), {drift}"
            f" from {relation} group by _load_id"
        ).fetchall()
    }
    names = [c.name for c in entity.raw_columns]
    columns = [quote(n) for n in [*names, "_source_file", "_source_line"]]
    values = list(columns)
    if entity.partition_column:
        columns.append(quote(entity.partition_column))
        values.append("_day")
    target = ", ".join([*columns, "_load_id", "_loaded_at"])
    source = ", ".join([*values, "_load_id", "?"])
    refresh()
    loaded = con.execute(
        f"insert into {entity.qualified_table} ({target})"
        f" select {source} from {relation}"
        " where _reasons is null and not _duplicate",
        [loaded_at],
    ).fetchall()[0][0]
    quarantined = 0
    if any(c["rows_quarantined"] for c in counts.values()):
        refresh()
        quarantined = con.execute(
            f"insert into quarantine.{entity.table} ({target}, _raw_line, _reasons)"
            f" select {source}, _raw_line, _reasons from {relation}"
            " where _reasons is not null",
            [loaded_at],
        ).fetchall()[0][0]
    # The counts and the inserts read the same verdicts; if they ever
    # disagreed, the ledger would not describe raw, so stop instead.
    expected = [
        sum(c[k] for c in counts.values()) for k in ("rows_loaded", "rows_quarantined")
    ]
    if [loaded, quarantined] != expected:
        raise RuntimeError(
            f"{entity.qualified_table}: inserted {loaded} + {quarantined} rows"
            f" where the contract counted {expected[0]} + {expected[1]}"
        )
    return counts
