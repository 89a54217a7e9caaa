"""Long-tailed name pools per country, with the frequency of each name.

Real surnames follow a long tail: the commonest is about 1% of people, the
top thousand about half, and the rest spread over tens of thousands of rare
names. A handful of names drawn uniformly made every full name common, so a
name carried no evidence at all and a name-only match was a coin toss. The
pools here rank our curated names first (they carry nicknames and
diacritics the tests rely on), then Faker's locale lists, then, for
surnames, compounds built from the country's name parts, and give rank r
the weight 1 / (r + offset). Faker's lists are part of the data: the
version in uv.lock fixes them, and a Faker update that edits them changes
the generated people and every accuracy figure measured on them.
"""

import importlib
from functools import cache
from itertools import product, zip_longest

import numpy as np

from synthetic.data import names

_LOCALES = {"US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR"}
# With these offsets the commonest surname is about 1% of a country's
# people and the commonest first name about 4%, as in census tables.
_LAST_OFFSET = 10
_FIRST_OFFSET = 3

# Starts, connectors and ends of compound surnames, per language.
_ENGLISH_PARTS = (
    "Ash Black Brad Brook Burn Cald Chad Clay Crom Dal Dun Fair Fen Gar Hal Hart"
    " Hay Kings Lang Mar Mid Mor Nor Pen Ral Red Rich Ross Rut Shel Stan Stock"
    " Thorn Wal Wat Wen West Whit Win Wood",
    "er ing en el ar",
    "by den ford ham hurst ley more ridge ton well wick wood field worth stone"
    " brook cott dale man son ings low",
)
_PARTS = {
    "US": _ENGLISH_PARTS,
    "GB": _ENGLISH_PARTS,
    "DE": (
        "Acker Alt Berg Birk Brand Busch Eich Feld Fuchs Gold Grün Hahn Heil Hirsch"
        " Hof Holz Horn Kalt Kirch Kling Kron Lang Lind Mehl Mohr Neu Ober Rein"
        " Rosen Roth Sand Schön Stein Stern Thal Wald Wein Winter Zell Brun",
        "en el er ing au",
        "mann er bauer berger hofer meier müller schmidt hardt feld stein ling ner"
        " huber wald brink kamp rath reuther thaler haus bach",
    ),
    "FR": (
        "Beau Bel Bon Champ Chev Clé Dela Des Du Fon Gau Lab Lac Lam Lan Mar Mont"
        " Pel Ren Roche Roy Sau Ver Vil Bou Fer Gir Lou Mer Tes Char Bra Cour Gra"
        " Jou Mal Pou Riv Sal Tour",
        "ar el er ou an",
        "ard aud eau el et ier in ière lot mont ot on oux ville court champ val"
        " bert ais and eux ac",
    ),
}


@cache
def last_names(country: str) -> tuple[np.ndarray, np.ndarray]:
    """Surnames of `country`, commonest first, and their probabilities."""
    curated = names.LAST_NAMES[country]
    faker_names = list(_faker_provider(country).last_names)
    starts, connectors, ends = (words.split(" ") for words in _PARTS[country])
    # A middle is nothing, a connector or another start: Ashley, Asherley,
    # Ashthornley.
    middles = ["", *connectors, *(start.lower() for start in starts)]
    compounds = ["".join(parts) for parts in product(starts, middles, ends)]
    pool = _unique([*curated, *faker_names, *compounds])
    return np.array(pool, dtype=object), _weights(len(pool), _LAST_OFFSET)


@cache
def first_names(country: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First names of `country`, commonest first, the nickname each may go
    by ("" for none), and their probabilities."""
    curated = dict(names.FIRST_NAMES[country])
    provider = _faker_provider(country)
    # Alternate the locale's female and male lists so neither sex holds the
    # head of the ranking.
    pairs = zip_longest(provider.first_names_female, provider.first_names_male)
    alternated = [name for pair in pairs for name in pair if name is not None]
    pool = _unique([*curated, *alternated])
    nicknames = [curated.get(name, "") for name in pool]
    return (
        np.array(pool, dtype=object),
        np.array(nicknames, dtype=object),
        _weights(len(pool), _FIRST_OFFSET),
    )


def _faker_provider(country: str):
    module = importlib.import_module(f"faker.providers.person.{_LOCALES[country]}")
    return module.Provider


def _unique(pool: list[str]) -> list[str]:
    """First occurrence of each name, ignoring case (`McDonald`, `Mcdonald`)."""
    seen: set[str] = set()
    kept = []
    for name in pool:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def _weights(size: int, offset: int) -> np.ndarray:
    weights = 1.0 / (np.arange(size) + 1 + offset)
    return weights / weights.sum()
