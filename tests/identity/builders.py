"""Small generated populations of identity records, with their ground truth.

Faster than the full synthetic generator plus pipeline: people (some in
households sharing an address, a landline and a family email) appear in up to
four sources with typos, nicknames, gmail variants and blanks.
"""

from __future__ import annotations

import numpy as np
import polars as pl

FIRST = [
    ("robert", "bob"),
    ("william", "bill"),
    ("james", "jim"),
    ("mary", ""),
    ("linda", ""),
    ("susan", "sue"),
    ("michael", "mike"),
    ("sarah", ""),
    ("thomas", "tom"),
    ("karen", ""),
    ("daniel", "dan"),
    ("nancy", ""),
    ("paul", ""),
    ("lisa", ""),
    ("mark", ""),
    ("emma", ""),
    ("olivia", "liv"),
    ("noah", ""),
    ("liam", ""),
    ("sophia", ""),
    ("lukas", ""),
    ("anna", ""),
    ("jonas", ""),
    ("lea", ""),
    ("margaret", "peggy"),
    ("deborah", "debbie"),
    ("andrew", "andy"),
    ("joshua", "josh"),
    ("elizabeth", "liz"),
    ("zoe", ""),
]
LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "muller",
    "schmidt",
    "schneider",
    "fischer",
    "weber",
    "meyer",
    "wagner",
    "becker",
]
STREETS = [
    "main st",
    "oak ave",
    "maple st",
    "park ave",
    "elm st",
    "lake dr",
    "hill rd",
    "cedar ln",
    "pine st",
    "church st",
]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "web.de"]


def generate_records(people: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Identity records and truth (`source`, `source_record_id`, `person_id`)."""
    rng = np.random.default_rng(seed)
    persons = _people(rng, people)
    rows: list[dict] = []
    for person in persons:
        for source in ("shop", "email", "support", "web"):
            if (
                rng.random()
                < {"shop": 0.6, "email": 0.5, "support": 0.25, "web": 0.45}[source]
            ):
                rows.append(_record(rng, person, source, len(rows)))
    records = pl.DataFrame(rows, infer_schema_length=None)
    truth = records.select("source", "source_record_id", "person_id")
    return records.drop("person_id"), truth


def _people(rng: np.random.Generator, n: int) -> list[dict]:
    persons: list[dict] = []
    while len(persons) < n:
        size = int(rng.choice([1, 1, 1, 2, 2, 3]))
        last = LAST[rng.integers(len(LAST))]
        street = STREETS[rng.integers(len(STREETS))]
        house = str(rng.integers(1, 9999))
        postcode = f"{rng.integers(10000, 99999)}"
        landline = f"+1{rng.integers(2000000000, 9999999999)}"
        family_email = f"the{last}s{rng.integers(1, 999)}@gmail.com"
        # Members get different first names: namesakes sharing an address
        # and a family email cannot be told apart by any resolver.
        names = rng.choice(len(FIRST), size=size, replace=False)
        for member in range(size):
            first, nick = FIRST[names[member]]
            index = len(persons)
            birth = np.datetime64("1950-01-01") + np.timedelta64(
                int(rng.integers(0, 20000)), "D"
            )
            local = rng.choice(
                [
                    f"{first}.{last}.{index}",
                    f"{first}{last}{index}",
                    f"{first[0]}{last}{index}",
                ]
            )
            persons.append(
                {
                    "person_id": index,
                    "first_name": first,
                    "nickname": nick,
                    "last_name": last
                    if member == 0 or rng.random() < 0.8
                    else LAST[rng.integers(len(LAST))],
                    "email": f"{local}@{DOMAINS[rng.integers(len(DOMAINS))]}",
                    "family_email": family_email if size > 1 else None,
                    "mobile": f"+1{rng.integers(2000000000, 9999999999)}",
                    "landline": landline if size > 1 else None,
                    "birth_date": str(birth),
                    "street": street,
                    "house_number": house,
                    "postcode": postcode,
                    "shop_customer_id": str(6_000_000 + index),
                }
            )
            if len(persons) == n:
                break
    return persons


def _typo(rng: np.random.Generator, value: str | None, rate: float) -> str | None:
    if value is None or len(value) < 4 or rng.random() >= rate:
        return value
    at = int(rng.integers(1, len(value) - 1))
    return value[:at] + value[at + 1 :]


def _record(rng: np.random.Generator, person: dict, source: str, n: int) -> dict:
    first = person["first_name"]
    if person["nickname"] and rng.random() < 0.15:
        first = person["nickname"]
    email = person["email"]
    if person["family_email"] and rng.random() < 0.15:
        email = person["family_email"]
    if email.endswith("@gmail.com") and rng.random() < 0.1:
        email = email.replace("@", "+shop@")
    record = {
        "source": source,
        "source_record_id": f"{source[:2]}{n}",
        "person_id": person["person_id"],
        "first_name": _typo(rng, first, 0.03).title(),
        "last_name": _typo(rng, person["last_name"], 0.03),
        "email": email if rng.random() < 0.85 else None,
        "phone": person["mobile"]
        if rng.random() < 0.5
        else (person["landline"] if rng.random() < 0.3 else None),
        "birth_date": person["birth_date"]
        if source == "email" and rng.random() < 0.6
        else None,
        "street": person["street"] if source in ("shop", "email") else None,
        "house_number": person["house_number"] if source in ("shop", "email") else None,
        "postcode": person["postcode"] if source in ("shop", "email") else None,
        "shop_customer_id": person["shop_customer_id"]
        if source == "shop" or (source == "web" and rng.random() < 0.5)
        else None,
        "support_user_id": f"u{n}" if source == "support" else None,
        "web_anonymous_id": f"a{n}" if source == "web" else None,
    }
    return record
