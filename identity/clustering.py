"""Clusters from links, with limits that stop one shared value chaining people.

Links form a graph whose connected components are customers. A component
that holds more distinct values of an identifier than its limit allows (two
shop accounts and six emails, say) was chained together through a junk or
shared value; it is rebuilt link by link, strongest first, refusing any link
that would break a limit. Only such components pay for the slow path.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from identity.config import IdentityConfig

logger = logging.getLogger(__name__)


@dataclass
class Clustering:
    """Cluster label per record, the links inside clusters, and refusals."""

    clusters: pl.DataFrame  # record_key, cluster, cluster_size, review_reason
    links: pl.DataFrame  # edges whose ends ended in one cluster
    refused_links: int


def cluster_records(
    records: pl.DataFrame, edges: pl.DataFrame, config: IdentityConfig
) -> Clustering:
    """Connected components of `edges` over `records`, within identifier limits.

    Args:
        records: Canonical records; the columns named in
            `config.max_identifiers` and `birth_date` are read.
        edges: `record_key_l`, `record_key_r`, `rule`, `match_probability`;
            rows with a `rule` other than "splink" are deterministic and
            considered first.
        config: Identifier limits and the review size.

    Returns:
        A `Clustering`; cluster labels are arbitrary integers, stable ids are
        given later by `identity.stable_ids`.
    """
    started = time.perf_counter()
    keys = records.select("record_key").with_row_index("node")
    indexed = (
        edges.join(
            keys.rename({"record_key": "record_key_l", "node": "node_l"}),
            on="record_key_l",
        )
        .join(
            keys.rename({"record_key": "record_key_r", "node": "node_r"}),
            on="record_key_r",
        )
        .with_columns(priority=pl.when(pl.col("rule") == "splink").then(1).otherwise(0))
        .sort(
            ["priority", "match_probability", "record_key_l", "record_key_r"],
            descending=[False, True, False, False],
        )
    )
    n = records.height
    labels = _components(n, indexed["node_l"].to_numpy(), indexed["node_r"].to_numpy())

    limited = [name for name in config.max_identifiers if name in records.columns]
    violating = _violating_components(records, labels, limited, config)
    refused = 0
    if violating.size:
        labels, refused = _rebuild_within_limits(
            records, indexed, labels, violating, limited, config
        )

    clusters = _with_review(records, labels, config)
    # Labels are indexed by node, so a link's ends are compared by position
    # rather than by joining each end's record key to its cluster.
    inside = (
        labels[indexed["node_l"].to_numpy()] == labels[indexed["node_r"].to_numpy()]
    )
    links = indexed.filter(pl.Series(inside)).drop("node_l", "node_r", "priority")
    logger.info(
        "Clustered %d records with %d links into %d clusters in %.2f s "
        "(%d components over limits, %d links refused, %d clusters for review)",
        n,
        edges.height,
        clusters["cluster"].n_unique(),
        time.perf_counter() - started,
        violating.size,
        refused,
        clusters.filter(pl.col("review_reason").is_not_null())["cluster"].n_unique(),
    )
    return Clustering(clusters=clusters, links=links, refused_links=refused)


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def _violating_components(
    records: pl.DataFrame,
    labels: np.ndarray,
    limited: list[str],
    config: IdentityConfig,
) -> np.ndarray:
    if not limited:
        return np.array([], dtype=np.int64)
    # A single record holds one value of each identifier, within any limit
    # (limits are at least 1), so only components of several records count.
    shared = np.bincount(labels)[labels] > 1
    counts = (
        records.select(limited)
        .with_columns(component=pl.Series(labels))
        .filter(pl.Series(shared))
        .group_by("component")
        .agg(pl.col(name).drop_nulls().n_unique() for name in limited)
    )
    over = pl.any_horizontal(
        pl.col(name) > config.max_identifiers[name] for name in limited
    )
    return counts.filter(over)["component"].to_numpy()


def _rebuild_within_limits(
    records: pl.DataFrame,
    edges: pl.DataFrame,
    labels: np.ndarray,
    violating: np.ndarray,
    limited: list[str],
    config: IdentityConfig,
) -> tuple[np.ndarray, int]:
    """Greedy union-find over the strongest links first, honouring limits."""
    in_violating = np.isin(labels, violating)
    nodes = np.flatnonzero(in_violating)
    parent = {int(node): int(node) for node in nodes}
    values = {
        int(node): {
            name: ({value} if value is not None else set())
            for name, value in zip(limited, row, strict=True)
        }
        for node, row in zip(
            nodes, records[nodes.tolist()].select(limited).iter_rows(), strict=True
        )
    }

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    refused = 0
    mask = in_violating[edges["node_l"].to_numpy()]
    for left, right in (
        edges.filter(pl.Series(mask)).select("node_l", "node_r").iter_rows()
    ):
        root_l, root_r = find(left), find(right)
        if root_l == root_r:
            continue
        merged = {name: values[root_l][name] | values[root_r][name] for name in limited}
        if any(len(merged[name]) > config.max_identifiers[name] for name in limited):
            refused += 1
            continue
        parent[root_r] = root_l
        values[root_l] = merged
        del values[root_r]

    relabelled = labels.copy()
    offset = int(labels.max()) + 1
    for node in nodes:
        relabelled[node] = offset + find(int(node))
    return relabelled, refused


def _with_review(
    records: pl.DataFrame, labels: np.ndarray, config: IdentityConfig
) -> pl.DataFrame:
    clusters = records.select("record_key", "birth_date").with_columns(
        cluster=pl.Series(labels, dtype=pl.Int64)
    )
    stats = clusters.group_by("cluster").agg(
        cluster_size=pl.len().cast(pl.Int64),
        birth_dates=pl.col("birth_date").drop_nulls().n_unique(),
    )
    reason = (
        pl.when(pl.col("cluster_size") > config.review_cluster_size)
        .then(pl.format("more than {} records", pl.lit(config.review_cluster_size)))
        .when(pl.col("birth_dates") > 1)
        .then(pl.lit("conflicting birth dates"))
    )
    stats = stats.with_columns(review_reason=reason).drop("birth_dates")
    return clusters.drop("birth_date").join(stats, on="cluster")
