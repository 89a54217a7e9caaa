"""Vendor JSON files (Segment NDJSON, SendGrid arrays, Zendesk pages) as columns.

Every record becomes one JSON text; DuckDB then parses each record once into
the entity's fields: scalars as text, objects and arrays as JSON text, JSON
null as NULL, and (where the entity keeps them) all other keys into `_extra`.
"""

import functools
import gzip
import json
import logging
import zlib

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from data_contracts.byte_scan import byte_positions
from data_contracts.entities import Entity
from data_contracts.errors import LandingFileError

logger = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"


def read_ndjson(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read NDJSON (gzip when the name ends in .gz); `_source_line` is the line."""
    if source_file.endswith(".gz"):
        data = _gunzip(data, source_file)
    lines = _split_lines(data, source_file)
    if lines.num_rows == 0:
        raise LandingFileError(source_file, "the file is empty")
    return _extract(lines, entity, source_file, unit="line")


def read_json_array(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read a JSON array of objects; `_source_line` is the position in it."""
    document = _load_document(data, source_file)
    if not isinstance(document, list):
        raise LandingFileError(source_file, "it is not a JSON array")
    return _records_frame(document, entity, source_file, "item")


def read_zendesk_page(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read the records of one Zendesk incremental export page."""
    document = _load_document(data, source_file)
    key = entity.record_key
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise LandingFileError(source_file, f'it has no "{key}" list')
    return _records_frame(document[key], entity, source_file, f'item of "{key}"')


def _gunzip(data: bytes, source_file: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise LandingFileError(
            source_file, f"it is not a valid gzip file ({error})"
        ) from None


def _decode(data: bytes, source_file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        raise LandingFileError(
            source_file, f"it is not valid UTF-8 (byte 0x{byte:02x} on line {line})"
        ) from None


def _load_document(data: bytes, source_file: str) -> object:
    text = _decode(data, source_file)
    if not text.strip():
        raise LandingFileError(source_file, "the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise LandingFileError(source_file, f"it is not valid JSON ({error})") from None


def _records_frame(
    records: list, entity: Entity, source_file: str, unit: str
) -> pl.DataFrame:
    """Frame of an already parsed list: each record back to one JSON text.

    Pages and webhook bodies are small, so the per-record dump costs little and
    keeps one extraction path for every JSON format.
    """
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise LandingFileError(source_file, f"{unit} {position} is not an object")
    if not entity.keeps_extra:
        _log_ignored_keys(records, entity, source_file)
    texts = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    lines = pa.table(
        {
            "line": pa.array(texts, pa.large_string()),
            "_source_line": pa.array(np.arange(1, len(texts) + 1), pa.int64()),
            "_keep": pa.array(np.ones(len(texts), dtype=bool)),
        }
    )
    return _extract(lines, entity, source_file, unit=unit)


def _log_ignored_keys(records: list[dict], entity: Entity, source_file: str) -> None:
    known = {c.field for c in entity.columns}
    ignored = sorted(set().union(*(r.keys() for r in records)) - known)
    if ignored:
        logger.info("%s: ignoring fields %s", source_file, ignored)


def _split_lines(data: bytes, source_file: str) -> pa.Table:
    """One row per line with its 1-based number, built over the file's buffer.

    Each line keeps its line break (JSON allows trailing white space); empty
    lines are flagged in `_keep` so their numbers stay right.
    """
    offset = len(_BOM) if data.startswith(_BOM) else 0
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = byte_positions(buf, ord("\n"))
    starts = np.concatenate(([offset], newlines + 1)).astype(np.int64)
    ends = np.append(newlines, len(buf)).astype(np.int64)
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == ord("\r"))
    keep = ends - has_cr > starts
    offsets = np.append(starts, len(buf)).astype(np.int64)
    lines = pa.LargeStringArray.from_buffers(
        len(starts), pa.py_buffer(offsets), pa.py_buffer(data)
    )
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        _decode(data, source_file)
        raise
    if not keep.any():
        return pa.table({"line": pa.array([], pa.large_string())})
    _check_objects(data, buf, starts, ends, keep, source_file)
    return pa.table(
        {
            "line": lines,
            "_source_line": pa.array(np.arange(1, len(starts) + 1), pa.int64()),
            "_keep": pa.array(keep),
        }
    )


def _check_objects(
    data: bytes,
    buf: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    keep: np.ndarray,
    source_file: str,
) -> None:
    """Raise for the first line that is not a JSON object.

    DuckDB reads arrays and scalars as objects without fields, so this check
    must come first; it looks at first bytes only, the rare line with leading
    white space gets a closer look.
    """
    first = buf[np.minimum(starts, len(buf) - 1)]
    for index in np.flatnonzero(keep & (first != ord("{"))):
        line = data[starts[index] : ends[index]]
        if not line.lstrip(b" \t").startswith(b"{"):
            raise LandingFileError(
                source_file, f"line {index + 1} is not a JSON object"
            )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _extraction_sql(entity: Entity) -> str:
    spec = {c.field: c.type for c in entity.columns}
    selects = [
        f"struct_extract(r, {_sql_text(c.field)}) as {c.name}" for c in entity.columns
    ]
    if entity.keeps_extra:
        # A merge patch with null values removes those keys (RFC 7396). Listing
        # the keys first is cheaper, and most records have no unknown key.
        patch = json.dumps({c.field: None for c in entity.columns})
        known = ", ".join(_sql_text(c.field) for c in entity.columns)
        selects.append(
            f"case when list_has_all([{known}], json_keys(line)) then null"
            f" else json_merge_patch(line, {_sql_text(patch)}) end as _extra"
        )
    return f"""
        select
            {", ".join(selects)},
            _source_line
        from (
            select from_json(line, {_sql_text(json.dumps(spec))}) as r, line,
                _source_line
            from lines
            where _keep
        )
    """


def _extract(
    lines: pa.Table, entity: Entity, source_file: str, unit: str
) -> pl.DataFrame:
    # A private in-memory database: reading must not touch the warehouse. It is
    # opened once per process; a new database per file cost more than parsing
    # the daily files.
    with _parser_database().cursor() as con:
        con.register("lines", lines)
        try:
            result = con.sql(_extraction_sql(entity)).to_arrow_table()
        except duckdb.Error as error:
            bad = _first_invalid(con)
            if bad is None:
                message = str(error).splitlines()[0]
                raise LandingFileError(
                    source_file, f"DuckDB could not read it ({message})"
                ) from None
            raise LandingFileError(
                source_file, f"{unit} {bad} is not valid JSON"
            ) from None
    frame = pl.from_arrow(result)
    # DuckDB keeps insertion order here; sorting only guards against a change.
    if not frame["_source_line"].is_sorted():
        frame = frame.sort("_source_line")
    return frame.with_columns(pl.lit(source_file, pl.String).alias("_source_file"))


@functools.cache
def _parser_database() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _first_invalid(con: duckdb.DuckDBPyConnection) -> int | None:
    rows = con.sql(
        "select min(_source_line) from lines where _keep and not json_valid(line)"
    ).fetchall()
    return rows[0][0]
