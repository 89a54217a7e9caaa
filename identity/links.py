"""Deterministic links, and the pair-level guard applied to model links.

Deterministic links come first: records sharing a source key are one person
by construction, and the same mailbox (ignoring +tags, and dots at gmail,
which ignores them) is one person unless the first names or birth dates say
otherwise: families share one address.
"""

from __future__ import annotations

import logging
import time

import duckdb
import polars as pl

from identity.config import IdentityConfig
from identity.nicknames import NICKNAMES

logger = logging.getLogger(__name__)

# Source keys that identify one account: every record holding the value is
# the account's owner (web records carry the logged-in shop customer id).
ACCOUNT_KEYS = ("shop_customer_id", "support_user_id", "web_anonymous_id")
FIRST_NAMES_AGREE = 0.9
# A first name one edit from another is a typo of it when it is at least this
# many times rarer among the records.
TYPO_RARITY = 10
EDGE_SCHEMA = {
    "record_key_l": pl.String,
    "record_key_r": pl.String,
    "rule": pl.String,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
}


def _people_differ_sql(left: dict[str, str], right: dict[str, str]) -> str:
    """SQL true when two records' first names or birth dates say they are two
    people. `left` and `right` map the `_NAME_FACTS` columns, last_name and
    birth_date to column expressions.

    First names differ when both are known and none of these holds: the
    given names or the first names as written are similar (Jaro-Winkler),
    so Harry agrees with its typo Hrary although the nickname list reads
    Harry as Henry; one is a typo of the other (one edit apart and at least
    `TYPO_RARITY` times rarer, so Leo and Lea, both common, stay two names);
    one is a typo of a short form of the other's given name (Boob, Bob and
    Robert); one record has first and last name swapped ("Last First" in one
    name field); the birth dates are known and equal. Known, different birth
    dates always differ. Every clause is null-safe: a null would turn the
    caller's `not (...)` into a silent drop.
    """
    given_l, given_r = left["given_name"], right["given_name"]
    # Cheapest first, as a chain of `case` branches: DuckDB evaluates a
    # branch only for the rows the ones before it left undecided (most pairs
    # have equal given names), where `or` computed every check for all rows.
    checks = [
        f"{given_l} = {given_r}",
        f"coalesce({given_l} = {right['last_name']}, false)",
        f"coalesce({given_r} = {left['last_name']}, false)",
        f"coalesce({left['birth_date']} = {right['birth_date']}, false)",
        _similar_sql(given_l, given_r),
        _similar_sql(left["first_name"], right["first_name"]),
        _typo_sql(given_l, given_r, left["given_count"], right["given_count"]),
        _typo_sql(
            left["first_name"],
            right["first_name"],
            left["first_count"],
            right["first_count"],
        ),
        _form_typo_sql(left, right),
    ]
    agree = (
        "case "
        + " ".join(f"when {check} then true" for check in checks)
        + f" else {_form_typo_sql(right, left)} end"
    )
    return (
        f"({given_l} is not null and {given_r} is not null and not ({agree}))"
        f" or coalesce({left['birth_date']} <> {right['birth_date']}, false)"
    )


def _similar_sql(left: str, right: str) -> str:
    similarity = f"jaro_winkler_similarity({left}, {right})"
    return f"coalesce({similarity} >= {FIRST_NAMES_AGREE}, false)"


def _typo_sql(left: str, right: str, count_l: str, count_r: str) -> str:
    return (
        f"coalesce(damerau_levenshtein({left}, {right}) <= 1"
        f" and least({count_l}, {count_r}) * {TYPO_RARITY}"
        f" <= greatest({count_l}, {count_r}), false)"
    )


def _form_typo_sql(typed: dict[str, str], named: dict[str, str]) -> str:
    """The first name of `typed` is one edit from a form of `named`'s given
    name (its nicknames or itself), is no name of the nickname list itself,
    and is rarer than that form as written (Boob and Bob, not Tim and Jim).
    """
    return (
        f"coalesce(not {typed['is_listed_name']}"
        f" and list_bool_or(list_transform({named['name_forms']}, lambda form:"
        f" damerau_levenshtein({typed['first_name']}, form.name) <= 1"
        f" and {typed['first_count']} * {TYPO_RARITY} <= form.records)),"
        " false)"
    )


# Columns of both records in a pair that the guard reads from Splink's pairs.
GUARDED_COLUMNS = (
    "given_name",
    "last_name",
    "birth_date",
    "email",
    "email_match_key",
    "phone_key",
)
# Per record, what the first-name checks read besides the record's fields.
_NAME_FACTS = ("first_count", "given_count", "is_listed_name", "name_forms")


def _columns(alias: str = "", suffix: str = "") -> dict[str, str]:
    """Columns `_people_differ_sql` reads, as `alias.name` or `name<suffix>`."""
    prefix = f"{alias}." if alias else ""
    names = ("given_name", "first_name", "last_name", "birth_date", *_NAME_FACTS)
    return {name: f"{prefix}{name}{suffix}" for name in names}


def name_facts(records: pl.DataFrame) -> pl.DataFrame:
    """Per record: how many records hold its first name as written and its
    given name (rare variants of a common name are typos of it), whether the
    nickname list knows its first name, and the forms of its given name (the
    nicknames that resolve to it, and itself) with the records holding each
    as written.
    """
    forms = pl.DataFrame(
        {"given_name": list(NICKNAMES.values()), "name": list(NICKNAMES)}
    )
    forms = pl.concat([forms, forms.select("given_name", name="given_name")])
    written = records.group_by(name="first_name").agg(records=pl.len().cast(pl.Int64))
    forms_of_given = (
        records.select("given_name")
        .unique()
        .join(forms.unique(), on="given_name", how="left")
        .with_columns(name=pl.coalesce("name", "given_name"))
        .join(written, on="name", how="left")
        .group_by("given_name")
        .agg(name_forms=pl.struct("name", records=pl.col("records").fill_null(0)))
    )
    listed = set(NICKNAMES) | set(NICKNAMES.values())
    return (
        records.select(
            "record_key",
            "given_name",
            first_count=pl.len().over("first_name").cast(pl.Int64),
            given_count=pl.len().over("given_name").cast(pl.Int64),
            is_listed_name=pl.col("first_name").is_in(sorted(listed)),
        )
        .join(forms_of_given, on="given_name", how="left")
        .drop("given_name")
    )


def deterministic_links(records: pl.DataFrame, config: IdentityConfig) -> pl.DataFrame:
    """Edges between records that are one person by a rule, not a score.

    Args:
        records: Canonical records (see `identity.canonical.COLUMNS`).
        config: `max_key_group` bounds how many records one key value may
            link; larger groups are shared junk and link nothing.

    Returns:
        `record_key_l`, `record_key_r`, `rule`, `match_probability` (1.0) and
        `match_weight` (null) per edge; account keys give a star per value,
        emails every non-conflicting pair within the value's group.
    """
    started = time.perf_counter()
    con = duckdb.connect()
    con.register("records", records.to_arrow())
    con.register("name_facts", name_facts(records).to_arrow())
    parts = []
    for key in ACCOUNT_KEYS:
        parts.append(
            f"""
            select record_key as record_key_l,
                min(record_key) over (partition by {key}) as record_key_r,
                'same {key}' as rule
            from records
            where {key} is not null
            qualify count(*) over (partition by {key}) <= {config.max_key_group}
            """
        )
    parts.append(
        f"""
        with grouped as (
            -- The mailbox key drops +tags everywhere and dots where the
            -- provider ignores them (gmail): one mailbox, one key. Where a
            -- provider has no +tags, two people's keys could coincide; the
            -- first-name check below still tells them apart.
            select records.*, name_facts.* exclude (record_key),
                count(*) over (partition by email_match_key) as group_size
            from records
            join name_facts using (record_key)
            where email_match_key is not null
        )
        select l.record_key as record_key_l, r.record_key as record_key_r,
            'same email, names agree' as rule
        from grouped as l
        join grouped as r
            on l.email_match_key = r.email_match_key
            and l.record_key < r.record_key
        where l.group_size <= {config.max_key_group}
            and not ({_people_differ_sql(_columns("l"), _columns("r"))})
        """
    )
    query = " union all ".join(f"({part})" for part in parts)
    edges = con.sql(
        f"""
        select record_key_l, record_key_r, min(rule) as rule,
            1.0 as match_probability, cast(null as double) as match_weight
        from ({query})
        where record_key_l <> record_key_r
        group by all
        """
    ).pl()
    con.close()
    edges = edges.cast(EDGE_SCHEMA)
    logger.info(
        "Deterministic links: %d edges among %d records in %.2f s",
        edges.height,
        records.height,
        time.perf_counter() - started,
    )
    return edges


def drop_conflicting_pairs(
    pairs: pl.DataFrame, facts: pl.DataFrame, config: IdentityConfig
) -> pl.DataFrame:
    """Drop model links that describe two people.

    A shared household email or phone, street and surname can outweigh a
    different first name in the model; such a pair is two people. So is a
    pair holding two different personal mailboxes and no phone in common.

    Args:
        pairs: Splink's scored pairs, with its `_l`/`_r` columns.
        facts: `name_facts` of the records being resolved, with their
            `first_name` (Splink compares given names only).
        config: `personal_email_domains` is read.
    """
    if pairs.is_empty():
        return pairs
    con = duckdb.connect()
    con.register("facts", facts.to_arrow())
    con.register(
        "personal_domains",
        pl.DataFrame({"domain": sorted(config.personal_email_domains)}).to_arrow(),
    )
    # Only the columns the guard reads go through DuckDB; the verdict comes
    # back as one boolean per pair, in the pairs' order.
    read = ["record_key_l", "record_key_r"] + [
        f"{name}_{side}" for name in GUARDED_COLUMNS for side in "lr"
    ]
    con.register("pairs", pairs.select(read).with_row_index("pair").to_arrow())
    selected = ", ".join(
        f"{side}.{name} as {name}_{side}"
        for side in "lr"
        for name in ("first_name", *_NAME_FACTS)
    )
    conflict = con.sql(
        f"""
        with counted as (
            select pairs.*, {selected}
            from pairs
            left join facts as l on l.record_key = pairs.record_key_l
            left join facts as r on r.record_key = pairs.record_key_r
        )
        select pair, coalesce({_pair_conflict_sql()}, false) as conflict
        from counted
        order by pair
        """
    ).pl()
    con.close()
    kept = pairs.filter(~conflict["conflict"])
    logger.info(
        "Pair guard dropped %d of %d model links (first names or birth dates "
        "disagree, or two personal mailboxes)",
        pairs.height - kept.height,
        pairs.height,
    )
    return kept


def _pair_conflict_sql() -> str:
    # Namesakes in one household (a father and son) share name and address;
    # their own personal mailboxes, with no phone in common, tell them apart.
    # A company address beside a personal one is the same person at work, so
    # it does not count against a link; neither do two company addresses
    # (a job change), which leaves namesake colleagues to the model.
    personal = "split_part({}, '@', 2) in (select domain from personal_domains)"
    contacts_differ = (
        "(coalesce(email_match_key_l <> email_match_key_r, false) "
        "and not coalesce(phone_key_l = phone_key_r, false) "
        f"and coalesce({personal.format('email_l')}, false) "
        f"and coalesce({personal.format('email_r')}, false))"
    )
    people_differ = _people_differ_sql(_columns(suffix="_l"), _columns(suffix="_r"))
    return f"{contacts_differ} or {people_differ}"
