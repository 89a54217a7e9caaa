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

logger = logging.getLogger(__name__)

# Source keys that identify one account: every record holding the value is
# the account's owner (web records carry the logged-in shop customer id).
ACCOUNT_KEYS = ("shop_customer_id", "support_user_id", "web_anonymous_id")
FIRST_NAMES_AGREE = 0.9
EDGE_SCHEMA = {
    "record_key_l": pl.String,
    "record_key_r": pl.String,
    "rule": pl.String,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
}


def _people_differ_sql(left: dict[str, str], right: dict[str, str]) -> str:
    """SQL true when two records' first names or birth dates say they are two
    people; `left` and `right` map given_name, last_name, birth_date to columns.

    First names differ when both are known, neither similar (Jaro-Winkler)
    nor one typo apart, nor swapped with the last name ("Last First" in one
    name field), and the birth dates do not vouch for them. Known, different
    birth dates always differ.
    """
    return (
        f"({left['given_name']} is not null and {right['given_name']} is not null "
        f"and jaro_winkler_similarity({left['given_name']}, {right['given_name']}) "
        f"< {FIRST_NAMES_AGREE} "
        f"and damerau_levenshtein({left['given_name']}, {right['given_name']}) > 1 "
        f"and coalesce({left['given_name']} <> {right['last_name']}, true) "
        f"and not coalesce({left['birth_date']} = {right['birth_date']}, false))"
        f" or coalesce({left['birth_date']} <> {right['birth_date']}, false)"
    )


def _columns(alias: str = "", suffix: str = "") -> dict[str, str]:
    prefix = f"{alias}." if alias else ""
    return {
        name: f"{prefix}{name}{suffix}"
        for name in ("given_name", "last_name", "birth_date")
    }


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
            -- The mailbox key is the mailbox mail is delivered to: +tags
            -- dropped everywhere, dots dropped where the provider ignores
            -- them (gmail), so two keys never name one mailbox.
            select *, count(*) over (partition by email_match_key) as group_size
            from records where email_match_key is not null
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


def drop_conflicting_pairs(pairs: pl.DataFrame, config: IdentityConfig) -> pl.DataFrame:
    """Drop model links that describe two people.

    A shared household email or phone, street and surname can outweigh a
    different first name in the model; such a pair is two people. So is a
    pair holding two different private mailboxes and no phone in common.
    """
    if pairs.is_empty():
        return pairs
    con = duckdb.connect()
    con.register("pairs", pairs.to_arrow())
    con.register(
        "personal_domains",
        pl.DataFrame({"domain": sorted(config.personal_email_domains)}).to_arrow(),
    )
    kept = con.sql(
        f"""
        select * from pairs
        where not ({_conflict_sql_pairs()})
        """
    ).pl()
    con.close()
    logger.info(
        "Pair guard dropped %d of %d model links (names and birth dates "
        "disagree, or two private mailboxes)",
        pairs.height - kept.height,
        pairs.height,
    )
    return kept


def _conflict_sql_pairs() -> str:
    # Namesakes in one household (a father and son) share name and address;
    # their own private mailboxes, with no phone in common, tell them apart.
    # A company address beside a private one is the same person at work, so
    # it does not count against a link.
    private = "split_part({}, '@', 2) in (select domain from personal_domains)"
    contacts_differ = (
        "(coalesce(email_match_key_l <> email_match_key_r, false) "
        "and not coalesce(phone_key_l = phone_key_r, false) "
        f"and {private.format('email_l')} and {private.format('email_r')})"
    )
    people_differ = _people_differ_sql(_columns(suffix="_l"), _columns(suffix="_r"))
    return f"{contacts_differ} or {people_differ}"
