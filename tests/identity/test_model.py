"""The trained model is saved with an offline report and reused."""

import copy
import json
import logging

import pytest

from identity.config import IdentityConfig
from identity.model import load_model
from identity.resolution import resolve


def test_model_is_saved_with_a_report_that_needs_no_internet(model_dir):
    model = json.loads((model_dir / "model.json").read_text())
    report = json.loads((model_dir / "training_report.json").read_text())

    assert model["link_type"] == "dedupe_only"
    assert report["charts"] == ["match_weights.html", "m_u_parameters.html"]
    for chart in report["charts"]:
        html = (model_dir / chart).read_text()
        # Vega is inlined: no script is fetched from a CDN when the page opens.
        assert "<script src" not in html
        assert "vega-lite" in html


def test_a_saved_model_is_reused_until_retraining_is_asked_for(population, model_dir):
    records, _ = population
    before = (model_dir / "model.json").stat().st_mtime_ns

    result = resolve(records.head(300), IdentityConfig(), model_dir=model_dir)

    assert not result.trained
    assert (model_dir / "model.json").stat().st_mtime_ns == before


def _without_last_blocking_rule(settings: dict) -> dict:
    rules = settings["blocking_rules_to_generate_predictions"]
    return settings | {"blocking_rules_to_generate_predictions": rules[:-1]}


def _without_phone_frequencies(settings: dict) -> dict:
    older = copy.deepcopy(settings)
    for comparison in older["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("tf_adjustment_column") == "phone_key":
                del level["tf_adjustment_column"]
    return older


@pytest.mark.parametrize(
    "make_older", [_without_last_blocking_rule, _without_phone_frequencies]
)
def test_a_model_saved_with_other_rules_is_used_with_a_warning(
    model_dir, tmp_path, caplog, make_older
):
    saved = json.loads((model_dir / "model.json").read_text())
    older = make_older(saved)
    (tmp_path / "model.json").write_text(json.dumps(older))

    with caplog.at_level(logging.WARNING, logger="identity.model"):
        current = load_model(model_dir)
        loaded = load_model(tmp_path)

    assert older != saved
    assert current == saved
    assert loaded == older
    assert [record.getMessage() for record in caplog.records] == [
        f"The saved model in {tmp_path} was trained with other blocking rules or "
        "comparisons than this version's: it is used as saved, at a match "
        "threshold chosen for the current ones. Retrain it (the "
        "identity_full_rebuild job with retrain: true)."
    ]
