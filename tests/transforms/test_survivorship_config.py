"""A mistyped survivorship var stops dbt with one sentence naming the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from orchestration.transforms.paths import dbt_project_args

# One dbt parse and compile per case, a few seconds each.
pytestmark = pytest.mark.slow

_GOOD = "{rule: source_priority, sources: [shop, support, email, web]}"


def _rules(**groups: str) -> str:
    rules = dict.fromkeys(["name", "email", "phone", "birth_date", "address"], _GOOD)
    rules.update(groups)
    body = ", ".join(f"{group}: {rule}" for group, rule in rules.items() if rule)
    return "{survivorship: {" + body + "}}"


@pytest.mark.parametrize(
    ("survivorship", "message"),
    [
        # An unknown rule name.
        (
            _rules(email="{rule: newest}"),
            "survivorship rule for 'email' must be one of source_priority, "
            "most_recent, most_frequent, not 'newest'.",
        ),
        # A group left out of an override (the var is replaced, not merged).
        (
            _rules(phone=""),
            "survivorship has no rule for 'phone': add it to the survivorship "
            "var in transforms/dbt_project.yml or to --vars.",
        ),
        # A source the platform does not have.
        (
            _rules(address="{rule: most_recent, sources: [shop, crm]}"),
            "survivorship sources for 'address' name unknown source 'crm': use "
            "shop, support, email or web.",
        ),
    ],
)
def test_bad_survivorship_rule_is_named(
    warehouse: Path, tmp_path: Path, survivorship: str, message: str
) -> None:
    os.environ["CDP_WAREHOUSE_PATH"] = str(warehouse)
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--select",
                "dim_customers",
                "--vars",
                survivorship,
                *dbt_project_args(tmp_path / "target", tmp_path / "logs"),
                "--quiet",
            ]
        )
    finally:
        os.environ.pop("CDP_WAREHOUSE_PATH", None)
    assert not result.success
    errors = [str(result.exception)] + [
        str(node.message) for node in (result.result or [])
    ]
    assert any(message in error for error in errors), errors
