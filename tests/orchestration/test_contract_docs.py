"""The contracts' GX Data Docs as a pipeline step."""

import json
from pathlib import Path

import dagster as dg
import pytest

from data_contracts.contract import CONTRACTS_DIR
from orchestration.definitions import defs
from orchestration.ingestion.assets import source_assets
from orchestration.ingestion.contract_docs import (
    ContractDocsResource,
    contract_data_docs,
)
from orchestration.resources import LandingResource, WarehouseResource
from synthetic import generate

SUITES = sorted(path.stem for path in CONTRACTS_DIR.glob("*.json"))


def test_the_docs_step_is_in_the_full_pipeline_after_every_raw_table() -> None:
    job = defs.resolve_job_def("full_pipeline")
    graph = defs.resolve_asset_graph()

    assert dg.AssetKey("contract_data_docs") in job.asset_layer.executable_asset_keys
    parents = graph.get(dg.AssetKey("contract_data_docs")).parent_keys
    assert parents == {dg.AssetKey(["raw", suite]) for suite in SUITES}


@pytest.mark.slow
def test_a_run_builds_a_site_naming_every_contract_suite(tmp_path: Path) -> None:
    # Slow: the GX worker's import alone takes 6 to 10 s.
    data = tmp_path / "data"
    generate(people=300, seed=3, out=data, progress=False)
    docs = tmp_path / "contract_docs"
    resources = {
        "warehouse": WarehouseResource(path=str(data / "warehouse.duckdb")),
        "landing": LandingResource(path=str(data / "landing")),
        "contract_docs": ContractDocsResource(path=str(docs), sample_rows=500),
    }

    result = dg.materialize([*source_assets, contract_data_docs], resources=resources)

    (materialization,) = result.asset_materializations_for_node("contract_data_docs")
    site = Path(materialization.metadata["site"].value)
    # Where README and the run summary say it is.
    assert site == docs / "gx/uncommitted/data_docs/local_site/index.html"
    index = site.read_text()
    for suite in SUITES:
        assert f"expectations/{suite}.html" in index
        assert f"validations/{suite}/" in index
    # Every suite was validated by GX itself on at most the bounded sample.
    results = [
        json.loads(path.read_text())
        for path in (docs / "gx" / "uncommitted" / "validations").rglob("*.json")
    ]
    assert sorted(r["suite_name"] for r in results) == SUITES
    assert all(r["statistics"]["evaluated_expectations"] > 0 for r in results)
    assert materialization.metadata["sampled_rows"].value <= 500 * len(SUITES)
    # No half-built project is left beside the site.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract_docs", "data"]


def test_a_killed_docs_worker_is_reported_and_not_reused(tmp_path):
    from data_contracts.data_docs import DocsBuildError, DocsWorker

    worker = DocsWorker()
    worker.start()
    first = worker._process
    first.kill()
    first.wait()

    with pytest.raises(DocsBuildError, match="killed by signal 9"):
        worker.build({}, tmp_path / "docs", timeout_s=30)
    worker.start()
    try:
        # A retried step gets a fresh child, not the dead one.
        assert worker._process is not None and worker._process is not first
        assert worker._process.poll() is None
    finally:
        worker.stop()
