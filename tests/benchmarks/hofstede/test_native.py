"""The Hofstede dilemmas in the persona countries' languages: the shipped translations, their builder and the tasks."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.benchmarks.hofstede.metrics import prompt_language_alignment
from culturebench.benchmarks.hofstede.native import LANGUAGES_GROUP, NATIVE_DATASET, native_documents, native_languages
from culturebench.benchmarks.hofstede.report import language_figure, language_markdown
from culturebench.countries import get_country, hofstede_scores
from culturebench.jsonl import read_jsonl
from culturebench.prompts import LETTERS
from culturebench.resources import dataset_dir, tasks_dir
from culturebench.translate.quality import chrf
from tests.conftest import REPO

SOURCE = REPO / "generation" / "hofstede" / "native"
FOLDER = dataset_dir(NATIVE_DATASET)


def _builder():
    spec = importlib.util.spec_from_file_location("hofstede_native_build", SOURCE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _builder()
ENGLISH = json.loads((SOURCE / "en.json").read_text(encoding="utf-8"))
SHIPPED = [row["lang"] for row in native_languages()]
LOST = list(ENGLISH["items"])[7]


def _rows(lang: str) -> dict[str, dict]:
    return {row["id"]: row for _, row in read_jsonl(FOLDER / "data" / f"{lang}.jsonl")}


def test_every_seed001_language_is_shipped():
    """Fails until the translators have delivered all 35 languages; the message names the missing ones."""
    missing = [lang for lang in build.seed001_languages() if lang not in SHIPPED]
    assert missing == [], f"seed-001 languages not in hf_datasets/{NATIVE_DATASET} yet: {', '.join(missing)}"


def test_shipped_languages_hold_every_core_item_with_slots_letters_and_poles():
    english = _rows("en")
    assert len(english) == len(ENGLISH["items"]) == 60 and "en" in SHIPPED and len(SHIPPED) >= 2
    registry = build.seed001_languages()
    for prompt in native_languages():
        lang = prompt["lang"]
        rows = _rows(lang)
        assert list(rows) == list(english), f"{lang}: core items differ from en"
        assert prompt["persona"].count("{country}") == ENGLISH["persona"].count("{country}") == 2, lang
        for letter in "AB":  # ASCII, not run into a Latin word (CJK text may touch it)
            assert re.search(rf"(?<![A-Za-z0-9]){letter}(?![A-Za-z0-9])", prompt["instruction"]), (lang, letter)
        assert prompt["country"] == registry[lang]["alpha2"] and prompt["nllb"] == registry[lang]["nllb"]
        for item_id, row in rows.items():
            assert row["scenario"].strip() and row["question"].strip() and len(row["options"]) == 2, (lang, item_id)
            assert [o["pole"] for o in row["options"]] == [o["pole"] for o in english[item_id]["options"]]
            assert {o["pole"] for o in row["options"]} == {"high", "low"}


def test_shipped_folder_is_what_the_builder_writes(tmp_path):
    """hf_datasets/hofstede_native is rebuilt from the current translations (new languages held out)."""
    extra = tuple(p.stem for p in SOURCE.glob("*.json") if p.stem not in SHIPPED)
    out = build.build(SOURCE, tmp_path / NATIVE_DATASET, exclude=extra)
    shipped = {p.relative_to(FOLDER): p.read_bytes() for p in FOLDER.rglob("*") if p.is_file()}
    built = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert shipped.keys() == built.keys()
    stale = sorted(str(p) for p in shipped if shipped[p] != built[p])
    assert stale == [], f"run `python generation/hofstede/native/build.py`: {stale} differ"


def _source_copy(tmp_path: Path, langs: list[str]) -> Path:
    src = tmp_path / "native"
    (src / "back").mkdir(parents=True)
    for lang in ["en", *langs]:
        shutil.copy(SOURCE / f"{lang}.json", src)
    return src


@pytest.fixture
def two_languages() -> list[str]:
    return [lang for lang in SHIPPED if lang != "en"][:2]


def test_builder_is_idempotent_and_scores_back_translations(tmp_path, two_languages):
    src = _source_copy(tmp_path, two_languages)
    lang = two_languages[0]
    # A planted back-translation: the English itself, but one item's texts replaced by unrelated words.
    back = json.loads(json.dumps(ENGLISH))
    back["items"]["pdi-006"] = {"scenario": "Zebras quietly graze.", "question": "Why?", "options": ["Yes", "No"]}
    (src / "back" / f"{lang}.json").write_text(json.dumps(back), encoding="utf-8")
    # A number the English writes neither in digits nor words: kept, but flagged for review.
    other = json.loads((src / f"{two_languages[1]}.json").read_text(encoding="utf-8"))
    other["items"]["mas-029" if "mas-029" in ENGLISH["items"] else LOST]["question"] += " 777"
    (src / f"{two_languages[1]}.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / NATIVE_DATASET
    build.build(src, out)
    first = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    build.build(src, out)
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == first

    qc = {(r["lang"], r["id"]): r for _, r in read_jsonl(out / "annotations" / "qc.jsonl")}
    assert len(qc) == 2 * len(ENGLISH["items"])
    bad = qc[(lang, "pdi-006")]
    english = ENGLISH["items"]["pdi-006"]
    want = chrf(
        "Zebras quietly graze. Why? Yes No", " ".join([english["scenario"], english["question"], *english["options"]])
    )
    assert bad["chrf"] == pytest.approx(round(want, 2)) and "low_chrf" in bad["flags"]
    assert qc[(lang, "pdi-009")]["chrf"] == 100.0 and "low_chrf" not in qc[(lang, "pdi-009")]["flags"]
    assert all(r["chrf"] is None for (la, _), r in qc.items() if la == two_languages[1])  # no back-translation yet
    added = [r for r in qc.values() if "digits_added" in r["flags"]]
    assert [(r["lang"], r["added_numbers"]) for r in added] == [(two_languages[1], ["question: 777"])]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"- `{lang}` `pdi-006`: low_chrf" in card
    assert "--engine nllb:facebook/nllb-200-distilled-600M --back-translate" in card
    assert "<!-- release:start -->" in card and "content_hash: sha256:" in card
    prompts = [r for _, r in read_jsonl(out / "data" / "prompts.jsonl")]
    assert [p["lang"] for p in prompts] == ["en", *two_languages]


@pytest.mark.parametrize(
    "plant, where",
    [
        (lambda d: d.update(persona=d["persona"].replace("{country}", "X", 1)), "persona has {country} 1 times"),
        (lambda d: d["items"].pop(LOST), f"item {LOST}: missing"),
        (lambda d: d.update(instruction=d["instruction"].replace("A", "А")), "answer letter A"),  # Cyrillic А
        (lambda d: d["items"]["lto-032"]["options"].pop(), "item lto-032: options must be a list of two"),
    ],
)
def test_builder_rejects_a_bad_translation_naming_file_and_id(tmp_path, two_languages, plant, where):
    src = _source_copy(tmp_path, two_languages[:1])
    path = src / f"{two_languages[0]}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    plant(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(build.TranslationError, match=re.escape(where)) as e:
        build.build(src, tmp_path / NATIVE_DATASET)
    assert str(path) in str(e.value)
    assert not (tmp_path / NATIVE_DATASET).exists()  # nothing written from a bad source


def test_builder_rejects_a_changed_digit_and_a_lost_item(tmp_path, two_languages):
    src = _source_copy(tmp_path, two_languages[:1])
    path = src / f"{two_languages[0]}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "26" in data["items"]["lto-004"]["scenario"]
    data["items"]["lto-004"]["scenario"] = data["items"]["lto-004"]["scenario"].replace("26", "27")
    del data["items"]["ivr-020"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(build.TranslationError) as e:
        build.build(src, tmp_path / NATIVE_DATASET)
    message = str(e.value)
    assert f"{path}: item lto-004: scenario lacks the English numbers ['26'] (it has ['27'])" in message
    assert f"{path}: item ivr-020: missing" in message


def test_numbers_ignore_digit_grouping_only_and_spelled_numbers_may_become_digits():
    assert build.numbers("pay 1,500 now") == build.numbers("paga 1.500 ora") == build.numbers("1\u202f500")
    assert build.numbers("40, then 2") != build.numbers("402")
    english = "A three-day trip for twenty-eight people in their thirties, costing 40"
    assert build.added_numbers("3日間、28人、30代、40", english) == []
    assert build.added_numbers("3日間、28人、30代、40、7", english) == ["7"]


def test_native_documents_ask_each_country_in_its_language_and_english_the_same():
    native, english = native_documents("native"), native_documents("en")
    key = ("item_id", "country", "order", "high_index", "dimension", "resource_level")
    assert [tuple(d[k] for k in key) for d in native] == [tuple(d[k] for k in key) for d in english]
    assert {d["country"] for d in native} == {row["country"] for row in native_languages()}
    by_lang = {row["lang"]: row for row in native_languages()}
    for doc in native:
        row = by_lang[doc["lang"]]
        assert doc["country"] == row["country"] and doc["persona"] == "basic"
        assert doc["prompt"].endswith("\n" + row["answer_cue"]) and row["country_name"] in doc["prompt"]
        assert "{country}" not in doc["prompt"] and "\nA. " in doc["prompt"] and "\nB. " in doc["prompt"]
        assert doc["resource_level"] == get_country(doc["country"]).resource_level
    # The English comparison is the English persona task's prompt, item for item.
    persona_docs = {(d["item_id"], d["country"], d["order"]): d["prompt"] for d in hofstede_documents("all", "basic")}
    assert all(persona_docs[(d["item_id"], d["country"], d["order"])] == d["prompt"] for d in english)
    # The letter high_index names shows the language's high-pole option (poles come from the English item).
    items = {lang: _rows(lang) for lang in by_lang}
    for doc in native[:: len(by_lang)]:
        options = items[doc["lang"]][doc["item_id"]]["options"]
        high = next(o["text"] for o in options if o["pole"] == "high")
        assert f"\n{LETTERS[doc['high_index']]}. {high.strip()}\n" in doc["prompt"]


def _planted_rows() -> pd.DataFrame:
    """Native p(high) = score/100 (perfect alignment), English p(high) = 1 - score/100, plus a native-only item."""
    rows, rng = [], np.random.default_rng(0)
    scored = set(hofstede_scores("IDV")) & set(hofstede_scores("UAI"))
    countries = [row["country"] for row in native_languages() if row["country"] in scored]
    for dim in ("IDV", "UAI"):
        scores = hofstede_scores(dim)
        for item in (f"{dim.lower()}-a", f"{dim.lower()}-b"):
            for country in countries:
                for order in ("AB", "BA"):
                    base = dict(
                        item_id=item, dimension=dim, domain="work", country=country, order=order, persona="basic"
                    )
                    rows.append({**base, "p_high": scores[country] / 100, "prompt_language": "native"})
                    rows.append({**base, "p_high": 1 - scores[country] / 100, "prompt_language": "en"})
        rows.append(dict(item_id="x-native-only", dimension=dim, domain="work", country=countries[0], order="AB",
                         persona="basic", p_high=float(rng.random()), prompt_language="native"))  # fmt: skip
    return pd.DataFrame(rows)


def test_prompt_language_alignment_known_answer(tmp_path):
    out = prompt_language_alignment(_planted_rows(), n_boot=50)
    assert out["n_items"] == {"IDV": 2, "UAI": 2}  # the native-only item is left out
    entry = out["alignment"]["hofstede_2015"]
    for dim in ("IDV", "UAI"):
        assert entry["dimensions"][dim]["native"]["pearson_r"] == pytest.approx(1.0)
        assert entry["dimensions"][dim]["en"]["pearson_r"] == pytest.approx(-1.0)
        assert entry["dimensions"][dim]["en"]["n"] == len(set(hofstede_scores(dim)) & set(out["countries"]))
    assert entry["mean_pearson_r"]["native"] == {"value": pytest.approx(1.0), "n": 2}
    levels = {get_country(c).resource_level for c in out["countries"]}
    for level in levels:
        n = sum(get_country(c).resource_level == level for c in out["countries"])
        if n >= 3:
            assert entry["mean_pearson_r_by_resource_level"][level]["native"]["value"] == pytest.approx(1.0)
    # a cell the run reached in one order only (--limit) is not compared: its value carries the letter's bias
    rows = _planted_rows()
    torn = (rows["item_id"] == "idv-b") & (rows["prompt_language"] == "native") & (rows["order"] == "BA")
    first = rows.loc[torn, "country"].iloc[0]
    rows = rows[~(torn & (rows["country"] == first))]
    rows.loc[(rows["item_id"] == "idv-b") & (rows["country"] == first), "p_high"] = 0.5
    cut = prompt_language_alignment(rows, n_boot=0)
    assert cut["n_items"] == {"IDV": 1, "UAI": 2}
    assert cut["alignment"]["hofstede_2015"]["dimensions"]["IDV"]["native"]["pearson_r"] == pytest.approx(1.0)

    lines = language_markdown(out, "figures/hofstede_languages.png")
    text = "\n".join(lines)
    assert "| IDV | " in text and "1.000 [" in text and "-1.000 [" in text
    assert "![alignment by prompt language](figures/hofstede_languages.png)" in text
    path = language_figure(out, tmp_path / "languages.png")
    assert path.stat().st_size > 1000


@pytest.mark.slow  # lm-eval's validate builds every task (~15 s)
def test_native_tasks_pass_lm_eval_validate():
    tasks = "culturebench_hofstede_native,culturebench_hofstede_native_en,culturebench_hofstede_languages"
    done = subprocess.run(
        [sys.executable, "-m", "lm_eval", "validate", "--tasks", tasks, "--include_path", str(tasks_dir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "All tasks found and valid" in done.stdout, done.stdout + done.stderr


@pytest.mark.slow  # lm-eval end to end on the tiny model (~45 s)
def test_native_tasks_run_through_evaluate_and_the_report_compares(tiny_model, tmp_path):
    from culturebench.cli import main
    from culturebench.results import load_metrics

    n_countries = len(native_languages())
    limit = 2 * n_countries * 6  # item-major: one item per dimension under every country and both orders
    argv = ["evaluate", "--model-args", f"pretrained={tiny_model}", "--device", "cpu", "--batch-size", "16",
            "--limit", str(limit), "--tasks", LANGUAGES_GROUP, "--output", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    metrics = load_metrics(tmp_path)  # schema-checked
    languages = metrics["hofstede"]["languages"]
    assert languages["n_items"] == {d: 1 for d in ("PDI", "IDV", "MAS", "UAI", "LTO", "IVR")}
    assert len(languages["countries"]) == n_countries
    entry = languages["alignment"]["hofstede_2015"]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "### Prompt language: English vs the persona country's language" in report
    for dim, a in entry["dimensions"].items():
        if a["native"]["pearson_r"] is not None:
            assert f"| {dim} | {a['en']['n']} |" in report and f"{a['native']['pearson_r']:.3f}" in report
    assert (tmp_path / "figures" / "hofstede_languages.png").stat().st_size > 1000
    results = json.loads(next((tmp_path / "lm_eval").rglob("results_*.json")).read_text())["results"]
    assert set(results) >= {"culturebench_hofstede_native", "culturebench_hofstede_native_en"}
