"""The contracts themselves: real GX suites, translated rules, check verdicts."""

import json
from pathlib import Path

import duckdb
import pytest

from data_contracts.contract import CONTRACTS_DIR, ContractError, load_contract
from data_contracts.contract_sql import broken_rules_sql, reasons_sql
from data_contracts.entities import ENTITIES
from data_contracts.loader import FileLoad
from data_contracts.verdict import judge


def test_every_entity_has_a_contract_whose_rules_translate() -> None:
    for entity in ENTITIES:
        contract = load_contract(entity.table)
        assert contract.name == entity.table
        # Every critical and warning rule becomes SQL DuckDB can bind.
        columns = ", ".join(f"null::varchar as {c.name}" for c in entity.raw_columns)
        with duckdb.connect() as con:
            for severity in ("critical", "warning"):
                sql = (
                    f"select {reasons_sql(contract, severity)} from (select {columns})"
                )
                assert con.sql(sql).fetchall()[0][0] is not None


@pytest.mark.slow
def test_contracts_are_great_expectations_suites() -> None:
    # Importing GX takes 5 to 15 s on this machine, hence slow.
    from great_expectations.core.expectation_suite import ExpectationSuite

    for path in sorted(CONTRACTS_DIR.glob("*.json")):
        suite = ExpectationSuite(**json.loads(path.read_text()))
        assert suite.name == path.stem
        assert len(suite.expectations) >= 5


_RANGE = "is not an ISO 8601 timestamp >= 2000-01-01T00:00:00Z and <= now"


@pytest.mark.parametrize(
    ("timestamp", "received_at", "reasons"),
    [
        # A clean row has no list at all.
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:01.5Z", None),
        # 03:00 at +05:00 is 22:00 UTC the day before 2000: out of range.
        ("2000-01-01T03:00:00+05:00", "2024-01-01T10:00:01Z", [f"timestamp {_RANGE}"]),
        # 23:30 at -01:00 is already 2000 in UTC: in range.
        ("1999-12-31T23:30:00-01:00", "2024-01-01T10:00:01Z", None),
        # Text that does not parse, and a missing value, each give their
        # reason, in the suite's order.
        ("yesterday", "", ["received_at is missing", f"timestamp {_RANGE}"]),
    ],
)
def test_broken_rules_are_null_for_a_clean_row_and_list_every_broken_rule(
    timestamp: str, received_at: str, reasons: list[str] | None
) -> None:
    contract = load_contract("web_events")
    row = (
        "select 'm-1' as message_id, 'track' as type,"
        f" '{timestamp}' as timestamp, '{received_at}' as received_at"
    )
    with duckdb.connect() as con:
        broken, listed = con.sql(
            f"select {broken_rules_sql(contract)}, {reasons_sql(contract)} from ({row})"
        ).fetchall()[0]

    assert broken == reasons
    # The full list, which the contract benchmark uses, says the same.
    assert listed == (reasons or [])


def test_unsupported_expectation_is_named(tmp_path: Path) -> None:
    suite = {
        "name": "shop_orders",
        "expectations": [
            {
                "type": "expect_column_kl_divergence_to_be_less_than",
                "kwargs": {"column": "total"},
            }
        ],
    }
    (tmp_path / "shop_orders.json").write_text(json.dumps(suite))

    with pytest.raises(ContractError) as raised:
        reasons_sql(load_contract("shop_orders", tmp_path))

    assert str(raised.value).startswith(
        "Contract shop_orders uses expect_column_kl_divergence_to_be_less_than,"
        " which the loader cannot evaluate; use one of: "
    )


def test_missing_contract_is_named(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as raised:
        load_contract("crm_contacts", tmp_path)

    assert str(raised.value) == (
        f"No data contract for crm_contacts: add {tmp_path / 'crm_contacts.json'}"
        " (a GX expectation suite)."
    )


def _load(path: str, read: int, loaded: int, quarantined: int, **kw) -> FileLoad:
    return FileLoad(
        "web",
        "events",
        path,
        read,
        loaded,
        False,
        0.1,
        rows_quarantined=quarantined,
        **kw,
    )


@pytest.mark.parametrize(
    ("loads", "problems"),
    [
        # 1 bad row in 100 is exactly the 1% allowed.
        ([_load("a", 100, 99, 1)], ()),
        # 2 in 100 is above it.
        (
            [_load("a", 100, 98, 2)],
            ("a quarantined 2 of 100 rows (2.0%), above the contract's 1.0%",),
        ),
        # A rejected file fails whatever its rows.
        (
            [_load("b", 0, 0, 0, status="rejected", reason="the file is empty")],
            ("b was rejected: the file is empty",),
        ),
        # Counts that do not add up.
        (
            [_load("c", 10, 5, 1)],
            ("c does not reconcile: read 10, accounted for 6",),
        ),
        # Skipped files are not judged again.
        ([FileLoad("web", "events", "d", 0, 0, True, 0.0, status="skipped")], ()),
    ],
)
def test_verdict(loads: list[FileLoad], problems: tuple[str, ...]) -> None:
    verdict = judge(loads, max_bad_row_share=0.01)

    assert verdict.problems == problems
    assert verdict.passed == (not problems)


@pytest.mark.slow
def test_data_docs_site_shows_contract_results(tmp_path: Path, landing: Path) -> None:
    from data_contracts.data_docs import build_data_docs
    from data_contracts.loader import load_landing

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_landing(con, landing)
        site = build_data_docs(con, tmp_path / "gx")

    index = Path(site.removeprefix("file://"))
    assert index.is_file()
    results = [
        json.loads(path.read_text())
        for path in (tmp_path / "gx").rglob("validations/**/*.json")
    ]
    suites = {r["meta"]["active_batch_definition"]["data_asset_name"] for r in results}
    assert suites == {entity.table for entity in ENTITIES}
