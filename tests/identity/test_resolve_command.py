"""`cdp identity resolve`: any files, any layout, described by a mapping."""

import polars as pl
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from tests.identity.builders import generate_records


@pytest.fixture
def files(tmp_path, population):
    """The generated people split into two files with layouts never seen before."""
    records, truth = population
    crm = records.filter(pl.col("source").is_in(["shop", "email"]))
    desk = records.filter(pl.col("source").is_in(["support", "web"]))
    crm.select(
        Kundennummer=pl.col("source") + "-" + pl.col("source_record_id"),
        Vorname="first_name",
        Nachname="last_name",
        **{
            "E-Mail": "email",
            "Telefon": "phone",
            "Geburtsdatum": "birth_date",
            "Strasse": "street",
            "Hausnummer": "house_number",
            "PLZ": "postcode",
        },
    ).write_csv(tmp_path / "crm.csv")
    desk.select(
        ticket_user=pl.col("source") + "-" + pl.col("source_record_id"),
        full_first="first_name",
        surname="last_name",
        mail="email",
        mobile="phone",
    ).write_parquet(tmp_path / "desk.parquet")
    (tmp_path / "mapping.yml").write_text(
        """
files:
  - source: crm
    path: crm.csv
    id_column: Kundennummer
    columns:
      first_name: Vorname
      last_name: Nachname
      email: E-Mail
      phone: Telefon
      birth_date: Geburtsdatum
      street: Strasse
      house_number: Hausnummer
      postcode: PLZ
  - source: desk
    path: desk.parquet
    id_column: ticket_user
    columns:
      first_name: full_first
      last_name: surname
      email: mail
      phone: mobile
"""
    )
    truth = truth.select(
        record_id=pl.col("source") + "-" + pl.col("source_record_id"),
        person_id="person_id",
    )
    return tmp_path, truth


def _invoke(*args: str):
    return CliRunner().invoke(main, ["identity", "resolve", *args])


@pytest.mark.slow
def test_resolve_links_files_of_an_unseen_layout(files):
    folder, truth = files
    out = folder / "out" / "clusters.csv"

    result = _invoke("--config", str(folder / "mapping.yml"), "--out", str(out))

    assert result.exit_code == 0, result.output
    clusters = pl.read_csv(out, infer_schema=False)
    assert clusters.columns == ["source", "record_id", "customer_id", "cluster_size"]
    assert clusters.height == truth.height
    from identity.evaluation import pairwise_scores

    scores = pairwise_scores(
        clusters.with_columns(source_record_id="record_id"),
        truth.with_columns(
            source=pl.when(pl.col("record_id").str.contains("^(shop|email)-"))
            .then(pl.lit("crm"))
            .otherwise(pl.lit("desk")),
            source_record_id="record_id",
        ),
    )
    # Without account keys the files hold less evidence than the warehouse.
    assert scores.precision >= 0.97
    assert scores.recall >= 0.5


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        # Unknown canonical field.
        (
            "files:\n  - path: a.csv\n    id_column: id\n    columns: {nickname: n}\n",
            "File entry 1 maps unknown field(s) nickname; the fields are",
        ),
        # A column the file does not have.
        (
            "files:\n  - path: a.csv\n    id_column: id\n    columns: {email: mail}\n",
            "has no column(s) mail; its columns are id, email.",
        ),
        # A file type we cannot read.
        (
            "files:\n  - path: a.xlsx\n    id_column: id\n    columns: {email: e}\n",
            "is neither CSV nor Parquet; give a .csv or .parquet file.",
        ),
        # Missing keys in an entry.
        ("files:\n  - path: a.csv\n", "File entry 1 lacks id_column, columns"),
        # Unknown top-level setting.
        (
            "threshold: 0.9\nfiles:\n  - path: a.csv\n    id_column: id\n"
            "    columns: {email: email}\n",
            "Unknown setting(s) threshold in",
        ),
        # Repeated ids.
        (
            "files:\n  - path: dup.csv\n    id_column: id\n"
            "    columns: {email: email}\n",
            "ids in id repeat; every record needs its own id.",
        ),
    ],
)
def test_resolve_explains_a_bad_mapping(tmp_path, mapping, message):
    (tmp_path / "a.csv").write_text("id,email\n1,a@example.com\n")
    (tmp_path / "dup.csv").write_text("id,email\n1,a@example.com\n1,b@example.com\n")
    (tmp_path / "mapping.yml").write_text(mapping)

    result = _invoke(
        "--config", str(tmp_path / "mapping.yml"), "--out", str(tmp_path / "o.csv")
    )

    assert result.exit_code == 1
    assert message in result.output


def test_resolve_names_a_missing_mapping_file(tmp_path):
    result = _invoke("--config", str(tmp_path / "nope.yml"), "--out", "o.csv")

    assert result.exit_code == 1
    assert f"The mapping file {tmp_path / 'nope.yml'} does not exist." in result.output


def test_builders_are_deterministic():
    first, _ = generate_records(50, seed=3)
    second, _ = generate_records(50, seed=3)
    assert first.equals(second)
