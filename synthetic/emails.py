"""True email addresses: private, work and shared family addresses.

Sources such as Shopify, Mailchimp and Zendesk refuse a second account with
the same address, so every generated address is made globally unique here:
collisions get a `.<person_id>` suffix, a shape no natural pattern produces.
"""

import numpy as np
import polars as pl

from synthetic.data import places


def ascii_slug(expr: pl.Expr) -> pl.Expr:
    """Lower-case ASCII letters only: how people spell names in addresses."""
    return (
        expr.str.to_lowercase()
        .str.replace_all("ł", "l")
        .str.replace_all("ß", "ss")
        .str.replace_all("ø", "o")
        .str.normalize("NFKD")
        .str.replace_all(r"[^a-z]", "")
    )


def assign_emails(
    rng: np.random.Generator, people: pl.DataFrame, seen: pl.Series
) -> tuple[pl.DataFrame, pl.Series]:
    """Add `email`, `work_email` and `family_email`; return the grown `seen`.

    `seen` holds every address handed out by earlier chunks.
    """
    n = people.height
    country = people["country"].to_numpy()
    domain = np.empty(n, dtype=object)
    for code, domains in places.PRIVATE_DOMAINS.items():
        mask = country == code
        # gmail first in every list and favoured: its dot/plus rules matter.
        p = np.array([0.45] + [0.55 / (len(domains) - 1)] * (len(domains) - 1))
        domain[mask] = np.array(domains, dtype=object)[
            rng.choice(len(domains), mask.sum(), p=p)
        ]
    pattern = rng.integers(0, 6, n)
    digits = np.where(rng.random(n) < 0.45, rng.integers(1, 999, n).astype(str), "")
    birth_yy = people["birth_date"].dt.year().to_numpy() % 100
    digits = np.where(
        rng.random(n) < 0.15, np.char.zfill(birth_yy.astype(str), 2), digits
    )
    frame = people.select(
        "person_id",
        "household_id",
        "is_household_head",
        f=ascii_slug(pl.col("first_name")),
        k=ascii_slug(pl.col("nickname")),
        la=ascii_slug(pl.col("last_name")),
        pattern=pl.Series(pattern),
        digits=pl.Series(digits),
        domain=pl.Series(domain.astype(str)),
        work_domain=pl.Series(
            np.array(places.WORK_DOMAINS)[rng.integers(0, len(places.WORK_DOMAINS), n)]
        ),
        has_work=pl.Series(rng.random(n) < 0.3),
        has_family=pl.Series(rng.random(n) < 0.2),
    )
    f, k, la = pl.col("f"), pl.col("k"), pl.col("la")
    nick_or_first = pl.when(k != "").then(k).otherwise(f)
    local = (
        pl.when(pl.col("pattern") == 0)
        .then(f + "." + la)
        .when(pl.col("pattern") == 1)
        .then(f + la)
        .when(pl.col("pattern") == 2)
        .then(f.str.slice(0, 1) + la)
        .when(pl.col("pattern") == 3)
        .then(f + "_" + la)
        .when(pl.col("pattern") == 4)
        .then(f + la.str.slice(0, 1))
        .otherwise(nick_or_first + "." + la)
    )
    frame = frame.with_columns(
        email=local + pl.col("digits") + "@" + pl.col("domain"),
        work_email=pl.when(pl.col("has_work")).then(
            f + "." + la + "@" + pl.col("work_domain")
        ),
        family_email=pl.when(pl.col("has_family") & pl.col("is_household_head")).then(
            pl.lit("the") + la + "s@" + pl.col("domain")
        ),
    )
    for column in ("email", "work_email", "family_email"):
        frame, seen = _make_unique(frame, column, seen)
    # The family address belongs to the whole household (web forms use it).
    shared = pl.col("family_email").first().over("household_id")
    frame = frame.with_columns(family_email=shared)
    return people.with_columns(
        frame.select("email", "work_email", "family_email")
    ), seen


def _make_unique(
    frame: pl.DataFrame, column: str, seen: pl.Series
) -> tuple[pl.DataFrame, pl.Series]:
    """Suffix addresses whose mailbox is taken; `seen` holds mailbox keys."""
    value = pl.col(column)
    key = mailbox_key(value)
    clash = value.is_not_null() & (key.is_in(seen.implode()) | key.is_duplicated())
    fixed = value.str.replace(
        "@", pl.lit(".") + pl.col("person_id").cast(pl.String) + "@", literal=True
    )
    frame = frame.with_columns(
        pl.when(clash).then(fixed).otherwise(value).alias(column)
    )
    new = frame.select(mailbox_key(pl.col(column)))[column].drop_nulls()
    return frame, pl.concat([seen, new])


def mailbox_key(address: pl.Expr) -> pl.Expr:
    """The mailbox an address delivers to: gmail ignores dots in the local part.

    Without this, two people could get `jane.doe@gmail.com` and
    `janedoe@gmail.com`, which are one real mailbox.
    """
    local = address.str.extract(r"^([^@]*)@", 1)
    domain = address.str.extract(r"@(.*)$", 1)
    is_gmail = domain.is_in(["gmail.com", "googlemail.com"])
    return (
        pl.when(is_gmail)
        .then(local.str.replace_all(".", "", literal=True) + "@gmail.com")
        .otherwise(address)
    )
