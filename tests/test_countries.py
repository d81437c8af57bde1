import csv

import pytest

from culturebench.countries import (
    GROUND_TRUTHS,
    MissingScoreError,
    UnknownCountryError,
    all_countries,
    countries_with_score,
    get_country,
    hofstede_score,
    hofstede_scores,
)
from culturebench.dimensions import DIMENSIONS
from culturebench.resources import dataset_dir

SEED003 = "BD CN EG FR DE IN ID IR JP KR PK PH PT RU ES TZ TH TR US VN".split()


def test_registry_holds_both_seeds_countries():
    codes = [c.alpha2 for c in all_countries()]
    assert len(codes) == len(set(codes)) == 45
    assert set(SEED003) <= set(codes)
    assert sum(1 for c in all_countries() if c.resource_level_source == "seed001") == 36
    for c in all_countries():
        assert len(c.lang) == 2 and "_" in c.nllb and c.resource_level in {"high", "mid", "low"}


def test_lookup_by_code_or_name():
    assert get_country("jp").name == "Japan"
    assert get_country("South Korea").alpha2 == "KR"
    assert get_country("US").name_in_text == "the United States"


def test_unknown_country_names_it_and_the_choices():
    with pytest.raises(UnknownCountryError) as e:
        get_country("Atlantis")
    assert "Atlantis" in str(e.value) and "US" in str(e.value)


def test_missing_score_is_a_clear_error():
    with pytest.raises(MissingScoreError) as e:
        hofstede_score("AL", "PDI", "hofstede_2015")  # the 2015 table has only LTO and IVR for Albania
    assert "AL" in str(e.value) and "PDI" in str(e.value)
    with pytest.raises(MissingScoreError):
        hofstede_score("KZ", "IDV", "hofstede_2015")  # not in the 2015 table at all
    with pytest.raises(MissingScoreError):
        hofstede_score("US", "IVR", "hofstede_insights")  # seed 001 had no IVR
    with pytest.raises(ValueError, match="unknown ground truth"):
        hofstede_scores("IDV", "wikipedia")
    with pytest.raises(ValueError, match="unknown Hofstede dimension"):
        hofstede_scores("XYZ")


def test_scores_known_values():
    assert hofstede_score("US", "IDV", "hofstede_2015") == 91
    assert hofstede_score("US", "IDV", "hofstede_insights") == 60
    assert hofstede_score("JP", "MAS", "hofstede_insights") == 95
    assert hofstede_score("PK", "IVR", "hofstede_2015") == 0  # a real zero, not missing


def test_countries_with_score_covers_either_truth():
    assert "KZ" in countries_with_score("IDV")  # insights only
    assert "BD" in countries_with_score("IVR")  # 2015 only
    assert "KZ" not in countries_with_score("IVR")


def test_hofstede_2015_matches_the_published_table(reference):
    src = reference / "vsm2013-reference" / "geerthofstede_6-dimensions-for-website-2015-08-16.csv"
    with src.open() as f:
        rows = {r["country"]: r for r in csv.DictReader(f, delimiter=";")}
    cols = dict(PDI="pdi", IDV="idv", MAS="mas", UAI="uai", LTO="ltowvs", IVR="ivr")
    with (dataset_dir("countries") / "data" / "hofstede_2015.csv").open() as f:
        ours = list(csv.DictReader(f))
    assert len(ours) == 42
    for row in ours:
        published = rows[row["source_label"]]
        for dim in DIMENSIONS:
            if published[cols[dim]] == "#NULL!":
                assert row[dim] == "", (row["alpha2"], dim)
                with pytest.raises(MissingScoreError):
                    hofstede_score(row["alpha2"], dim, "hofstede_2015")
            else:
                assert hofstede_score(row["alpha2"], dim, "hofstede_2015") == float(published[cols[dim]])


def test_hofstede_insights_matches_seed001_table4(reference):
    src = reference / "multilingual-ai-alignment" / "derived" / "hofstede_country_scores_36.csv"
    cols = dict(
        PDI="Power_Distance_Index_Score",
        IDV="Individualistic_Collectivist_Score",
        MAS="MAS_Score",
        UAI="Uncertainty_Avoidance_Score",
        LTO="Long_Term_Orientation_Score",
    )
    with src.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 36
    for r in rows:
        code = get_country(r["Target_Nationality"].removeprefix("The ")).alpha2
        assert get_country(code).resource_level == r["Resource_Level"].lower()
        for dim, col in cols.items():
            assert hofstede_score(code, dim, "hofstede_insights") == float(r[col])


def test_ground_truths_are_cited():
    assert all("20" in cite for cite in GROUND_TRUTHS.values())
