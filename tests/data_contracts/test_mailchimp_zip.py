import io
import zipfile

import pytest

from data_contracts.entities import ENTITIES
from data_contracts.errors import LandingFileError
from data_contracts.readers import read_landing_file
from tests.data_contracts.conftest import audience_zip

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
