"""Data contracts: the Great Expectations suites in `contracts/`, read as rules.

Each suite is a GX 1.x `ExpectationSuite` saved as JSON, named after its raw
table (`shop_orders.json`). The data team edits these files; the loader never
hard-codes a rule. Loading a suite here does not import GX (its import alone
takes seconds): the JSON is read directly and every expectation is translated
into a DuckDB SQL predicate (`contract_sql.py`). `data_docs.py` runs GX itself.

Severity comes from the expectation's own `severity` field: `critical` rows are
quarantined, `warning` rows are loaded and counted. The suite's
`meta.max_bad_row_share` is the share of quarantined rows above which a file
fails its Dagster asset check.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTRACTS_DIR = Path(__file__).parent / "contracts"
DEFAULT_MAX_BAD_ROW_SHARE = 0.01


class ContractError(Exception):
    """A contract file that cannot be used: names the file and the problem."""


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite."""

    type: str
    kwargs: dict
    meta: dict
    severity: str  # critical, warning or info

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")


@dataclass(frozen=True)
class Contract:
    """The rules for one raw table."""

    name: str  # the raw table, e.g. shop_orders
    rules: tuple[Rule, ...]
    max_bad_row_share: float

    @property
    def required_columns(self) -> list[str]:
        return [r.column for r in self.rules if r.type == "expect_column_to_exist"]

    @property
    def unique_column(self) -> str | None:
        """The natural event id: duplicates of it are loaded once."""
        for rule in self.rules:
            if rule.type == "expect_column_values_to_be_unique":
                return rule.column
        return None


def contract_path(table: str, folder: Path = CONTRACTS_DIR) -> Path:
    return folder / f"{table}.json"


# Cached per process: an edited contract applies once the Dagster code
# location reloads (or the next `cdp run`), not in a run already going.
@cache
def load_contract(table: str, folder: Path = CONTRACTS_DIR) -> Contract:
    """The contract of a raw table, read from `<folder>/<table>.json`."""
    path = contract_path(table, folder)
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractError(
            f"No data contract for {table}: add {path} (a GX expectation suite)."
        ) from None
    except json.JSONDecodeError as error:
        raise ContractError(f"Contract {path} is not valid JSON ({error}).") from None
    rules = tuple(
        Rule(
            type=item["type"],
            kwargs=dict(item.get("kwargs") or {}),
            meta=dict(item.get("meta") or {}),
            severity=item.get("severity") or "critical",
        )
        for item in suite.get("expectations", [])
    )
    meta = suite.get("meta") or {}
    share = float(meta.get("max_bad_row_share", DEFAULT_MAX_BAD_ROW_SHARE))
    return Contract(name=suite.get("name", table), rules=rules, max_bad_row_share=share)
