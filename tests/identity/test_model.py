"""The trained model is saved with an offline report and reused."""

import json

from identity.config import IdentityConfig
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
