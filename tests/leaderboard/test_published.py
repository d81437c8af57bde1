"""The published-studies tab shows the numbers the seed recompute tests check, with the source and the caveat."""

from __future__ import annotations

import pandas as pd
import pytest
from gradio_client import Client

from culturebench.benchmarks.hofstede.leaderboard import SEED001_PERSONAS
from culturebench.leaderboard.published import CAVEAT, published_tables
from tests.benchmarks.hofstede.test_seed001_recompute import CASES
from tests.benchmarks.selfconcept.test_seed000_recompute import SEED, TOL

SEED000_TABLES = {
    "Seed 000: self-construal and safety scores, four models (analysis_4model)": "analysis_4model",
    "Seed 000: self-construal and safety scores, round-2 models (analysis_full)": "analysis_full",
}
SEED001_TABLE = "Seed 001: persona alignment r per model and dimension"


@pytest.fixture(scope="module")
def tab(served, reference):
    """{title: (about text, rows)} as the app's /published endpoint gives them."""
    client = Client(served, verbose=False)
    out = {}
    for title in [*SEED000_TABLES, SEED001_TABLE, "Seed 003: deviation ratio per country, averaged over ten models"]:
        about, value = client.predict(title, api_name="/published")
        out[title] = (about, pd.DataFrame(value["data"], columns=value["headers"]))
    return out


@pytest.mark.parametrize("title", list(SEED000_TABLES))
def test_seed000_scores_match_the_published_tables(tab, reference, title):
    about, rows = tab[title]
    assert "Recomputed by culturebench" in about and CAVEAT in about
    rows = rows.set_index("model")
    folder = reference / SEED / SEED000_TABLES[title]
    checked = 0
    for name in ("self_construal_scores.csv", "safety_behavior_scores.csv"):
        published = pd.read_csv(folder / name).set_index("model_display_name")
        assert sorted(rows.index) == sorted(published.index)
        for column in (c for c in published.columns if c != "cultural_group"):
            ours = rows.loc[published.index, column].astype(float)
            assert ((ours - published[column]).abs() <= TOL).all(), (name, column)
            checked += 1
    assert checked >= 6


def test_seed001_correlations_match_table_2(tab):
    about, rows = tab[SEED001_TABLE]
    assert "Table 2" in about and "n = 36" in about
    assert len(rows) == len(CASES) == len(SEED001_PERSONAS)
    by_file = rows.set_index("file")
    for path, _score, pole, published in CASES:
        row = by_file.loc[path]
        assert round(float(row["pearson_r"]), 4) == pytest.approx(published, abs=1e-9)
        assert row["pole counted"] == pole and int(row["n_countries"]) == 36 and float(row["p_value"]) > 0.05
        assert float(row["ci_low"]) <= float(row["pearson_r"]) <= float(row["ci_high"])


def test_typed_in_tables_need_no_reference_data_and_are_never_ranked():
    titles = [t["title"] for t in published_tables(None)]
    assert titles == ["Seed 003: deviation ratio per country, averaged over ten models", "The seeds' models"]
    table3 = published_tables(None)[0]
    assert table3["source"].endswith("Table 3") and len(table3["rows"]) == 20
    assert table3["rows"][0] == ["United States", 1.99] and table3["rows"][-1] == ["Bangladesh", 0.59]
    assert all("rank" not in t["columns"] for t in published_tables(None))
