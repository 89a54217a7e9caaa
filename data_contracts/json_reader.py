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
import pyarrow.compute as pc

from data_contracts.byte_scan import byte_positions
from data_contracts.entities import Entity
from data_contracts.errors import LandingFileError

logger = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"


def read_ndjson(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read NDJSON (gzip when the name ends in .gz); `_source_line` is the line."""
    if source_file.endswith(".gz"):
        data = _gunzip(data, source_file)
    frame = read_ndjson_piece(data, entity, source_file)
    if frame is None:
        raise LandingFileError(source_file, "the file is empty")
    return frame


def read_ndjson_piece(
    data: bytes, entity: Entity, source_file: str, line_offset: int = 0
) -> pl.DataFrame | None:
    """Read whole NDJSON lines that follow `line_offset` lines of their file.

    Returns None when the piece holds no line but blank ones.
    """
    lines = _split_lines(data, source_file, line_offset)
    if lines.num_rows == 0:
        return None
    frame = _extract(lines, entity, source_file, unit="line")
    if line_offset:
        frame = frame.with_columns(pl.col("_source_line") + line_offset)
    return frame


def read_json_array(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read a JSON array of objects; `_source_line` is the position in it."""
    text = _checked_text(data, source_file)
    with _parser_database().cursor() as con:
        kind = con.execute("select json_type(?::json)", [text]).fetchall()[0][0]
        if kind != "ARRAY":
            raise LandingFileError(source_file, "it is not a JSON array")
        lines = _array_items(con, "?::json", text, source_file, "item")
    return _extract(lines, entity, source_file, unit="item")


def read_zendesk_page(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read the records of one Zendesk incremental export page."""
    text = _checked_text(data, source_file)
    key = entity.record_key
    path = _sql_text(f"$.{key}")
    with _parser_database().cursor() as con:
        kind = con.execute(f"select json_type(?::json, {path})", [text]).fetchall()
        if kind[0][0] != "ARRAY":
            raise LandingFileError(source_file, f'it has no "{key}" list')
        lines = _array_items(
            con, f"json_extract(?::json, {path})", text, source_file, f'item of "{key}"'
        )
    return _extract(lines, entity, source_file, unit=f'item of "{key}"')


def _checked_text(data: bytes, source_file: str) -> str:
    """The document's text once it is known to be valid JSON.

    DuckDB parses the document and splits its records; Python's parser runs
    only on a broken document, to say where it breaks.
    """
    text = _decode(data, source_file)
    if not text.strip():
        raise LandingFileError(source_file, "the file is empty")
    with _parser_database().cursor() as con:
        valid = con.execute("select json_valid(?)", [text]).fetchall()[0][0]
    if not valid:
        _load_document(data, source_file)
        raise LandingFileError(source_file, "it is not valid JSON")
    return text


def _array_items(
    con: duckdb.DuckDBPyConnection,
    array_sql: str,
    text: str,
    source_file: str,
    unit: str,
) -> pa.Table:
    """One row per array item: its JSON text and 1-based position."""
    items = con.sql(
        "select unnest(items)::varchar as line,"
        " unnest(range(1, len(items) + 1)) as _source_line"
        f" from (select json_transform({array_sql}, '[\"JSON\"]') as items)"
        " order by _source_line",
        params=[text],
    ).to_arrow_table()
    lines = pl.from_arrow(items)
    # A null item has no text: it is not an object either (a bare test on it
    # gives null, which the filter drops).
    not_object = lines.filter(
        pl.col("line").is_null() | ~pl.col("line").str.starts_with("{")
    )
    if not_object.height:
        position = not_object["_source_line"][0]
        raise LandingFileError(source_file, f"{unit} {position} is not an object")
    return lines.with_columns(
        pl.col("_source_line").cast(pl.Int64), pl.lit(True).alias("_keep")
    ).to_arrow()


def _gunzip(data: bytes, source_file: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise LandingFileError(
            source_file, f"it is not a valid gzip file ({error})"
        ) from None


def _decode(data: bytes, source_file: str, line_offset: int = 0) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = line_offset + data.count(b"\n", 0, error.start) + 1
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


def _split_lines(data: bytes, source_file: str, line_offset: int = 0) -> pa.Table:
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
        _decode(data, source_file, line_offset)
        raise
    if not keep.any():
        return pa.table({"line": pa.array([], pa.large_string())})
    not_objects = _non_object_lines(data, buf, starts, ends, keep)
    keep[not_objects] = False
    return pa.table(
        {
            "line": lines,
            "_source_line": pa.array(np.arange(1, len(starts) + 1), pa.int64()),
            "_keep": pa.array(keep),
            "_not_object": pa.array(_flags(len(starts), not_objects)),
        }
    )


def _flags(size: int, indexes: np.ndarray) -> np.ndarray:
    flags = np.zeros(size, dtype=bool)
    flags[indexes] = True
    return flags


def _non_object_lines(
    data: bytes,
    buf: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    keep: np.ndarray,
) -> np.ndarray:
    """Indexes of kept lines that are not JSON objects.

    DuckDB reads arrays and scalars as objects without fields, so they must be
    found first; this looks at first bytes only, the rare line with leading
    white space gets a closer look.
    """
    first = buf[np.minimum(starts, len(buf) - 1)]
    found = [
        index
        for index in np.flatnonzero(keep & (first != ord("{")))
        if not data[starts[index] : ends[index]].lstrip(b" \t").startswith(b"{")
    ]
    return np.array(found, dtype=np.int64)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _extraction_sql(entity: Entity, condition: str) -> str:
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
            where {condition}
        )
    """


_BAD_LINES_SQL = """
    select
        _source_line,
        rtrim(line, chr(13) || chr(10)) as _raw_line,
        case when {not_object} then 'line is not a JSON object'
            else 'line is not valid JSON' end as _parse_error
    from lines
    where {condition}
"""


def _extract(
    lines: pa.Table, entity: Entity, source_file: str, unit: str
) -> pl.DataFrame:
    """Extract the entity's fields; NDJSON lines that do not parse become rows
    with `_raw_line` and `_parse_error` (the loader quarantines them)."""
    not_object = "_not_object" if "_not_object" in lines.column_names else "false"
    # A private in-memory database: reading must not touch the warehouse. It is
    # opened once per process; a new database per file cost more than parsing
    # the daily files.
    with _parser_database().cursor() as con:
        con.register("lines", lines)
        bad_condition = f"{not_object}"
        try:
            result = con.sql(_extraction_sql(entity, "_keep")).to_arrow_table()
        except duckdb.Error as error:
            if unit != "line":
                message = str(error).splitlines()[0]
                raise LandingFileError(
                    source_file, f"DuckDB could not read it ({message})"
                ) from None
            # Only files with a broken line pay for this second, checked pass.
            result = con.sql(
                _extraction_sql(entity, "_keep and json_valid(line)")
            ).to_arrow_table()
            bad_condition = f"{not_object} or (_keep and not json_valid(line))"
        frame = pl.from_arrow(result)
        if bad_condition != "false" and (
            bad_condition != "_not_object" or pc.any(lines["_not_object"]).as_py()
        ):
            bad = con.sql(
                _BAD_LINES_SQL.format(not_object=not_object, condition=bad_condition)
            ).pl()
            frame = pl.concat([frame, bad], how="diagonal").sort("_source_line")
    # DuckDB keeps insertion order here; sorting only guards against a change.
    if not frame["_source_line"].is_sorted():
        frame = frame.sort("_source_line")
    return frame.with_columns(pl.lit(source_file, pl.String).alias("_source_file"))


@functools.cache
def _parser_database() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()
