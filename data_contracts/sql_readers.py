"""DuckDB SQL that reads JSON landing files itself, many files per statement.

The Python readers (`json_reader.py`) handle one file's bytes at a time; for
the hundreds of daily Segment files and SendGrid pages that meant a
statement, an Arrow copy and a polars frame per file. Here DuckDB reads the
files (`read_text`), splits lines or array items, parses each record once
into the entity's fields and keeps unknown keys in `_extra`, in one
statement per group of files. The result has the same columns, values and
line numbers as the Python readers'.

SendGrid arrays go another way, twice as fast: DuckDB's own `read_json`
parses each event once into typed columns, and the loader numbers the rows
in the order it read them (`typed_array_sql`). That reader keeps no unknown
keys and no item text, so a first pass (`structure_sql`) lists the keys
outside the contract that a file's events carry; they are read as JSON
columns and put back together into `_extra`. Its values equal the Python
reader's, but its keys come in the order the file first shows them, not in
the item's own order (`{"b":3,"a":4}` after `{"a":1,"b":2}` gives
`{"a":4,"b":3}`). Files it would read differently go to the Python reader:
a null item, a null value of an unknown key, a key spelled like another
column or like a name of the statement.

A file this SQL cannot take whole (not UTF-8, not valid JSON, not the
expected structure) gets a row with `_parse_error` set to FILE_PROBLEM, or
makes the statement fail; the loader then reads it with the Python reader,
which names the exact problem. So does a file that gives no row at all.
"""

import json
import re

from data_contracts.contract_sql import quote, sql_text
from data_contracts.entities import Entity

FILE_PROBLEM = "!file"

_BOM = "chr(65279)"
_CR = "chr(13)"
# What each row carries of its file, from the files view.
_FILE_FACTS = ("_source_file", "_load_id", "_file_order", "_day", "_file_reasons")
# Names `typed_array_sql` gives its own columns and relations, none a vendor
# uses: a key that took one would shadow it (rows lost their file).
_PATH = "_cdp_file_path"  # the file `read_json` read a row from
_FILE = "_cdp_file"  # that file's facts
_FACTS = "_cdp_facts"
_FILES = "_cdp_files"
_TYPED_NAMES = (_PATH, _FILE, _FACTS, _FILES)
# An array item that may be null: `read_json` would make it a row of NULLs.
_NULL_ITEM = r"[\[,][ \t\r\n]*null[ \t\r\n]*[,\]]"


# The text of a JSON string holding a `\u` escape.
_ANY_ESCAPED_KEY = r'(?:[^"\\]|\\.)*\\u[0-9a-fA-F]{4}(?:[^"\\]|\\.)*'


def reads_with_sql(entity: Entity) -> bool:
    """Whether the entity's files have a SQL reader."""
    return entity.reader in ("segment_ndjson", "sendgrid_json", "zendesk_page")


def reads_typed(entity: Entity) -> bool:
    """Whether the entity's files are read by `read_json` (`typed_array_sql`)."""
    return entity.reader == "sendgrid_json"


def structure_sql(parts: int = 1) -> str:
    """A query over the files in `$1` ... `$<parts>` with each file's
    `filename`, `structure` (DuckDB's `json_structure` of the document, NULL
    when it is not valid JSON), `has_null_text`: whether `null` occurs in
    the text at all, and `may_hold_null_item`: whether an array item may be
    `null` (text inside a string, or a null in a nested array, may match too).

    The structure of an array of objects is `[{...}]` with every key its
    items carry, in the order they first come; `unknown_keys` reads it. A
    null item leaves no trace there.
    """
    null_item = sql_text(_NULL_ITEM)
    return " union all ".join(
        f"select filename, try(json_structure(content)) as structure,"
        f" contains(content, 'null') as has_null_text,"
        # The pattern runs only over the texts that hold a null at all.
        f" case when contains(content, 'null')"
        f" then regexp_matches(content, {null_item}) else false end"
        f" as may_hold_null_item from read_text(${part})"
        for part in range(1, parts + 1)
    )


def unknown_keys(entity: Entity, structure: str | None) -> list[str] | None:
    """The keys outside the contract that an array's items carry, from its
    `json_structure`; None unless the document is an array of objects."""
    shape = json.loads(structure) if structure else None
    if not (isinstance(shape, list) and shape and isinstance(shape[0], dict)):
        return None
    known = {c.field for c in entity.columns}
    return [key for key in shape[0] if key not in known]


def typed_names_clash(entity: Entity, unknown: list[str]) -> bool:
    """Whether `typed_array_sql` cannot name the columns apart: DuckDB's
    names ignore case, so `Email` beside `email`, or a key such as
    `_CDP_FILE`, would fail the statement or shadow one of its names."""
    names = [c.field for c in entity.columns] + unknown + list(_TYPED_NAMES)
    return len({name.lower() for name in names}) < len(names)


def null_values_sql(keys: list[str]) -> str:
    """A query over the files in `$1` with `filename` and `has_null`: whether
    one of `keys` may have a null value (text inside a string may match too).

    A key is matched as JSON writers spell it: quotes, backslashes and
    control characters escaped, a slash bare or escaped. A key written with
    a `\\u` escape may spell one of them otherwise: any such key with a null
    value counts too.
    """
    names = "|".join([*(_spelled(key) for key in keys), _ANY_ESCAPED_KEY])
    pattern = sql_text(f'"({names})"[ \\t\\r\\n]*:[ \\t\\r\\n]*null')
    return (
        f"select filename, regexp_matches(content, {pattern}) as has_null"
        " from read_text($1)"
    )


def _spelled(key: str) -> str:
    """A regular expression for the key's text as JSON writes it: quotes,
    backslashes and control characters escaped, a slash bare or escaped."""
    text = re.escape(json.dumps(key, ensure_ascii=False)[1:-1])
    return text.replace("/", "(?:/|\\\\/)")


def typed_array_sql(entity: Entity, unknown: list[str], files_view: str) -> str:
    """A query over the JSON arrays in `$1` (paths), read by `read_json`, with
    the columns `sql_source` gives; `_source_line` is NULL, to be numbered in
    the order DuckDB read the rows (`Batch.add_query(numbered=False)`).

    `unknown` holds every key outside the contract that the files' items
    carry (`unknown_keys`); they are read as JSON, and `_extra` keeps those
    an item has, in the order the file first shows them. None of them may
    hold a null value in these files (`null_values_sql`): an item that lacks
    a key is told by its NULL. Nor may an item be null (`structure_sql`), or
    a key clash with a column or a name used here (`typed_names_clash`).
    Items that are not objects never get here: their file's structure is
    not an array of objects (`unknown_keys`).
    """
    columns = {c.field: c.type for c in entity.columns} | dict.fromkeys(unknown, "JSON")
    spec = ", ".join(f"{sql_text(k)}: {sql_text(v)}" for k, v in columns.items())
    fields = [f"{quote(c.field)} as {quote(c.name)}" for c in entity.columns]
    if entity.keeps_extra:
        fields.append(f"{_typed_extra(unknown)} as _extra")
    facts = f"map_from_entries(list((_path, struct_pack({', '.join(_FILE_FACTS)}))))"
    # The read columns are listed, not `*`: only they and the file's facts
    # are in scope outside.
    read = ", ".join(quote(k) for k in columns)
    return f"""
        select
            {", ".join(fields)},
            null::bigint as _source_line,
            null::varchar as _raw_line,
            null::varchar as _parse_error,
            {", ".join(f"{_FILE}.{name} as {name}" for name in _FILE_FACTS)}
        from (
            select {read}, {_FILES}.{_FACTS}[{_PATH}] as {_FILE}
            from read_json($1, format = 'array', filename = {sql_text(_PATH)},
                columns = {{{spec}}}),
                (select {facts} as {_FACTS} from {files_view}) as {_FILES}
        )
    """


def _typed_extra(unknown: list[str]) -> str:
    """`_extra` from the unknown keys' JSON columns: NULL when an item has
    none, else an object of those it has, as the Python reader writes it."""
    if not unknown:
        return "null::json"
    present = " or ".join(f"{quote(k)} is not null" for k in unknown)
    # Joined as text: `read_json` hands over each value minified, as the
    # Python reader's merge patch writes it. A merge patch here would also
    # drop the nulls nested in a value (RFC 7396), `{"c":null}` becoming `{}`.
    members = ", ".join(
        f"case when {quote(k)} is not null then"
        f" {sql_text(json.dumps(k, ensure_ascii=False) + ':')}"
        f" || {quote(k)}::varchar end"
        for k in unknown
    )
    joined = f"('{{' || concat_ws(',', {members}) || '}}')::json"
    return f"case when {present} then {joined} end"


def sql_source(entity: Entity, files_view: str, parts: int = 1) -> str:
    """A query over the files in `$1` ... `$<parts>` (lists of paths) with the
    entity's columns, `_source_line`, `_raw_line`, `_parse_error` and its
    file's facts from `files_view` (`_path`, `_source_file`, `_load_id`,
    `_file_order`, `_day`, `_file_reasons`).

    One `read_text` hands all its files to one thread, which then splits and
    parses every record; a union of one `read_text` per part gives each
    thread a part (staging took 0.31 s instead of 0.52 s per 128 MB on two
    threads, with insertion order not preserved).
    """
    texts = " union all ".join(
        f"select filename, content from read_text(${part})"
        for part in range(1, parts + 1)
    )
    # Each file looks its facts up in a map by path: a join with the files
    # view made DuckDB drive the whole statement from that view's one thread,
    # and a join per record cost a tenth of staging a day of web events.
    facts = f"map_from_entries(list((_path, struct_pack({', '.join(_FILE_FACTS)}))))"
    files = (
        "(select t.filename, t.content, facts[t.filename] as _file"
        f" from ({texts}) as t, (select {facts} as facts from {files_view}))"
    )
    if entity.reader == "segment_ndjson":
        records = _ndjson_records(files)
    else:
        path = sql_text(f"$.{entity.record_key}")
        records = _array_records(f"json_extract(content, {path})", files)
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
            _source_line,
            case when r is null then rtrim(line, {_CR} || chr(10)) end as _raw_line,
            case when _parse_error is not null then _parse_error
                when r is null then 'line is not valid JSON' end as _parse_error,
            {", ".join(f"_file.{name} as {name}" for name in _FILE_FACTS)}
        from parsed
    """


def _parse(line: str, spec: str, entity: Entity) -> str:
    # NDJSON: a broken line is a row to quarantine, so it must not stop the
    # statement; array items were already parsed as JSON.
    if entity.reader == "segment_ndjson":
        return f"try(from_json({line}, {spec}))"
    return f"from_json({line}, {spec})"


def _ndjson_records(files: str) -> str:
    """One row per non-blank line: its text and 1-based line number; a line
    that does not start with `{` is not an object (DuckDB would read an array
    or a scalar as an object without fields)."""
    return f"""
        select _file, line, _source_line,
            case when not ltrim(line, ' ' || chr(9)) like '{{%'
                then 'line is not a JSON object' end as _parse_error
        from (
            select _file, _source_line,
                case when _source_line = 1 then ltrim(line, {_BOM}) else line end
                    as line
            from (
                select _file, unnest(lines) as line,
                    generate_subscripts(lines, 1) as _source_line
                from (
                    select _file, string_split(content, chr(10)) as lines
                    from {files}
                )
            )
        )
        where line <> '' and line <> {_CR}
    """


def _array_records(array: str, files: str) -> str:
    """One row per array item: its JSON text and 1-based position; a document
    that is not such an array, or an item that is not an object (null
    included), marks its file for the Python reader.

    Zendesk pages hold their records under a key, which `read_json` would
    hand over as one list per page to unnest, so they are split here: each
    item is parsed three times (into item texts, into fields, for its keys),
    and pages still load faster than `read_json` reads them
    (`benchmarks/ingest.py`).
    """
    items = f"try(json_transform({array}, '[\"JSON\"]'))"
    return f"""
        select _file, line, _source_line,
            case when items is null or line is null or not starts_with(line, '{{')
                then '{FILE_PROBLEM}' end as _parse_error
        from (
            select _file, items,
                unnest(coalesce(items, [null::json]))::varchar as line,
                generate_subscripts(coalesce(items, [null::json]), 1)
                    as _source_line
            from (select _file, {items} as items from {files})
        )
    """
