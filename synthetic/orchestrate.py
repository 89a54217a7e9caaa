"""Orchestration: people in chunks, each source's view appended per chunk.

Each chunk draws from its own generator seeded by (seed, chunk index), so
output depends only on the seed and the number of people, and memory stays
bounded by the chunk size (support pages and the audience zip are finished
after the last chunk).
"""

import logging
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from synthetic import audience, behaviour, sendgrid, shop, support, truth, web
from synthetic.csv_files import append_csv
from synthetic.emails import assign_emails
from synthetic.population import build_people

log = logging.getLogger(__name__)

CHUNK_SIZE = 20_000
SOURCES = ("shop", "support", "email", "web")
_OWNED_PATTERNS = {
    "shop": ("customers_export*.csv", "orders_export_*.csv"),
    "support": ("users-*.json", "tickets-*.json"),
    "email": ("audience_export*.zip", "sendgrid-events-*.json"),
    "web": ("events-*.ndjson", "events-*.ndjson.gz"),
}


def generate(
    people: int,
    seed: int,
    out: Path,
    progress: bool = True,
    chunk_size: int = CHUNK_SIZE,
) -> dict:
    """Write landing files and ground truth for `people` synthetic people.

    Args:
        people: number of people to invent.
        seed: the same seed gives byte-identical output.
        out: data folder; files go to `out/landing/<source>/` and `out/truth/`.
        progress: show a progress bar over chunks.
        chunk_size: people per chunk (bounds memory).

    Returns:
        Summary with `rows` (data rows per landing file), `people`, `seed` and
        `duration_seconds`.
    """
    started = time.perf_counter()
    out = Path(out)
    folders = _prepare(out)
    scratch = out / ".synthetic-scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    rows: Counter = Counter()
    record_file = truth.ParquetAppender(out / "truth" / "records.parquet")
    people_file = truth.ParquetAppender(out / "truth" / "people.parquet")
    camp = audience.campaigns()
    user_pages = [support.agents()]
    ticket_pages = []
    seen = pl.Series([], dtype=pl.String)
    order_offset = ticket_offset = 0
    batch = 1
    n_chunks = max(1, -(-people // chunk_size))

    for chunk in tqdm(range(n_chunks), disable=not progress, unit="chunk"):
        t_chunk = time.perf_counter()
        rng = np.random.default_rng(np.random.SeedSequence([seed, chunk]))
        first_id = chunk * chunk_size + 1
        n = min(chunk_size, people - chunk * chunk_size)
        p = build_people(rng, n, first_id)
        p, seen = assign_emails(rng, p, seen)
        p = behaviour.assign_roles(rng, p)
        p, purchases = behaviour.simulate_purchases(rng, p)
        p = p.with_columns(behaviour.support_presence(p))

        accounts = shop.build_accounts(rng, p)
        orders, lines = shop.build_orders(rng, p, accounts, purchases, order_offset)
        order_offset += orders.height
        folder = folders["shop"]
        rows["shop/orders_export_1.csv"] += append_csv(
            shop.order_rows(rng, p, orders, lines),
            folder / "orders_export_1.csv",
            shop.ORDER_COLUMNS,
        )
        rows["shop/customers_export.csv"] += append_csv(
            shop.customer_rows(rng, p, accounts, orders),
            folder / "customers_export.csv",
            shop.CUSTOMER_COLUMNS,
        )

        users = support.build_users(rng, p)
        user_pages.append(support.render_users(rng, users))
        tickets = support.build_tickets(rng, users, ticket_offset)
        ticket_offset += tickets.height
        ticket_pages.append(support.render_tickets(rng, tickets))

        members = audience.build_members(rng, p)
        member_rows = audience.member_rows(rng, members, camp)
        for status, count in audience.append_members(member_rows, scratch).items():
            rows[f"email/{audience.ZIP_NAME}!{audience.member_file(status)}"] += count
        sends = sendgrid.build_sends(rng, members, camp)
        events = sendgrid.build_events(rng, members, camp, sends)
        written = sendgrid.write_batches(events, folders["email"], batch)
        batch += len(written)
        rows.update(written)

        rendered, web_records = web.build_events(rng, p, accounts, orders)
        rows.update(web.write_days(rendered, folders["web"]))

        record_file.append(
            pl.concat(
                [
                    truth.records(
                        "shop", accounts["customer_id"], accounts["person_id"]
                    ),
                    truth.records("support", users["user_id"], users["person_id"]),
                    truth.records("email", members["leid"], members["person_id"]),
                    truth.records(
                        "web", web_records["source_record_id"], web_records["person_id"]
                    ),
                ]
            )
        )
        people_file.append(truth.people_truth(p, orders))
        log.debug(
            "chunk %d: %d people in %.1fs", chunk, n, time.perf_counter() - t_chunk
        )

    record_file.close()
    people_file.close()
    rows.update(support.write_pages(user_pages, "user_id", "users", folders["support"]))
    rows.update(
        support.write_pages(ticket_pages, "ticket_id", "tickets", folders["support"])
    )
    audience.zip_members(scratch, folders["email"])
    shutil.rmtree(scratch)
    truth.write_manifest(out / "truth" / "manifest.json", seed, people, dict(rows))

    duration = time.perf_counter() - started
    _log_summary(rows, out, duration)
    return {
        "people": people,
        "seed": seed,
        "rows": dict(sorted(rows.items())),
        "duration_seconds": round(duration, 3),
    }


def _prepare(out: Path) -> dict[str, Path]:
    """Create landing folders and remove files a previous run wrote there,
    since every writer appends."""
    folders = {}
    for source in SOURCES:
        folder = out / "landing" / source
        folder.mkdir(parents=True, exist_ok=True)
        for pattern in _OWNED_PATTERNS[source]:
            for old in folder.glob(pattern):
                old.unlink()
        folders[source] = folder
    (out / "truth").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / ".synthetic-scratch", ignore_errors=True)
    return folders


def _log_summary(rows: Counter, out: Path, duration: float) -> None:
    per_group: Counter = Counter()
    files: Counter = Counter()
    for name, count in rows.items():
        group = (
            name.split("/")[0] + "/" + name.split("/")[1].split("-")[0].split("_")[0]
        )
        per_group[group] += count
        files[group] += 1
    for group, count in sorted(per_group.items()):
        log.info(
            "wrote %s: %d rows in %d files under %s",
            group,
            count,
            files[group],
            out / "landing",
        )
    log.info("generated in %.1fs", duration)
