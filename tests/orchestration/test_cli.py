from click.testing import CliRunner

from orchestration.cli import main


def test_bad_configuration_is_one_clear_sentence(monkeypatch):
    monkeypatch.setenv("CDP_LOG_LEVEL", "loud")

    result = CliRunner().invoke(main, ["summary"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid configuration: log_level")
    assert "Traceback" not in result.output


def test_summary_before_any_run_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("CDP_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(main, ["summary"])

    assert result.exit_code == 1
    assert f"The warehouse {tmp_path / 'warehouse.duckdb'} does not exist yet" in (
        result.output
    )
    assert "run the pipeline first" in result.output


def test_generate_writes_the_landing_folder(tmp_path):
    result = CliRunner().invoke(
        main, ["generate", "--people", "50", "--seed", "3", "--out", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "landing" / "shop" / "customers_export.csv").is_file()
    assert (tmp_path / "truth" / "records.parquet").is_file()
