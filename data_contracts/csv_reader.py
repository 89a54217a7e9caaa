"""Vendor CSV files (Shopify exports, Mailchimp member files) as text columns.

Values stay verbatim strings; an empty cell is an empty string. `_source_line`
is the physical line where a record starts (header = line 1), found with numpy
over the file's bytes so quoted cells spanning lines are accounted for.
"""

import csv
import logging
from collections import Counter

import numpy as np
import polars as pl

from data_contracts.byte_scan import byte_positions
from data_contracts.entities import Entity
from data_contracts.errors import LandingFileError
from data_contracts.naming import snake_case

logger = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"
_NEWLINE = ord("\n")
_QUOTE = ord('"')
_CR = ord("\r")


def read_csv_records(
    data: bytes,
    entity: Entity,
    source_file: str,
    extra: dict[str, str] | None = None,
    line_offset: int = 0,
) -> pl.DataFrame:
    """Read one CSV file into the entity's columns present in its header.

    Args:
        data: the file's bytes.
        entity: the entity whose columns to keep; other columns go to `_extra`
            (a JSON object) when the entity keeps extras, else are logged.
        source_file: the value of `_source_file`, also used in error messages.
        extra: constant text columns to add (e.g. `list_status`).
        line_offset: added to `_source_line`, for a piece of a larger file
            (`file_pieces.csv_pieces`).

    Returns:
        One row per record with text columns, `_source_file` and `_source_line`.
    """
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    if not body.strip():
        raise LandingFileError(source_file, "the file is empty")
    frame = _parse(body, source_file, line_offset)
    names = _header_names(body, source_file)
    if len(names) != frame.width:
        raise LandingFileError(
            source_file, f"the header has {len(names)} names for {frame.width} columns"
        )
    line_numbers, is_blank = _record_lines(body)
    if len(line_numbers) != frame.height:
        # Polars splits records by the same quote parity, so this means a
        # parsing rule differs somewhere; better to stop than to misnumber.
        raise LandingFileError(
            source_file,
            f"its {frame.height} records do not match the {len(line_numbers)}"
            " record starts found by quote parity",
        )
    vendor_names = dict(zip(names, frame.columns, strict=True))
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    wanted = [c.name for c in entity.columns if c.name in names]
    unknown = [n for n in names if n not in {c.name for c in entity.columns}]
    columns = [pl.col(name) for name in wanted]
    if unknown and entity.keeps_extra:
        # Schema drift is kept, not dropped: the vendor's own column names as
        # the keys of one JSON object per row; the loader reports the drift.
        columns.append(
            pl.struct([pl.col(n).alias(vendor_names[n]) for n in unknown])
            .struct.json_encode()
            .alias("_extra")
        )
    elif unknown:
        logger.warning(
            "%s: ignoring columns %s; add them to data_contracts/entities.py to keep",
            source_file,
            unknown,
        )
    constants = [pl.lit(v, pl.String).alias(k) for k, v in (extra or {}).items()]
    return (
        frame.select(columns)
        .with_columns(
            *constants,
            pl.lit(source_file, pl.String).alias("_source_file"),
            pl.Series("_source_line", line_numbers + line_offset, pl.Int64),
        )
        .filter(pl.Series(~is_blank))
    )


def header_names(data: bytes, source_file: str) -> list[str]:
    """The snake-cased names of a CSV's header, from the file's first bytes
    (at least its whole first record), as `read_csv_records` names columns."""
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    return _header_names(body, source_file) if body.strip() else []


def _parse(body: bytes, source_file: str, line_offset: int = 0) -> pl.DataFrame:
    try:
        return pl.read_csv(
            body,
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        _raise_if_not_utf8(body, source_file, line_offset)
        first_line = str(error).strip().splitlines()[0]
        raise LandingFileError(
            source_file, f"it is not a valid CSV ({first_line})"
        ) from None


def _raise_if_not_utf8(body: bytes, source_file: str, line_offset: int = 0) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = line_offset + body.count(b"\n", 0, error.start) + 1
        byte = body[error.start]
        raise LandingFileError(
            source_file, f"it is not valid UTF-8 (byte 0x{byte:02x} on line {line})"
        ) from None


def _header_names(body: bytes, source_file: str) -> list[str]:
    """Snake-cased header names; the header is the first record."""
    # A quoted header name may contain a newline: the header ends at the
    # first newline with an even number of quotes before it.
    scanned = quotes = 0
    while (end := body.find(b"\n", scanned)) >= 0:
        quotes += body.count(b'"', scanned, end)
        scanned = end + 1
        if quotes % 2 == 0:
            break
    header = body if end < 0 else body[:end]
    text = header.decode("utf-8").rstrip("\r")
    try:
        names = [snake_case(name) for name in next(csv.reader([text]))]
    except csv.Error as error:
        raise LandingFileError(
            source_file, f"its header is not valid CSV ({error})"
        ) from None
    duplicates = sorted(n for n, count in Counter(names).items() if count > 1)
    if duplicates:
        raise LandingFileError(
            source_file, f"the header repeats the columns {duplicates}"
        )
    return names


def _record_lines(body: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start line and blank flag of every record after the header.

    A newline ends a record when an even number of quotes precede it; a
    doubled quote inside a quoted cell counts twice, so the parity holds.
    """
    buf = np.frombuffer(body, dtype=np.uint8)
    newlines = byte_positions(buf, _NEWLINE)
    quotes = byte_positions(buf, _QUOTE)
    outside = np.searchsorted(quotes, newlines) % 2 == 0
    ends = np.flatnonzero(outside)  # index into newlines of each record end
    starts = newlines[ends] + 1
    keep = starts < len(buf)
    ends, starts = ends[keep], starts[keep]
    # A record starting after newline number i (0-based) starts on line i + 2;
    # the header ends at the first of these newlines.
    return (ends + 2).astype(np.int64), _blank_starts(buf, starts)


def _blank_starts(buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """True where a record start is an empty line (polars reads it as a row)."""
    first = buf[starts]
    second = buf[np.minimum(starts + 1, len(buf) - 1)]
    return (first == _NEWLINE) | ((first == _CR) & (second == _NEWLINE))
