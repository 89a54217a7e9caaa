from pathlib import Path

import pytest
import yaml

from orchestration.runner import prepare_dagster_home
from orchestration.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    # Settings read the working directory (cdp.yml) and CDP_* variables.
    monkeypatch.chdir(tmp_path)
    for name in ("CDP_CONFIG", "CDP_DATA_DIR", "CDP_WAREHOUSE_PATH", "CDP_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)


def test_paths_derive_from_the_data_folder(tmp_path):
    settings = load_settings()

    assert settings.data_dir == tmp_path / "data"
    assert settings.warehouse_path == tmp_path / "data" / "warehouse.duckdb"
    assert settings.landing_dir == tmp_path / "data" / "landing"


def test_environment_overrides_the_yaml_file(monkeypatch, tmp_path):
    Path("cdp.yml").write_text("data_dir: from_yaml\nlog_level: debug\n")
    monkeypatch.setenv("CDP_LOG_LEVEL", "warning")

    settings = load_settings()

    assert settings.data_dir == tmp_path / "from_yaml"
    assert settings.log_level == "WARNING"


def test_an_explicit_warehouse_path_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("CDP_WAREHOUSE_PATH", str(tmp_path / "elsewhere.duckdb"))

    assert load_settings().warehouse_path == tmp_path / "elsewhere.duckdb"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        # A typo in a level name must not silently fall back to INFO.
        ("CDP_LOG_LEVEL", "loud", "log_level: Value error, must be one of DEBUG"),
        ("CDP_DUCKDB_THREADS", "0", "duckdb_threads: Input should be greater"),
        ("CDP_DUCKDB_MEMORY_LIMIT", "lots", "must be a size such as '4GB'"),
    ],
)
def test_invalid_values_name_the_setting(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert message in str(error.value)
    assert str(error.value).startswith("Invalid configuration: ")


def test_unknown_yaml_key_is_refused():
    Path("cdp.yml").write_text("warehouse_pth: x.duckdb\n")

    with pytest.raises(ConfigError, match="unknown setting 'warehouse_pth'"):
        load_settings()


def test_missing_config_file_is_named(monkeypatch):
    monkeypatch.setenv("CDP_CONFIG", "nowhere.yml")

    with pytest.raises(ConfigError, match=r"CDP_CONFIG names nowhere\.yml"):
        load_settings()


def test_a_dagster_home_without_the_pool_limit_is_flagged(tmp_path, caplog):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    prepare_dagster_home(load_settings(dagster_home=home))

    assert "does not limit concurrency pools to 1" in caplog.text


def test_a_new_dagster_home_serialises_warehouse_writers(tmp_path, caplog):
    home = tmp_path / "home"

    prepare_dagster_home(load_settings(dagster_home=home))

    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert "does not limit" not in caplog.text
