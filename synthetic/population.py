"""People, households and their true identities for one chunk.

Every attribute here is the truth that sources later distort. Ids derive from
the global person index, so chunks need no shared state to stay unique.
"""

import numpy as np
import polars as pl

from synthetic.clock import T0, T1
from synthetic.data import name_pool, places

_COUNTRIES = np.array([c for c, _ in places.COUNTRY_SHARES])
_COUNTRY_P = np.array([p for _, p in places.COUNTRY_SHARES])
_HOUSEHOLD_SIZES = np.array([1, 2, 3, 4])
_HOUSEHOLD_P = np.array([0.52, 0.27, 0.13, 0.08])


def build_people(rng: np.random.Generator, n: int, first_id: int) -> pl.DataFrame:
    """One row per person with true names, contacts and addresses.

    Args:
        rng: the chunk's random generator.
        n: people in the chunk.
        first_id: person_id of the chunk's first person (1-based, global).
    """
    person_id = np.arange(first_id, first_id + n, dtype=np.int64)
    head = _household_heads(rng, n)
    household_id = person_id[head]
    is_head = head == np.arange(n)
    country = _COUNTRIES[rng.choice(len(_COUNTRIES), size=n, p=_COUNTRY_P)][head]

    people = pl.DataFrame(
        {
            "person_id": person_id,
            "household_id": household_id,
            "is_household_head": is_head,
            "country": country,
        }
    )
    people = people.with_columns(_first_names(rng, country))
    own_last = _last_names(rng, country)
    keeps_family_name = rng.random(n) < 0.85
    last = np.where(keeps_family_name, own_last[head], own_last)
    birth = T0 - rng.integers(18 * 365, 80 * 365, size=n) * 86_400
    people = people.with_columns(
        last_name=pl.Series(last),
        birth_date=pl.from_epoch(pl.Series(birth), time_unit="s").dt.date(),
        phone=_mobile_numbers(rng, country, person_id),
        landline=_landlines(rng, country, household_id, head),
    )
    people = people.with_columns(_addresses(rng, country, head, "", n))
    people = people.with_columns(_addresses(rng, country, head, "old_", n))
    moves = (rng.random(n) < 0.12)[head]
    moved_at = rng.integers(T0 + 30 * 86_400, T1 - 30 * 86_400, size=n)[head]
    people = people.with_columns(
        moved_at=pl.Series(np.where(moves, moved_at, 0)).replace(0, None)
    )
    return people


def _household_heads(rng: np.random.Generator, n: int) -> np.ndarray:
    """Index of each person's household head (the household's first member)."""
    sizes = rng.choice(_HOUSEHOLD_SIZES, size=n, p=_HOUSEHOLD_P)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    starts = starts[starts < n]
    heads = np.zeros(n, dtype=np.int64)
    heads[starts] = starts
    return np.maximum.accumulate(heads)


def _last_names(rng, country: np.ndarray) -> np.ndarray:
    out = np.empty(len(country), dtype=object)
    for code in _COUNTRIES:
        mask = country == code
        pool, weights = name_pool.last_names(code)
        out[mask] = pool[rng.choice(len(pool), size=mask.sum(), p=weights)]
    return out.astype(str)


def _first_names(rng, country: np.ndarray) -> list[pl.Series]:
    first = np.empty(len(country), dtype=object)
    nick = np.empty(len(country), dtype=object)
    for code in _COUNTRIES:
        mask = country == code
        pool, nicknames, weights = name_pool.first_names(code)
        idx = rng.choice(len(pool), size=mask.sum(), p=weights)
        first[mask] = pool[idx]
        nick[mask] = nicknames[idx]
    return [
        pl.Series("first_name", first.astype(str)),
        pl.Series("nickname", nick.astype(str)),
    ]


def _mobile_numbers(rng, country: np.ndarray, person_id: np.ndarray) -> pl.Series:
    """E.164 mobile numbers, unique because the subscriber part is a bijection
    of the person id (7919 is coprime with every modulus used)."""
    n = len(country)
    scrambled = person_id * 7919
    out = np.empty(n, dtype=object)
    for code in ("US", "GB", "DE", "FR"):
        mask = country == code
        k = mask.sum()
        s = scrambled[mask]
        if code == "US":
            area = np.array(places.US_AREA_CODES)[rng.integers(0, 24, k)]
            sub = (2_000_000 + s % 8_000_000).astype(str)
            out[mask] = np.char.add(np.char.add("+1", area), sub)
        elif code == "GB":
            pre = np.array(places.GB_MOBILE_PREFIXES)[rng.integers(0, 5, k)]
            sub = np.char.zfill((s % 1_000_000).astype(str), 6)
            out[mask] = np.char.add(np.char.add("+44", pre), sub)
        elif code == "DE":
            pre = np.array(places.DE_MOBILE_PREFIXES)[rng.integers(0, 5, k)]
            sub = np.char.zfill((s % 100_000_000).astype(str), 8)
            out[mask] = np.char.add(np.char.add("+49", pre), sub)
        else:
            pre = np.array(places.FR_MOBILE_PREFIXES)[rng.integers(0, 2, k)]
            sub = np.char.zfill((s % 100_000_000).astype(str), 8)
            out[mask] = np.char.add(np.char.add("+33", pre), sub)
    return pl.Series(out.astype(str))


def _landlines(rng, country, household_id, head) -> pl.Series:
    """A shared household landline for about a quarter of households."""
    n = len(country)
    has = (rng.random(n) < 0.25)[head]
    code = pl.Series(country).replace_strict(places.COUNTRY_CALLING_CODES)
    local = (2_000_000 + (household_id * 104_729) % 8_000_000).astype(str)
    us_area = np.array(places.US_AREA_CODES)[rng.integers(0, 24, n)]
    area = np.where(country == "US", us_area, rng.integers(20, 99, n).astype(str))
    area = area[head]
    number = pl.select(
        pl.when(pl.Series(has)).then(
            pl.lit("+") + code + pl.Series(area) + pl.Series(local)
        )
    )
    return number.to_series()


def _addresses(rng, country, head, prefix: str, n: int) -> list[pl.Series]:
    """Street, house number, postcode, city and region, shared by a household."""
    city = np.empty(n, dtype=object)
    region = np.empty(n, dtype=object)
    stem = np.empty(n, dtype=object)
    street = np.empty(n, dtype=object)
    for code, rows in places.CITIES.items():
        mask = country == code
        idx = rng.integers(0, len(rows), mask.sum())
        city[mask] = np.array([r[0] for r in rows], dtype=object)[idx]
        region[mask] = np.array([r[1] for r in rows], dtype=object)[idx]
        stem[mask] = np.array([r[2] for r in rows], dtype=object)[idx]
        streets = np.array(places.STREETS[code], dtype=object)
        street[mask] = streets[rng.integers(0, len(streets), mask.sum())]
    is_us = country == "US"
    house = np.where(is_us, rng.integers(1, 9999, n), rng.integers(1, 180, n))
    tail = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    gb_tail = np.char.add(
        rng.integers(1, 10, n).astype(str),
        np.char.add(letters[rng.integers(0, 20, n)], letters[rng.integers(0, 20, n)]),
    )
    stem = stem.astype(str)
    postcode = np.where(
        is_us,
        np.char.add(stem, np.char.zfill(rng.integers(0, 100, n).astype(str), 2)),
        np.where(
            country == "GB",
            np.char.add(np.char.add(stem, " "), gb_tail),
            np.char.add(stem, tail),
        ),
    )
    columns = {
        "street": street.astype(str),
        "house_number": house.astype(str),
        "postcode": postcode,
        "city": city.astype(str),
        "region": region.astype(str),
    }
    return [pl.Series(prefix + k, v[head]) for k, v in columns.items()]


def address_line(street: pl.Expr, number: pl.Expr, country: pl.Expr) -> pl.Expr:
    """First address line in the country's order (`Hauptstraße 12` in DE)."""
    return (
        pl.when(country == "DE")
        .then(street + " " + number)
        .otherwise(number + " " + street)
    )
