import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from data_contracts import loader
from data_contracts.entities import ENTITIES
from data_contracts.errors import LandingFileError
from data_contracts.loader import load_landing
from data_contracts.readers import read_landing_file
from tests.data_contracts.conftest import audience_zip, write

AUDIENCE = next(e for e in ENTITIES if e.table == "email_audience")
ZIP = "email/audience_export.zip"


def test_audience_zip_reads_all_member_files() -> None:
    frame = read_landing_file(audience_zip(), AUDIENCE, ZIP)

    by_email = {r["email_address"]: r for r in frame.rows(named=True)}
    assert [r["list_status"] for r in frame.rows(named=True)] == [
        "cleaned",
        "subscribed",
        "subscribed",
        "unsubscribed",
    ]
    ann = by_email["ann@example.com"]
    assert ann["address"] == "Main St 1  Berlin  10115  DE"
    assert ann["tags"] == '"VIP","Winter 2024"'
    assert ann["optin_time"] == ""
    assert ann["last_changed"] == "2024-01-03 08:00:00"
    assert ann["_source_file"] == f"{ZIP}!subscribed_members_export_1.csv"
    assert ann["_source_line"] == 2
    assert by_email["bo@example.com"]["_source_line"] == 3
    cy = by_email["cy@example.com"]
    assert cy["unsub_reason"] == "NORMAL"
    # Columns a member file lacks are NULL, not empty.
    assert cy["last_changed"] is None
    assert by_email["dx@example.com"]["unsub_time"] is None


def test_zip_without_member_files() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(LandingFileError) as raised:
        read_landing_file(out.getvalue(), AUDIENCE, ZIP)

    assert str(raised.value) == (
        f"Cannot load landing file {ZIP}: it holds no subscribed_, unsubscribed_ or"
        " cleaned_ CSV."
    )


def test_not_a_zip() -> None:
    with pytest.raises(LandingFileError, match="it is not a valid zip archive"):
        read_landing_file(b"PK not really", AUDIENCE, ZIP)


def test_bad_member_names_the_member() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("cleaned_members_export_1.csv", b"Email Address\n\xff\n")

    with pytest.raises(LandingFileError) as raised:
        read_landing_file(out.getvalue(), AUDIENCE, ZIP)

    assert raised.value.file_path == f"{ZIP}!cleaned_members_export_1.csv"


def test_audience_zip_streams_in_pieces_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every member CSV is cut into pieces of about 120 bytes inside the zip.
    write(tmp_path / ZIP, audience_zip())
    query = (
        "select * exclude (_load_id, _loaded_at) from raw.email_audience order by all"
    )
    with duckdb.connect() as con:
        load_landing(con, tmp_path, ["email"])
        whole = con.sql(query).fetchall()
    pieces_read = []
    frames = loader.mailchimp_frames

    def counted(*args, **kwargs):
        for frame in frames(*args, **kwargs):
            pieces_read.append(frame.height)
            yield frame

    monkeypatch.setattr(loader, "_CHUNK_BYTES", 120)
    monkeypatch.setattr(loader, "mailchimp_frames", counted)

    with duckdb.connect() as con:
        load_landing(con, tmp_path, ["email"])
        pieces = con.sql(query).fetchall()
        (read, loaded) = con.sql(
            "select rows_read, rows_loaded from ops.load_ledger"
        ).fetchall()[0]

    assert len(pieces_read) > 3 and sum(pieces_read) == 4
    assert (read, loaded) == (4, 4)
    assert pieces == whole


def test_damaged_member_names_the_member_and_its_problem() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("subscribed_members_export_1.csv", b"Email Address\na@b.c\n")
    damaged = out.getvalue().replace(b"a@b.c", b"a@b.x")

    with pytest.raises(LandingFileError) as raised:
        read_landing_file(damaged, AUDIENCE, ZIP)

    assert str(raised.value) == (
        f"Cannot load landing file {ZIP}!subscribed_members_export_1.csv: it is not"
        " a valid zip member (Bad CRC-32 for file 'subscribed_members_export_1.csv')."
    )
