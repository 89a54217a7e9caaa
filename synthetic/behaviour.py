"""Who shows up where, and the repeat-buying process with dropout (churn).

Buying follows a BG/NBD-like story: each buyer has their own purchase rate
(gamma across people) and, after every purchase, drops out with their own
probability (beta across people). Dropout happens between the last purchase
and the purchase that would have come next. Engagement elsewhere (email, web,
support) fades in the 90 days before dropout, which is the churn signal the
models downstream are meant to find.
"""

import numpy as np
import polars as pl

from synthetic.clock import DAY, T0, T1, YEAR

PRE_CHURN = 90 * DAY
MAX_PURCHASES = 60


def assign_roles(rng: np.random.Generator, people: pl.DataFrame) -> pl.DataFrame:
    """Flags for presence in each source; customers are more present elsewhere."""
    n = people.height
    u = rng.random((6, n))
    is_customer = u[0] < 0.55
    is_buyer = is_customer & (u[1] < 0.85)
    return people.with_columns(
        is_customer=pl.Series(is_customer),
        is_buyer=pl.Series(is_buyer),
        in_email=pl.Series(u[2] < np.where(is_customer, 0.5, 0.28)),
        on_web=pl.Series(u[3] < np.where(is_customer, 0.85, 0.52)),
        support_draw=pl.Series(u[4]),
        has_second_account=pl.Series(is_customer & (u[5] < 0.03)),
    )


def simulate_purchases(
    rng: np.random.Generator, people: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-person buying parameters and the purchase times inside the window.

    Returns:
        (people with purchase_rate, dropout_probability, churned_at added;
         purchases: person_id, ordered_at, one row per in-window purchase).
    """
    n = people.height
    buyer = people["is_buyer"].to_numpy()
    rate = rng.gamma(1.1, 3.2 / 1.1, n)  # purchases per year
    dropout_p = rng.beta(1.3, 4.0, n)
    acquired = T0 + rng.uniform(-1.0, 1.95, n) * YEAR
    k = np.minimum(rng.geometric(dropout_p), MAX_PURCHASES)
    k = np.where(buyer, k, 0)

    owner = np.repeat(np.arange(n), k)
    gaps = rng.exponential(1.0, owner.size) * YEAR / rate[owner]
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    gaps[first[k > 0]] = 0.0  # the first purchase is the acquisition itself
    cum = np.cumsum(gaps)
    start = np.repeat(cum[first[k > 0]] - 0.0, k[k > 0])
    times = acquired[owner] + (cum - start)

    last = np.full(n, np.nan)
    last[k > 0] = times[np.cumsum(k)[k > 0] - 1]
    next_gap = rng.exponential(1.0, n) * YEAR / rate
    dropout_at = last + rng.uniform(0.05, 1.0, n) * next_gap
    churned_at = np.where(dropout_at < T1, dropout_at, np.nan)

    inside = (times >= T0) & (times < T1)
    purchases = pl.DataFrame(
        {
            "person_id": people["person_id"].to_numpy()[owner[inside]],
            "ordered_at": times[inside].astype(np.int64),
        }
    )
    people = people.with_columns(
        purchase_rate=pl.Series(np.where(buyer, rate, np.nan)).fill_nan(None),
        dropout_probability=pl.Series(np.where(buyer, dropout_p, np.nan)).fill_nan(
            None
        ),
        churned_at=pl.Series(churned_at).fill_nan(None).cast(pl.Int64),
    )
    return people, purchases


def engagement(times: np.ndarray, churned_at: np.ndarray) -> np.ndarray:
    """Relative activity level at `times` for people churning at `churned_at`.

    NaN churned_at means the person never churns in the window (level 1).
    """
    ends = np.where(np.isnan(churned_at), np.inf, churned_at)
    return np.where(times >= ends, 0.12, np.where(times >= ends - PRE_CHURN, 0.3, 1.0))


def support_presence(people: pl.DataFrame) -> pl.Series:
    """Churning customers are twice as likely to have contacted support."""
    churns = people["churned_at"].is_not_null() & (people["churned_at"] >= T0)
    p = np.where(churns.to_numpy(), 0.3, np.where(people["is_customer"], 0.15, 0.08))
    return pl.Series("in_support", people["support_draw"].to_numpy() < p)
