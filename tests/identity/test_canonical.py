"""Canonical forms: the same person's values written differently compare equal."""

import polars as pl
import pytest

from identity.canonical import canonicalize
from identity.config import IdentityConfig


def _one(**fields: str | None) -> dict:
    frame = pl.DataFrame(
        [{"source": "crm", "source_record_id": "1", **fields}],
        infer_schema_length=None,
    )
    return canonicalize(frame, IdentityConfig(), parse_phones=True).row(0, named=True)


@pytest.mark.parametrize(
    ("email", "key"),
    [
        # gmail ignores dots and +tags; the domain alias is folded too.
        ("J.Doe+shop@GoogleMail.com", "jdoe@gmail.com"),
        # Other providers keep dots, but +tags are dropped.
        ("jane.doe+news@outlook.com", "jane.doe@outlook.com"),
        # Placeholders and non-addresses link nothing.
        ("test@test.com", None),
        ("not an email", None),
    ],
)
def test_email_match_key(email, key):
    assert _one(email=email)["email_match_key"] == key


@pytest.mark.parametrize(
    ("phone", "country", "e164"),
    [
        ("(415) 555-0134", "US", "+14155550134"),
        ("030 1234567", "DE", "+49301234567"),
        ("0044 20 7946 0958", None, "+442079460958"),
        # A placeholder never links.
        ("0000000000", "US", None),
    ],
)
def test_phone_in_e164(phone, country, e164):
    assert _one(phone=phone, country=country)["phone"] == e164


def test_names_are_folded_and_nicknames_resolved():
    record = _one(first_name="  Bob ", last_name="Müller-Straße", street="Hauptstraße")

    assert record["first_name"] == "bob"
    assert record["given_name"] == "robert"
    assert record["last_name"] == "muller-strasse"
    assert record["street"] == "hauptstrasse"


def test_birth_dates_in_common_layouts_become_iso():
    assert _one(birth_date="1984-07-09")["birth_date"] == "1984-07-09"
    assert _one(birth_date="09/07/1984")["birth_date"] == "1984-07-09"
    assert _one(birth_date="July 1984")["birth_date"] is None
