"""Why records are one customer: each link with the levels that decided it."""

from __future__ import annotations

import polars as pl

EXPLANATION_SCHEMA = {
    "customer_id": pl.String,
    "record_key_l": pl.String,
    "record_key_r": pl.String,
    "link_rule": pl.String,
    "link_match_probability": pl.Float64,
    "link_match_weight": pl.Float64,
    "comparison": pl.String,
    "comparison_level": pl.String,
    "comparison_match_weight": pl.Float64,
    "run_id": pl.String,
}


def explain_links(
    links: pl.DataFrame,
    pairs: pl.DataFrame,
    assignment: pl.DataFrame,
    linker,
    run_id: str,
) -> pl.DataFrame:
    """One row per link and comparison: the level reached and its weight.

    Deterministic links get one row naming their rule; model links one row
    per Splink comparison, with the level's label and match weight (log2
    Bayes factor, term-frequency adjustment included). Rows come in no
    particular order (sorting them took 2 s at a million records); readers
    order what they show.
    """
    customer = assignment.select(record_key_l="record_key", customer_id="customer_id")
    base = links.join(customer, on="record_key_l").select(
        "customer_id",
        "record_key_l",
        "record_key_r",
        link_rule="rule",
        link_match_probability="match_probability",
        link_match_weight="match_weight",
    )
    rule_rows = base.filter(pl.col("link_rule") != "splink").with_columns(
        comparison=pl.col("link_rule"),
        comparison_level=pl.lit("deterministic"),
        comparison_match_weight=pl.lit(None, dtype=pl.Float64),
    )
    # One join of the model links with their scored pairs, then a select per
    # comparison.
    model_links = base.filter(pl.col("link_rule") == "splink").join(
        pairs, on=["record_key_l", "record_key_r"]
    )
    frames = [rule_rows]
    for name, labels in _level_labels(linker).items():
        gamma, weight = f"gamma_{name}", f"mw_{name}"
        if gamma not in pairs.columns:
            continue
        # Splink writes each comparison's match weight, and the term-frequency
        # adjustment separately for comparisons that use one.
        adjustment = f"mw_tf_adj_{name}"
        weight_expr = pl.col(weight) if weight in pairs.columns else pl.lit(0.0)
        if adjustment in pairs.columns:
            weight_expr = weight_expr + pl.col(adjustment).fill_null(0.0)
        frames.append(
            model_links.select(
                *base.columns,
                comparison=pl.lit(name),
                comparison_level=pl.col(gamma).replace_strict(
                    labels, default="unknown", return_dtype=pl.String
                ),
                comparison_match_weight=weight_expr,
            )
        )
    return (
        pl.concat(frames, how="diagonal_relaxed")
        .with_columns(run_id=pl.lit(run_id))
        .cast(EXPLANATION_SCHEMA)
        .select(list(EXPLANATION_SCHEMA))
    )


def _level_labels(linker) -> dict[str, dict[int, str]]:
    labels = {}
    for comparison in linker._settings_obj.comparisons:
        labels[comparison.output_column_name] = {
            level.comparison_vector_value: level.label_for_charts
            for level in comparison.comparison_levels
        }
    return labels
