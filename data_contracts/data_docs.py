"""Great Expectations Data Docs for the contracts, built from a sample.

The loader evaluates the contracts in DuckDB SQL (`contract_sql.py`); this
module runs GX itself over a sample of each table's evaluated rows (raw and
quarantine together) so a person can browse the suites and their results in
GX's own site. Values are typed first as the SQL evaluator reads them
(numbers for numeric ranges, UTC datetimes for timestamp ranges); a value that
does not parse becomes null here and GX skips it, where the SQL evaluator
fails it, so the site can under-count those failures.

Run: `python -m data_contracts.data_docs <warehouse.duckdb> <project folder>`
while no pipeline run holds the warehouse.
"""

import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from data_contracts.contract import contract_path, load_contract
from data_contracts.contract_sql import _TIMESTAMP_SQL, quote
from data_contracts.entities import ENTITIES

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_ROWS = 20_000


def build_data_docs(
    con: duckdb.DuckDBPyConnection,
    project_dir: Path,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> str:
    """Validate a sample of every raw table with GX and build its Data Docs.

    Returns:
        The URL of the local Data Docs site.
    """
    # GX takes 5 to 15 s to import; only this tool pays for it.
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    started = time.perf_counter()
    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=project_dir)
    source = context.data_sources.add_or_update_pandas("cdp_contracts")
    now = datetime.now(UTC)
    for entity in ENTITIES:
        if not _has_table(con, entity.table):
            continue
        frame = _sample(con, entity, sample_rows)
        suite_json = json.loads(contract_path(entity.table).read_text())
        suite = context.suites.add_or_update(ExpectationSuite(**suite_json))
        asset = source.add_dataframe_asset(name=entity.table)
        batch = asset.add_batch_definition_whole_dataframe("sample")
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(data=batch, suite=suite, name=entity.table)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{entity.table}_contract",
                validation_definitions=[validation],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            )
        )
        result = checkpoint.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={"now": now},
        )
        logger.info(
            "GX validated %d sampled rows of %s: success %s",
            len(frame),
            entity.table,
            result.success,
        )
    site = context.get_docs_sites_urls()[0]["site_url"]
    logger.info("built Data Docs in %.1f s: %s", time.perf_counter() - started, site)
    return site


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'raw' and table_name = ?",
        [table],
    ).fetchall()
    return rows[0][0] > 0


def _sample(con: duckdb.DuckDBPyConnection, entity, sample_rows: int):
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
    names = [c.name for c in entity.raw_columns if c.name != "_extra"]
    select = ", ".join(typed.get(n, quote(n)) for n in names)
    union = (
        f"select {', '.join(quote(n) for n in names)} from raw.{entity.table}"
        f" union all select {', '.join(quote(n) for n in names)}"
        f" from quarantine.{entity.table}"
    )
    return con.sql(
        f"select {select} from ({union})"
        f" using sample reservoir({sample_rows} rows) repeatable (42)"
    ).df()


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    warehouse, project = Path(sys.argv[1]), Path(sys.argv[2])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        site = build_data_docs(con, project)
    sys.stdout.write(f"{site}\n")


if __name__ == "__main__":
    main()
