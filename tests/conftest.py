import os

import pytest


@pytest.fixture(autouse=True)
def _no_platform_settings_from_the_environment(monkeypatch):
    # A developer's CDP_* variables must not point tests at their own warehouse.
    for name in list(os.environ):
        if name.startswith("CDP_"):
            monkeypatch.delenv(name)
    # Runs set DAGSTER_HOME for their process; undo it after each test.
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
