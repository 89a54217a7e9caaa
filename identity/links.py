"""Deterministic links, and the pair-level guard applied to model links.

Deterministic links come first: records sharing a source key are one person
by construction, and the same email (ignoring +tags) is one person unless the
names or birth dates say otherwise (families share one address). Emails that
differ in gmail dots are left to the model, which weighs them lower:
different people do hold jane.doe@ and janedoe@ addresses.
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


def _conflict_sql(left: str, right: str) -> str:
    """SQL true when two records' first names disagree and birth dates don't
    vouch for them: both first names known and not similar, and the birth
    dates not known equal."""
    return (
        f"({left}.given_name is not null and {right}.given_name is not null "
        f"and jaro_winkler_similarity({left}.given_name, {right}.given_name) "
        f"< {FIRST_NAMES_AGREE} "
        # "Last First" in a single name field is the same name.
        f"and coalesce({left}.given_name <> {right}.last_name, true) "
        f"and not coalesce({left}.birth_date = {right}.birth_date, false))"
        f" or coalesce({left}.birth_date <> {right}.birth_date, false)"
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
        with keyed as (
            -- A +tag never makes two people's addresses differ; dots can.
            select *, regexp_replace(email, '\\+[^@]*@', '@') as mailbox
            from records where email is not null
        ),
        grouped as (
            select *, count(*) over (partition by mailbox) as group_size
            from keyed
        )
        select l.record_key as record_key_l, r.record_key as record_key_r,
            'same email, names agree' as rule
        from grouped as l
        join grouped as r
            on l.mailbox = r.mailbox
            and l.record_key < r.record_key
        where l.group_size <= {config.max_key_group}
            and not ({_conflict_sql("l", "r")})
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


def drop_conflicting_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Drop model links whose first names and birth dates disagree.

    A shared household email or phone, street and surname can outweigh a
    different first name in the model; such a pair is two people. So is a
    pair with known, different emails and no phone in common.
    """
    if pairs.is_empty():
        return pairs
    con = duckdb.connect()
    con.register("pairs", pairs.to_arrow())
    kept = con.sql(
        f"""
        select * from pairs
        where not ({_conflict_sql_pairs()})
        """
    ).pl()
    con.close()
    logger.info(
        "Pair guard dropped %d of %d model links (first names and birth dates "
        "disagree)",
        pairs.height - kept.height,
        pairs.height,
    )
    return kept


def _conflict_sql_pairs() -> str:
    # Namesakes in one household (a father and son) share name and address;
    # known, different emails with no phone in common tell them apart. The
    # cost: one person's two mailboxes at one address are not linked by this
    # pair alone (a shared account key or a third record still joins them).
    contacts_differ = (
        "(coalesce(email_match_key_l <> email_match_key_r, false) "
        "and not coalesce(phone_key_l = phone_key_r, false))"
    )
    return (
        f"{contacts_differ} or "
        "(given_name_l is not null and given_name_r is not null "
        f"and jaro_winkler_similarity(given_name_l, given_name_r) "
        f"< {FIRST_NAMES_AGREE} "
        "and coalesce(given_name_l <> last_name_r, true) "
        "and not coalesce(birth_date_l = birth_date_r, false))"
        " or coalesce(birth_date_l <> birth_date_r, false)"
    )
