"""Any list of people: files described by a YAML mapping, resolved together.

A mapping names each file, its id column, and which of its columns hold which
canonical field, so a new file layout needs a new mapping, not new code:

    match_probability: 0.999        # optional, any IdentityConfig setting
    files:
      - source: crm                 # name used in the output
        path: crm_export.csv        # relative to the mapping file
        id_column: Kundennummer
        columns:
          first_name: Vorname
          last_name: Nachname
          email: E-Mail
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import polars as pl
import yaml

from identity.canonical import FIELDS
from identity.config import IdentityConfig

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class MappingError(Exception):
    """The mapping or a file it names is unusable; the message says how to fix it."""


@dataclass(frozen=True)
class FileMapping:
    source: str
    path: Path
    id_column: str
    columns: dict[str, str]


@dataclass(frozen=True)
class Mapping:
    files: list[FileMapping]
    config: IdentityConfig


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (see the module docstring for its shape)."""
    if not path.is_file():
        raise MappingError(f"The mapping file {path} does not exist.")
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise MappingError(
            f"The mapping file {path} is not valid YAML: {error}"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise MappingError(
            f"The mapping file {path} needs a 'files' list, one entry per file."
        )
    files = [
        _file_mapping(entry, index, path.parent)
        for index, entry in enumerate(document["files"], start=1)
    ]
    sources = [item.source for item in files]
    if len(set(sources)) != len(sources):
        raise MappingError(
            f"Two files in {path} share a source name; give each its own 'source'."
        )
    settings = {key: value for key, value in document.items() if key != "files"}
    known = {field.name for field in fields(IdentityConfig)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise MappingError(
            f"Unknown setting(s) {', '.join(unknown)} in {path}; known settings "
            f"are files, {', '.join(sorted(known))}."
        )
    try:
        config = IdentityConfig(**settings)
    except (TypeError, ValueError) as error:
        raise MappingError(f"Invalid setting in {path}: {error}") from None
    return Mapping(files=files, config=config)


def _file_mapping(entry: object, index: int, base: Path) -> FileMapping:
    if not isinstance(entry, dict):
        raise MappingError(f"File entry {index} must be a mapping with 'path'.")
    missing = [key for key in ("path", "id_column", "columns") if key not in entry]
    if missing:
        raise MappingError(
            f"File entry {index} lacks {', '.join(missing)}: every file needs "
            "path, id_column and columns."
        )
    columns = entry["columns"]
    if not isinstance(columns, dict) or not columns:
        raise MappingError(
            f"File entry {index}: 'columns' must map canonical fields to the "
            "file's column names."
        )
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise MappingError(
            f"File entry {index} maps unknown field(s) {', '.join(unknown)}; "
            f"the fields are {', '.join(FIELDS)}."
        )
    path = Path(entry["path"])
    path = path if path.is_absolute() else base / path
    source = str(entry.get("source") or path.stem)
    return FileMapping(
        source=source,
        path=path,
        id_column=str(entry["id_column"]),
        columns={str(key): str(value) for key, value in columns.items()},
    )


def read_people(mapping: Mapping) -> pl.DataFrame:
    """All mapped files as one frame of raw canonical fields, one row per record."""
    frames = []
    for item in mapping.files:
        frame = _read(item.path)
        needed = [item.id_column, *item.columns.values()]
        absent = [name for name in needed if name not in frame.columns]
        if absent:
            raise MappingError(
                f"{item.path} has no column(s) {', '.join(absent)}; its columns "
                f"are {', '.join(frame.columns)}."
            )
        ids = frame[item.id_column].cast(pl.String)
        if ids.null_count():
            raise MappingError(
                f"{item.path}: {ids.null_count()} rows have no "
                f"{item.id_column}; every record needs an id."
            )
        if ids.n_unique() != len(ids):
            raise MappingError(
                f"{item.path}: ids in {item.id_column} repeat; every record "
                "needs its own id."
            )
        frames.append(
            frame.select(
                source=pl.lit(item.source),
                source_record_id=pl.col(item.id_column).cast(pl.String),
                **{
                    field: pl.col(column).cast(pl.String)
                    for field, column in item.columns.items()
                },
            )
        )
    return pl.concat(frames, how="diagonal_relaxed")


def _read(path: Path) -> pl.DataFrame:
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise MappingError(
            f"{path} is neither CSV nor Parquet; give a .csv or .parquet file."
        )
    if not path.is_file():
        raise MappingError(f"{path}, named in the mapping, does not exist.")
    if kind == "csv":
        # Every column as text: ids and postcodes keep their leading zeros.
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    return pl.read_parquet(path)
