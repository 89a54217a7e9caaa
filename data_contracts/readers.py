"""Read one landing file into a polars frame of the entity's raw columns.

Every reader takes the file's bytes, the entity and the file's path relative to
the landing folder, and returns text columns plus `_source_file` and
`_source_line`. Columns a file lacks are simply absent; the loader fills NULL.
"""

import io
import logging
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import polars as pl

from data_contracts.csv_reader import header_names, read_csv_records
from data_contracts.entities import Entity
from data_contracts.errors import LandingFileError
from data_contracts.file_pieces import csv_pieces
from data_contracts.json_reader import read_json_array, read_ndjson, read_zendesk_page

logger = logging.getLogger(__name__)

Reader = Callable[[bytes, Entity, str], pl.DataFrame]

# Checked in this order: "unsubscribed_" must win over "subscribed_".
_MEMBER_STATUSES = ("unsubscribed", "subscribed", "cleaned")
_HEADER_LIMIT = 64 * 1024  # no vendor header is longer
# What a damaged member raises as it is read.
_MEMBER_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error)


def read_shopify_csv(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """A Shopify admin export: customers or orders (one row per line item)."""
    return read_csv_records(data, entity, source_file)


def read_mailchimp_zip(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Every member CSV of a Mailchimp audience export, with its `list_status`."""
    frames = list(mailchimp_frames(io.BytesIO(data), entity, source_file))
    return pl.concat(frames, how="diagonal")


def mailchimp_frames(
    archive_file: str | Path | BinaryIO,
    entity: Entity,
    source_file: str,
    chunk_bytes: int | None = None,
) -> Iterator[pl.DataFrame]:
    """The member CSVs of a Mailchimp audience export, each streamed out of
    the zip in pieces of about `chunk_bytes` (whole when None), so memory
    follows the piece and not the audience."""
    try:
        archive = zipfile.ZipFile(archive_file)
    except zipfile.BadZipFile as error:
        raise LandingFileError(
            source_file, f"it is not a valid zip archive ({error})"
        ) from None
    with archive:
        members = _members(archive, source_file)
        for member, status in members:
            yield from _member_frames(
                archive, member, entity, f"{source_file}!{member}", status, chunk_bytes
            )


def mailchimp_columns(
    archive_file: str | Path | BinaryIO, entity: Entity, source_file: str
) -> set[str]:
    """The entity's columns that the member CSVs of an audience export hold
    between them, read from their headers alone (`list_status` included).

    Read whole, the members make one frame with every member's columns;
    read in pieces, the first piece shows one member's. The loader checks
    the required columns against these instead. A member whose header
    cannot be read adds nothing: reading it names the problem (an archive
    without member CSVs raises here as it would there).
    """
    names = {"list_status"}
    try:
        archive = zipfile.ZipFile(archive_file)
    except zipfile.BadZipFile:
        return names
    with archive:
        for member, _ in _members(archive, source_file, warn=False):
            try:
                header = _member_header(archive, member)
                names.update(header_names(header, f"{source_file}!{member}"))
            except (*_MEMBER_ERRORS, LandingFileError, UnicodeDecodeError):
                continue
    return names & {c.name for c in entity.columns}


def _members(
    archive: zipfile.ZipFile, source_file: str, warn: bool = True
) -> list[tuple[str, str]]:
    """The member CSVs in name order, each with its list status."""
    members = []
    for member in sorted(archive.namelist()):
        status = _member_status(member)
        if status is not None:
            members.append((member, status))
        elif warn:
            logger.warning("%s: ignoring member %s", source_file, member)
    if not members:
        raise LandingFileError(
            source_file, "it holds no subscribed_, unsubscribed_ or cleaned_ CSV"
        )
    return members


def _member_header(archive: zipfile.ZipFile, member: str) -> bytes:
    """A member's first bytes, which hold its header record (`header_names`
    finds where it ends)."""
    with archive.open(member) as stream:
        return stream.read(_HEADER_LIMIT)


def _member_frames(
    archive: zipfile.ZipFile,
    member: str,
    entity: Entity,
    source_file: str,
    status: str,
    chunk_bytes: int | None,
) -> Iterator[pl.DataFrame]:
    try:
        with archive.open(member) as stream:
            pieces = csv_pieces(stream.read, chunk_bytes) if chunk_bytes else None
            for piece, offset in pieces or [(stream.read(), 0)]:
                yield read_csv_records(
                    piece,
                    entity,
                    source_file,
                    extra={"list_status": status},
                    line_offset=offset,
                )
    except _MEMBER_ERRORS as error:
        raise LandingFileError(
            source_file, f"it is not a valid zip member ({error})"
        ) from None


def _member_status(member: str) -> str | None:
    name = PurePosixPath(member).name
    if not name.lower().endswith(".csv"):
        return None
    for status in _MEMBER_STATUSES:
        if name.startswith(f"{status}_"):
            return status
    return None


READERS: dict[str, Reader] = {
    "shopify_csv": read_shopify_csv,
    "zendesk_page": read_zendesk_page,
    "mailchimp_zip": read_mailchimp_zip,
    "sendgrid_json": read_json_array,
    "segment_ndjson": read_ndjson,
}


def read_landing_file(data: bytes, entity: Entity, source_file: str) -> pl.DataFrame:
    """Read one landing file's bytes with the entity's reader.

    Args:
        data: the file's bytes (the loader reads them once to hash and parse).
        entity: the entity the file belongs to.
        source_file: the path relative to the landing folder, e.g.
            `shop/orders_export_1.csv`; it fills `_source_file`.

    Returns:
        The entity's columns found in the file, `_source_file`, `_source_line`.

    Raises:
        LandingFileError: the file is empty, not UTF-8, not valid JSON, CSV,
            gzip or zip, or lacks the expected structure.
    """
    if not data:
        raise LandingFileError(source_file, "the file is empty")
    return READERS[entity.reader](data, entity, source_file)
