"""The contracts' Great Expectations Data Docs, rebuilt on every pipeline run.

The row-level verdicts stay in SQL (the loader); this step shows the same
suites in GX's own site, run by GX over a bounded sample of each raw table.
"""

import tempfile
import time
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from data_contracts.data_docs import DEFAULT_SAMPLE_ROWS, DocsWorker, write_samples
from data_contracts.entities import ENTITIES
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.settings import Settings


class ContractDocsResource(dg.ConfigurableResource):
    """Where the Data Docs project goes, and the GX worker that builds it.

    Dagster sets resources up when a run starts, before its first step, so the
    worker imports GX (6 to 10 s) while the loads run instead of after them.
    Known shortcoming: the worker holds about 0.5 GB until the docs step ends,
    and under an executor that runs each step in its own process (a UI
    materialization of this asset alone) it starts with the step, which then
    pays the import.
    """

    path: str
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    _worker: DocsWorker | None = PrivateAttr(default=None)

    @property
    def folder(self) -> Path:
        return Path(self.path)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._worker = DocsWorker()
        self._worker.start()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._worker is not None:
            self._worker.stop()

    @property
    def worker(self) -> DocsWorker:
        if self._worker is None:
            self._worker = DocsWorker()
        return self._worker


def contract_docs_resource(settings: Settings) -> ContractDocsResource:
    return ContractDocsResource(path=str(settings.contract_docs_dir))


@dg.asset(
    deps=[dg.AssetKey(["raw", entity.table]) for entity in ENTITIES],
    group_name="raw",
    kinds={"great_expectations"},
    # It only reads, but DuckDB locks the file against every other process
    # while one writes, so it queues with the writers. Known shortcoming: it
    # holds the pool through the GX build too (1.5 to 3 s here, longer on a
    # big site), so a writer started meanwhile waits for it.
    pool=WAREHOUSE_POOL,
    # Last among the steps ready with it: nothing downstream waits for it, and
    # by then the worker has finished importing GX.
    op_tags={"dagster/priority": "-1"},
)
def contract_data_docs(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    contract_docs: ContractDocsResource,
) -> dg.MaterializeResult:
    """Great Expectations Data Docs of every data contract: each suite run by GX
    over a sample of its raw table (loaded and quarantined rows together), so a
    data team can browse the rules and how the latest data fares against them.
    Open index.html (the `site` metadata) in a browser. The authoritative
    verdicts are per row, in the quarantine tables and the `contract` checks.
    """
    # Known shortcoming: a failed blocking `contract` check skips this step like
    # every other downstream one, so the site keeps the previous run's results
    # exactly when a data team looks for them; the check's description and the
    # quarantine tables carry the reasons meanwhile.
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        with warehouse.connect() as con:
            samples = write_samples(con, Path(folder), contract_docs.sample_rows)
        sampled = time.perf_counter()
        site = contract_docs.worker.build(samples, contract_docs.folder)
    failed = [s.suite for s in site.suites if not s.success]
    timings = {"sampling": round(sampled - started, 2), **site.timings}
    context.log.info(
        "GX Data Docs of %d contract suites (%d sampled rows; %d suites with"
        " failed expectations) in %.1f s (%s): %s",
        len(site.suites),
        sum(s.sample_rows for s in site.suites),
        len(failed),
        time.perf_counter() - started,
        ", ".join(f"{step} {seconds} s" for step, seconds in timings.items()),
        site.index,
    )
    return dg.MaterializeResult(
        metadata={
            "site": dg.MetadataValue.path(str(site.index)),
            "suites": len(site.suites),
            "sampled_rows": sum(s.sample_rows for s in site.suites),
            "suites_with_failed_expectations": ", ".join(failed) or "none",
            **{
                f"failed_expectations/{s.suite}": s.failed_expectations
                for s in site.suites
            },
            **{f"seconds/{step}": seconds for step, seconds in timings.items()},
            "duration_s": round(time.perf_counter() - started, 2),
        }
    )
