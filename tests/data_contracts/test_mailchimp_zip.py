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
from tests.data_contracts.conftest import (
    AUDIENCE_MERGE,
    AUDIENCE_SYSTEM,
    audience_zip,
    csv_bytes,
    write,
)

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


def _zip_without_leid(leid_in_subscribed: bool) -> bytes:
    """A cleaned member of 30 rows without the LEID column, first by name and
    larger than a small piece, beside a subscribed member of 20 rows."""
    cleaned = [c for c in AUDIENCE_SYSTEM["cleaned"].split(",") if c != "LEID"]
    subscribed = AUDIENCE_SYSTEM["subscribed"].split(",")
    if not leid_in_subscribed:
        subscribed.remove("LEID")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "cleaned_members_export_1.csv",
            csv_bytes(
                AUDIENCE_MERGE + cleaned,
                [{"Email Address": f"c{i}@example.com"} for i in range(30)],
            ),
        )
        archive.writestr(
            "subscribed_members_export_1.csv",
            csv_bytes(
                AUDIENCE_MERGE + subscribed,
                [
                    {"Email Address": f"s{i}@example.com"}
                    | ({"LEID": str(i)} if leid_in_subscribed else {})
                    for i in range(20)
                ],
            ),
        )
    return out.getvalue()


@pytest.mark.parametrize("chunk_bytes", [None, 200])
@pytest.mark.parametrize(
    ("leid_in_subscribed", "ledger", "reasons"),
    [
        # Another member has the column: the rows without it are quarantined
        # one by one, the others load, whatever member the first piece is from.
        (True, ("loaded", None, 50, 20, 30, 0), [(["leid is missing"], 30)]),
        # No member has it: the file is rejected, every row in quarantine.
        (
            False,
            ("rejected", "it lacks the required column leid", 50, 0, 50, 0),
            [(["the file lacks the required column leid"], 50)],
        ),
    ],
)
def test_required_column_is_checked_against_all_members(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk_bytes: int | None,
    leid_in_subscribed: bool,
    ledger: tuple,
    reasons: list[tuple],
) -> None:
    if chunk_bytes is not None:
        monkeypatch.setattr(loader, "_CHUNK_BYTES", chunk_bytes)
    write(tmp_path / ZIP, _zip_without_leid(leid_in_subscribed))

    with duckdb.connect() as con:
        load_landing(con, tmp_path, ["email"])
        (row,) = con.sql(
            "select status, reason, rows_read, rows_loaded, rows_quarantined,"
            " duplicates_skipped from ops.load_ledger"
        ).fetchall()
        quarantined = con.sql(
            "select _reasons, count(*) from quarantine.email_audience group by all"
        ).fetchall()

    assert row == ledger
    assert row[2] == row[3] + row[4] + row[5]
    assert quarantined == reasons


def test_member_whose_header_never_ends_rejects_the_file(tmp_path: Path) -> None:
    # A quote opened in the header and never closed runs it into the rows:
    # the file is rejected with the reason (this once stopped the whole load,
    # after a header search that took longer the larger the member).
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        header = b'Email Address,"First Name,LEID\n'
        archive.writestr(
            "subscribed_members_export_1.csv", header + b"a@b.c,A,1\n" * 20_000
        )
    write(tmp_path / ZIP, out.getvalue())

    with duckdb.connect() as con:
        (load,) = load_landing(con, tmp_path, ["email"])
        quarantined = con.sql("select count(*) from quarantine.email_audience")

        assert quarantined.fetchall() == [(0,)]
    assert (load.status, load.rows_read, load.rows_loaded) == ("rejected", 0, 0)
    assert load.reason == (
        "its header is not valid CSV (field larger than field limit (131072))"
    )
