"""Benchmark ingestion with contracts on against DuckDB's own readers.

Usage: python benchmarks/ingest.py [--people 1000000] [--data /tmp/cdp-bench]

Reuses a generated dataset in --data when its manifest matches --people (else
generates one, about 2.5 min for 1M people). Each measurement runs in its own
subprocess on a fresh warehouse, so its peak RSS is its own:

- per source, our loader (parse, contract, quarantine, dedupe, ledger) against
  DuckDB's read_csv / read_json of the same files into a table, each
  followed by the checkpoint it leaves behind (counted in the rate and also
  shown on a row of its own);
- contract evaluation of web events in DuckDB SQL against GX 1.24 in pandas;
- the collector's accepted events/s for batches of 100 events over HTTP,
  against appending the same batches durably without HTTP.

Prints one table: figure, baseline, ratio.
"""

import json
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOURCES = ("shop", "support", "email", "web")
# DuckDB's reading of each entity's files; the Mailchimp zip has none.
BASELINE_SQL = {
    "shop": [
        "create table t1 as select * from read_csv('{l}/shop/customers_export*.csv',"
        " all_varchar = true)",
        "create table t2 as select * from read_csv('{l}/shop/orders_export_*.csv',"
        " all_varchar = true)",
    ],
    "support": [
        "create table t1 as select unnest(users) from read_json("
        "'{l}/support/users-*.json', columns = {{users: 'JSON[]'}},"
        " maximum_object_size = 100000000)",
        "create table t2 as select unnest(tickets) from read_json("
        "'{l}/support/tickets-*.json', columns = {{tickets: 'JSON[]'}},"
        " maximum_object_size = 100000000)",
    ],
    "email": [
        "create table t1 as select * from read_json("
        "'{l}/email/sendgrid-events-*.json', format = 'array',"
        " maximum_object_size = 100000000)",
    ],
    "web": [
        "create table t1 as select * from read_json("
        "'{l}/web/events-*.ndjson', format = 'newline_delimited')",
    ],
}


def _peak_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# Both sides get the same DuckDB memory limit: without one, DuckDB keeps the
# raw table's blocks cached up to 80% of RAM, so a long load's RSS measured
# that cache (8.5 GB for web events) rather than what loading needs.
MEMORY_LIMIT = "2GB"


def _configure(con) -> None:
    con.execute("set threads = 2").fetchall()
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'").fetchall()


def measure_ours(source: str, landing: Path, db: Path) -> dict:
    import duckdb

    from data_contracts.loader import load_landing

    with duckdb.connect(str(db)) as con:
        _configure(con)
        started = time.perf_counter()
        loads = load_landing(con, landing, [source])
        seconds = time.perf_counter() - started
        checkpoint = _checkpoint_seconds(con)
    rows = sum(x.rows_read for x in loads)
    return {
        "rows": rows,
        "seconds": seconds,
        "checkpoint": checkpoint,
        "peak": _peak_bytes(),
    }


def measure_duckdb(source: str, landing: Path, db: Path) -> dict:
    import duckdb

    with duckdb.connect(str(db)) as con:
        _configure(con)
        started = time.perf_counter()
        rows = 0
        for index, sql in enumerate(BASELINE_SQL[source], start=1):
            con.execute(sql.format(l=landing)).fetchall()
            rows += con.sql(f"select count(*) from t{index}").fetchall()[0][0]
        seconds = time.perf_counter() - started
        checkpoint = _checkpoint_seconds(con)
    return {
        "rows": rows,
        "seconds": seconds,
        "checkpoint": checkpoint,
        "peak": _peak_bytes(),
    }


def _checkpoint_seconds(con) -> float:
    """The checkpoint left after the load (closing the connection would run
    it): it merges row groups that transactions left partly filled."""
    started = time.perf_counter()
    con.execute("checkpoint").fetchall()
    return time.perf_counter() - started


def measure_contracts(landing: Path, sample_rows: int) -> dict:
    """Web events' contract over the same rows: DuckDB SQL versus GX pandas."""
    import duckdb

    from data_contracts.contract import load_contract
    from data_contracts.contract_sql import reasons_sql
    from data_contracts.entities import ENTITIES
    from data_contracts.readers import read_landing_file

    entity = next(e for e in ENTITIES if e.table == "web_events")
    frames, rows = [], 0
    for path in sorted((landing / "web").glob("events-*.ndjson")):
        frame = read_landing_file(path.read_bytes(), entity, path.name)
        frames.append(frame)
        rows += frame.height
        if rows >= sample_rows:
            break
    import polars as pl

    frame = pl.concat(frames, how="diagonal").head(sample_rows)
    contract = load_contract("web_events")
    with duckdb.connect() as con:
        con.register("batch", frame.to_arrow())
        started = time.perf_counter()
        con.sql(f"select {reasons_sql(contract)} as r from batch").aggregate(
            "count(*) filter (len(r) > 0)"
        ).fetchall()
        sql_seconds = time.perf_counter() - started
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    from data_contracts.contract import contract_path

    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("web")
    batch = asset.add_batch_definition_whole_dataframe("all")
    suite = ExpectationSuite(**json.loads(contract_path("web_events").read_text()))
    # Timestamp ranges compare datetimes in GX; the SQL side parses the text.
    pandas = frame.to_pandas()
    for column in ("timestamp", "received_at"):
        pandas[column] = __import__("pandas").to_datetime(
            pandas[column], utc=True, errors="coerce", format="ISO8601"
        )
    started = time.perf_counter()
    batch.get_batch({"dataframe": pandas}).validate(
        suite,
        expectation_parameters={
            "now": __import__("datetime").datetime.now().astimezone()
        },
        result_format="COMPLETE",
    )
    gx_seconds = time.perf_counter() - started
    return {"rows": len(frame), "sql_seconds": sql_seconds, "gx_seconds": gx_seconds}


def measure_collector(work: Path, batches: int, threads: int) -> dict:
    import httpx

    from api.landing_writer import LandingWriter

    landing = work / "collector-landing"
    shutil.rmtree(landing, ignore_errors=True)
    port = 8097
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, uvicorn; from pathlib import Path;"
            "from api.collector import CollectorConfig, create_app;"
            "uvicorn.run(create_app(CollectorConfig(Path(sys.argv[1]),"
            " write_keys=frozenset({'bench'}))),"
            " host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')",
            str(landing),
            str(port),
        ],
        cwd=Path(__file__).resolve().parents[1],
    )
    url = f"http://127.0.0.1:{port}/v1/batch"

    def body(worker: int, n: int) -> dict:
        return {
            "writeKey": "bench",
            "sentAt": "2024-03-01T10:00:01.000Z",
            "batch": [
                {
                    "type": "track",
                    "messageId": f"{worker}-{n}-{i}",
                    "anonymousId": f"a-{i}",
                    "event": "Product Viewed",
                    "properties": {"sku": f"SKU-{i}", "price": 9.5},
                    "timestamp": "2024-03-01T10:00:00.000Z",
                }
                for i in range(100)
            ],
        }

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(url, json=body(99, 0)).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        per_thread = batches // threads
        failures: list[int] = []

        def send(worker: int) -> None:
            with httpx.Client() as client:
                for n in range(per_thread):
                    response = client.post(url, json=body(worker, n))
                    if response.status_code != 200:
                        failures.append(response.status_code)

        workers = [threading.Thread(target=send, args=(w,)) for w in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        http_seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    writer = LandingWriter(work / "direct-landing")
    from datetime import UTC, datetime

    payloads = [body(0, n)["batch"] for n in range(per_thread * threads)]
    started = time.perf_counter()
    for events in payloads:
        writer.append_web_events(events, datetime.now(UTC))
    direct_seconds = time.perf_counter() - started
    events = per_thread * threads * 100
    return {
        "events": events,
        "failures": len(failures),
        "http_seconds": http_seconds,
        "direct_seconds": direct_seconds,
    }


def _child(*args: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "measure", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@click.group(invoke_without_command=True)
@click.option("--people", default=1_000_000, show_default=True)
@click.option("--data", default="/tmp/cdp-bench", show_default=True, type=click.Path())
@click.option(
    "--work", default="/tmp/cdp-ingest-bench", show_default=True, type=click.Path()
)
@click.option("--sample-rows", default=200_000, show_default=True)
@click.option("--batches", default=400, show_default=True)
@click.pass_context
def main(
    ctx: click.Context,
    people: int,
    data: str,
    work: str,
    sample_rows: int,
    batches: int,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from data_contracts import loader

    data_dir, work_dir = Path(data), Path(work)
    manifest = data_dir / "truth" / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text())["people"] != people:
        from synthetic import generate

        click.echo(f"generating {people:,} people into {data_dir} ...", err=True)
        generate(people, 42, data_dir, progress=False)
    landing = data_dir / "landing"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    lines = [
        f"people: {people:,}  landing: {landing}",
        f"{'figure':<34}{'ours':>14}{'baseline':>14}{'ratio':>8}",
    ]
    for source in SOURCES:
        ours = _child("ours", source, str(landing), str(work_dir / f"o-{source}.db"))
        base = _child("duckdb", source, str(landing), str(work_dir / f"d-{source}.db"))
        (work_dir / f"o-{source}.db").unlink()
        (work_dir / f"d-{source}.db").unlink()
        # A load is done once DuckDB has checkpointed what it wrote: the
        # checkpoint each side leaves counts in its rate.
        ours_rate = ours["rows"] / (ours["seconds"] + ours["checkpoint"])
        base_rate = base["rows"] / (base["seconds"] + base["checkpoint"])
        lines.append(
            f"{source + ' rows/s (' + format(ours['rows'], ',') + ' rows)':<34}"
            f"{ours_rate:>14,.0f}{base_rate:>14,.0f}{ours_rate / base_rate:>8.2f}"
        )
        lines.append(
            f"{source + ' checkpoint after load s':<34}{ours['checkpoint']:>14,.1f}"
            f"{base['checkpoint']:>14,.1f}"
            f"{ours['checkpoint'] / max(base['checkpoint'], 0.01):>8.1f}"
        )
        lines.append(
            f"{source + ' peak RSS MiB':<34}{ours['peak'] / 2**20:>14,.0f}"
            f"{base['peak'] / 2**20:>14,.0f}{ours['peak'] / base['peak']:>8.2f}"
        )
        click.echo(lines[-3], err=True)
    contracts = _child("contracts", str(landing), str(sample_rows))
    sql_rate = contracts["rows"] / contracts["sql_seconds"]
    gx_rate = contracts["rows"] / contracts["gx_seconds"]
    lines.append(
        f"{'contract rows/s SQL vs GX pandas':<34}{sql_rate:>14,.0f}{gx_rate:>14,.0f}"
        f"{sql_rate / gx_rate:>8.1f}"
    )
    collector = _child("collector", str(work_dir), str(batches))
    http_rate = collector["events"] / collector["http_seconds"]
    direct_rate = collector["events"] / collector["direct_seconds"]
    lines.append(
        f"{'collector events/s (100/batch)':<34}{http_rate:>14,.0f}"
        f"{direct_rate:>14,.0f}{http_rate / direct_rate:>8.2f}"
    )
    if collector["failures"]:
        lines.append(f"collector refused {collector['failures']} batches")
    lines.append(
        "baselines: DuckDB read_csv/read_json into a table (email: SendGrid"
        " files only, DuckDB reads no zip), rates include the checkpoint;"
        " GX 1.24 in pandas; durable append without HTTP"
    )
    lines.append(
        f"memory bound: NDJSON and CSV read from disk in pieces of"
        f" {loader._CHUNK_BYTES >> 20} MiB, up to three held at once; JSON files"
        f" staged by DuckDB in groups of up to {loader._GROUP_BYTES >> 20} MiB;"
        f" zip members streamed in the same pieces; a single JSON document is"
        f" read whole; DuckDB memory_limit {MEMORY_LIMIT} on both sides"
    )
    click.echo("\n".join(lines))


@main.command("measure", hidden=True)
@click.argument("kind")
@click.argument("args", nargs=-1)
def measure(kind: str, args: tuple[str, ...]) -> None:
    if kind == "ours":
        result = measure_ours(args[0], Path(args[1]), Path(args[2]))
    elif kind == "duckdb":
        result = measure_duckdb(args[0], Path(args[1]), Path(args[2]))
    elif kind == "contracts":
        result = measure_contracts(Path(args[0]), int(args[1]))
    else:
        result = measure_collector(Path(args[0]), int(args[1]), threads=4)
    click.echo(json.dumps(result))


if __name__ == "__main__":
    main()
