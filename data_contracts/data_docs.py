"""Great Expectations Data Docs for the contracts, built from a sample.

The loader evaluates the contracts in DuckDB SQL (`contract_sql.py`); this
module runs GX itself over a sample of each table's evaluated rows (raw and
quarantine together) so a person can browse the suites and their results in
GX's own site. Values are typed first as the SQL evaluator reads them
(numbers for numeric ranges, UTC datetimes for timestamp ranges); a value that
does not parse becomes null here and GX skips it, where the SQL evaluator
fails it, so the site can under-count those failures.

Each build starts a fresh GX project beside the old one and swaps it in, so
the site shows the warehouse as it is now and a failed build leaves the last
site in place. GX's import takes 6 to 10 s, so the pipeline builds through a
`DocsWorker`: a child process that imports GX as soon as the run starts and
validates the samples when they are ready.

Run by hand: `python -m data_contracts.data_docs <warehouse.duckdb> <folder>`
while no pipeline run holds the warehouse.
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import duckdb

from data_contracts.contract import contract_path, load_contract
from data_contracts.contract_sql import _TIMESTAMP_SQL, quote
from data_contracts.entities import ENTITIES

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_ROWS = 20_000
# GX's default site location inside a file project.
SITE_INDEX = Path("gx", "uncommitted", "data_docs", "local_site", "index.html")


class DocsBuildError(Exception):
    """GX could not build the Data Docs site; the message carries its error."""


@dataclass(frozen=True)
class SuiteResult:
    """How one contract suite fared on its table's sample."""

    suite: str
    sample_rows: int
    success: bool
    expectations: int
    failed_expectations: int


@dataclass(frozen=True)
class DocsSite:
    """A built Data Docs site and what it shows."""

    index: Path
    suites: tuple[SuiteResult, ...]
    # Seconds: `build`, and from a worker `gx_import` and `idle` (import done to
    # request; zero means the caller waited for the import).
    timings: dict[str, float]


def site_index(project_dir: Path) -> Path:
    """The site's front page inside a project folder this module built."""
    return project_dir / SITE_INDEX


def write_samples(
    con: duckdb.DuckDBPyConnection, folder: Path, sample_rows: int
) -> dict[str, Path]:
    """A Parquet sample of every raw table that exists, keyed by table name."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = {}
    for entity in ENTITIES:
        if not _has_table(con, entity.table):
            continue
        path = folder / f"{entity.table}.parquet"
        _sample(con, entity, sample_rows).write_parquet(str(path))
        samples[entity.table] = path
    return samples


def build_site(samples: dict[str, Path], project_dir: Path, now: datetime) -> DocsSite:
    """Validate each sample with its contract suite in GX and build the site.

    Args:
        samples: Parquet files of typed rows, keyed by raw table name.
        project_dir: The GX project folder; replaced as a whole on success.
        now: The value of the suites' `now` parameter.

    Returns:
        The site's index page and each suite's result.
    """
    started = time.perf_counter()
    project_dir = project_dir.resolve()
    project_dir.parent.mkdir(parents=True, exist_ok=True)
    building = project_dir.with_name(f".{project_dir.name}-{uuid.uuid4().hex[:8]}")
    try:
        suites = _validate(samples, building, now)
        _swap_in(building, project_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    built = round(time.perf_counter() - started, 2)
    return DocsSite(site_index(project_dir), suites, {"build": built})


def build_data_docs(
    con: duckdb.DuckDBPyConnection,
    project_dir: Path,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> str:
    """Validate a sample of every raw table with GX, in this process.

    Returns:
        The URL of the local Data Docs site.
    """
    with tempfile.TemporaryDirectory() as folder:
        samples = write_samples(con, Path(folder), sample_rows)
        site = build_site(samples, project_dir, datetime.now(UTC))
    return site.index.as_uri()


def _validate(
    samples: dict[str, Path], project_dir: Path, now: datetime
) -> tuple[SuiteResult, ...]:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    started = time.perf_counter()
    context = gx.get_context(mode="file", project_root_dir=project_dir)
    # Progress bars would fill the run log with carriage returns.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    source = context.data_sources.add_or_update_pandas("cdp_contracts")
    results = []
    for table, path in samples.items():
        frame = pd.read_parquet(path)
        suite_json = json.loads(contract_path(table).read_text())
        suite = context.suites.add(ExpectationSuite(**suite_json))
        asset = source.add_dataframe_asset(name=table)
        batch = asset.add_batch_definition_whole_dataframe("sample")
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(data=batch, suite=suite, name=table)
        )
        result = validation.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={"now": now},
        )
        statistics = result.statistics
        results.append(
            SuiteResult(
                suite=suite.name,
                sample_rows=len(frame),
                success=bool(result.success),
                expectations=int(statistics["evaluated_expectations"]),
                failed_expectations=int(statistics["unsuccessful_expectations"]),
            )
        )
    validated = time.perf_counter()
    context.build_data_docs()
    logger.info(
        "GX validated %d tables (%d sampled rows) in %.1f s, built the site in %.1f s",
        len(results),
        sum(r.sample_rows for r in results),
        validated - started,
        time.perf_counter() - validated,
    )
    return tuple(results)


def _swap_in(building: Path, project_dir: Path) -> None:
    """Replace `project_dir` with `building`; a reader sees one or the other."""
    retired = building.with_name(building.name + "-old")
    if project_dir.exists():
        project_dir.rename(retired)
    building.rename(project_dir)
    shutil.rmtree(retired, ignore_errors=True)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'raw' and table_name = ?",
        [table],
    ).fetchall()
    return rows[0][0] > 0


def _sample(
    con: duckdb.DuckDBPyConnection, entity, sample_rows: int
) -> duckdb.DuckDBPyRelation:
    """Raw and quarantined rows together, typed as the SQL rules read them."""
    contract = load_contract(entity.table)
    typed = {}
    for rule in contract.rules:
        if rule.type != "expect_column_values_to_be_between" or rule.column is None:
            continue
        column = quote(rule.column)
        fmt = rule.meta.get("timestamp_format")
        if fmt:
            parsed = _TIMESTAMP_SQL[fmt].format(v=column)
            typed[rule.column] = f"timezone('UTC', {parsed}) as {column}"
        else:
            typed[rule.column] = f"try_cast({column} as double) as {column}"
    # Only the columns the suite names: GX copies every column of the frame for
    # each expectation, so the others would only cost time.
    referenced = {rule.column for rule in contract.rules}
    names = [c.name for c in entity.raw_columns if c.name in referenced] or [
        c.name for c in entity.raw_columns if c.name != "_extra"
    ]
    select = ", ".join(typed.get(n, quote(n)) for n in names)
    union = (
        f"select {', '.join(quote(n) for n in names)} from raw.{entity.table}"
        f" union all select {', '.join(quote(n) for n in names)}"
        f" from quarantine.{entity.table}"
    )
    return con.sql(
        f"select {select} from ({union})"
        f" using sample reservoir({sample_rows} rows) repeatable (42)"
    )


class DocsWorker:
    """A child process that imports GX early and builds the site on request.

    `start` costs nothing in this process; the child spends the import time
    while the caller does other work, then `build` hands it the samples and
    waits. A child builds one site; a later `build` (a retried step) starts a
    fresh one.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        if self._process is None:
            # Kept open for the child's life and closed when it is done.
            self._log = tempfile.TemporaryFile()  # noqa: SIM115
            self._process = subprocess.Popen(
                [sys.executable, "-m", "data_contracts.data_docs", "--worker"],
                stdin=subprocess.PIPE,
                stdout=self._log,
                stderr=self._log,
            )

    def build(
        self, samples: dict[str, Path], project_dir: Path, timeout_s: float = 600
    ) -> DocsSite:
        """Build the site from `samples` into `project_dir` and describe it."""
        self.start()
        process, log = self._process, self._log
        assert process is not None and log is not None
        self._process, self._log = None, None
        try:
            return _ask(process, log, samples, project_dir, timeout_s)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._log is not None:
            self._log.close()
        self._process, self._log = None, None


def _ask(
    process: subprocess.Popen,
    log: IO[bytes],
    samples: dict[str, Path],
    project_dir: Path,
    timeout_s: float,
) -> DocsSite:
    with tempfile.TemporaryDirectory() as folder:
        answer = Path(folder) / "site.json"
        request = {
            "samples": {table: str(path) for table, path in samples.items()},
            "project_dir": str(project_dir),
            "now": datetime.now(UTC).isoformat(),
            "answer": str(answer),
        }
        try:
            process.communicate(json.dumps(request).encode() + b"\n", timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise DocsBuildError(
                f"GX did not build the Data Docs within {timeout_s:.0f} s."
            ) from None
        code = process.returncode
        if code != 0 or not answer.exists():
            how = (
                f"was killed by signal {-code} (out of memory?)"
                if code < 0
                else f"exited with code {code}"
            )
            log.seek(0)
            tail = log.read().decode("utf-8", "replace")[-4000:]
            raise DocsBuildError(
                f"GX failed to build the Data Docs: its worker {how}.\n{tail}"
            )
        site = json.loads(answer.read_text())
    return DocsSite(
        Path(site["index"]),
        tuple(SuiteResult(**s) for s in site["suites"]),
        site["timings"],
    )


def _serve_one_request() -> None:
    """The worker: import GX, wait for one request on stdin, answer in a file."""
    # The import runs beside the pipeline's first steps. At a lower priority it
    # takes less CPU from them; the docs step runs last, so the import has the
    # whole run to finish (nice 10 starved it on a busy machine).
    os.nice(5)
    started = time.perf_counter()
    import great_expectations  # noqa: F401  (the slow part, done before the request)

    imported = time.perf_counter()
    line = sys.stdin.readline()
    if not line:
        return  # the run ended without asking for the site
    requested = time.perf_counter()
    request = json.loads(line)
    site = build_site(
        {table: Path(path) for table, path in request["samples"].items()},
        Path(request["project_dir"]),
        datetime.fromisoformat(request["now"]),
    )
    timings = site.timings | {
        "gx_import": round(imported - started, 2),
        "idle": round(requested - imported, 2),
    }
    answer = {
        "index": str(site.index),
        "suites": [asdict(s) for s in site.suites],
        "timings": timings,
    }
    Path(request["answer"]).write_text(json.dumps(answer))


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    # GX logs every data asset's config substitution at INFO.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    if sys.argv[1:] == ["--worker"]:
        _serve_one_request()
        # The answer is written; tearing down GX's modules takes a second or
        # more that the waiting pipeline step would pay for nothing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    warehouse, project = Path(sys.argv[1]), Path(sys.argv[2])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        site = build_data_docs(con, project)
    sys.stdout.write(f"{site}\n")


if __name__ == "__main__":
    main()
