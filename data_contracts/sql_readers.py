"""DuckDB SQL that reads JSON landing files itself, many files per statement.

The Python readers (`json_reader.py`) handle one file's bytes at a time; for
the hundreds of daily Segment files and SendGrid pages that meant a
statement, an Arrow copy and a polars frame per file. Here DuckDB reads the
files (`read_text`), splits lines or array items, parses each record once
into the entity's fields and keeps unknown keys in `_extra`, in one
statement per group of files. The result has the same columns and line
numbers as the Python readers'.

A file this SQL cannot take whole (not UTF-8, not valid JSON, not the
expected structure) gets a row with `_parse_error` set to FILE_PROBLEM, or
makes the statement fail; the loader then reads it with the Python reader,
which names the exact problem. So does a file that gives no row at all.
"""

import json

from data_contracts.contract_sql import quote, sql_text
from data_contracts.entities import Entity

FILE_PROBLEM = "!file"

_BOM = "chr(65279)"
_CR = "chr(13)"


def reads_with_sql(entity: Entity) -> bool:
    """Whether the entity's files have a SQL reader."""
    return entity.reader in ("segment_ndjson", "sendgrid_json", "zendesk_page")


def sql_source(entity: Entity, files_view: str) -> str:
    """A query over the files in `files_view` (`_path`, `_source_file`,
    `_load_id`) with the entity's columns, `_source_file`, `_source_line`,
    `_raw_line`, `_parse_error` and `_load_id`; `?` is the list of paths."""
    if entity.reader == "segment_ndjson":
        records = _ndjson_records()
    elif entity.reader == "zendesk_page":
        path = sql_text(f"$.{entity.record_key}")
        records = _array_records(f"json_extract(content, {path})")
    else:
        records = _array_records("content")
    spec = sql_text(json.dumps({c.field: c.type for c in entity.columns}))
    fields = [f"r.{quote(c.field)} as {quote(c.name)}" for c in entity.columns]
    if entity.keeps_extra:
        # A merge patch with null values removes those keys (RFC 7396); listing
        # the keys first is cheaper, and most records have no unknown key.
        patch = sql_text(json.dumps({c.field: None for c in entity.columns}))
        known = ", ".join(sql_text(c.field) for c in entity.columns)
        fields.append(
            # A lambda over the keys measured faster than list_has_all.
            "case when r is null or len(list_filter(json_keys(line),"
            f" lambda k: not list_contains([{known}], k))) = 0"
            f" then null else json_merge_patch(line, {patch}) end as _extra"
        )
    return f"""
        with records as ({records}),
        parsed as (
            select *,
                case when _parse_error is null then {_parse("line", spec, entity)}
                end as r
            from records
        )
        select
            {", ".join(fields)},
            f._source_file,
            _source_line,
            case when r is null then rtrim(line, {_CR} || chr(10)) end as _raw_line,
            case when _parse_error is not null then _parse_error
                when r is null then 'line is not valid JSON' end as _parse_error,
            f._load_id
        from parsed join {files_view} as f on f._path = parsed._path
    """


def _parse(line: str, spec: str, entity: Entity) -> str:
    # NDJSON: a broken line is a row to quarantine, so it must not stop the
    # statement; array items were already parsed as JSON.
    if entity.reader == "segment_ndjson":
        return f"try(from_json({line}, {spec}))"
    return f"from_json({line}, {spec})"


def _ndjson_records() -> str:
    """One row per non-blank line: its text and 1-based line number; a line
    that does not start with `{` is not an object (DuckDB would read an array
    or a scalar as an object without fields)."""
    return f"""
        select _path, line, _source_line,
            case when not ltrim(line, ' ' || chr(9)) like '{{%'
                then 'line is not a JSON object' end as _parse_error
        from (
            select _path, _source_line,
                case when _source_line = 1 then ltrim(line, {_BOM}) else line end
                    as line
            from (
                select filename as _path, unnest(lines) as line,
                    generate_subscripts(lines, 1) as _source_line
                from (
                    select filename, string_split(content, chr(10)) as lines
                    from read_text(?)
                )
            )
        )
        where line <> '' and line <> {_CR}
    """


def _array_records(array: str) -> str:
    """One row per array item: its JSON text and 1-based position; a document
    that is not such an array, or an item that is not an object, marks its
    file for the Python reader."""
    items = f"try(json_transform({array}, '[\"JSON\"]'))"
    return f"""
        select _path, line, _source_line,
            case when items is null or not starts_with(line, '{{')
                then '{FILE_PROBLEM}' end as _parse_error
        from (
            select filename as _path, items,
                unnest(coalesce(items, [null::json]))::varchar as line,
                generate_subscripts(coalesce(items, [null::json]), 1)
                    as _source_line
            from (select filename, {items} as items from read_text(?))
        )
    """
