"""Growing the Hofstede bank (one data file per dimension) with `culturebench generate` against the loopback
Gemini server: four IDV items of the community domain go to data/idv.jsonl and pass the bank's own checks; a
spec that declares a new domain (or a new dimension) builds a folder whose card records it and whose
validator accepts it, while the shipped bank still refuses it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import datasets
import pytest
import yaml

from culturebench.cards import card_header
from culturebench.cli import main
from culturebench.formcues import POOLED, aim_failures, form_cues
from culturebench.generate.banks import EXTENSION_KEY, bank
from culturebench.generate.build import GENERATED_FILE, build_dataset, bump_version
from culturebench.generate.checks import text_of
from culturebench.generate.pipeline import run_generation
from culturebench.generate.spec import SpecError, load_spec
from culturebench.hub import check_card, check_release_block
from culturebench.items import ItemError, check_domain_balance, load_dilemmas, near_duplicates, validate_dilemma
from culturebench.versioning import card_field, content_hash
from tests.generate.conftest import HOFSTEDE_SPEC
from tests.generate.hofstede_drafts import IDV_COMMUNITY, IDV_DIGITAL, MON_WORKPLACE
from tests.generate.test_generate import clients

BANK = "hofstede_dilemmas"


def _spec_with(tmp_path: Path, extend: dict, dimension: dict | None = None, domain: dict | None = None):
    """The shipped Hofstede spec with `extend` and extra cell values (written next to the test's files)."""
    data = yaml.safe_load(HOFSTEDE_SPEC.read_text())
    data["extend"] = extend
    data["cells"]["dimension"] |= dimension or {}
    data["cells"]["domain"] |= domain or {}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _serve(server, items: list[dict]) -> None:
    server.items = copy.deepcopy(items)


def test_four_idv_items_go_to_the_idv_file_and_pass_the_bank_checks(hofstede_server, tmp_path):
    spec = load_spec(HOFSTEDE_SPEC)
    _serve(hofstede_server, IDV_COMMUNITY)
    out = tmp_path / "run"
    report = run_generation(spec, *clients(hofstede_server, out), out, cells=["IDV/community_society"], count=4)
    assert report["accepted"] == 4 and report["rejected"] == {} and report["blind"]["agreed"] == 4
    asked = hofstede_server.requests[0]["body"]
    assert "individualism" in asked["contents"][0]["parts"][0]["text"]
    options = asked["generationConfig"]["responseSchema"]["properties"]["items"]["items"]["properties"]["options"]
    assert options["items"]["properties"]["pole"]["enum"] == ["high", "low"]

    shipped_bank = bank(BANK)
    shipped = shipped_bank.items()  # the packaged bank as it is now
    folder = build_dataset(out, spec, tmp_path / BANK)
    grown = {p.stem: load_dilemmas([p]) for p in sorted((folder / "data").glob("*.jsonl"))}  # the strict schema
    assert {f: len(rows) for f, rows in grown.items()} == {f: len(r) + 4 * (f == "idv") for f, r in shipped.items()}
    new = grown["idv"][len(shipped["idv"]) :]
    assert [(i["dimension"], i["domain"]) for i in new] == [("IDV", "community_society")] * 4
    annotated = {json.loads(line)["id"] for line in (shipped_bank.folder() / "annotations/blind_pass.jsonl").open()}
    assert all(re.fullmatch(r"idv-\d{3}", i["id"]) and i["id"] not in annotated for i in new)  # removed ids not reused
    every = [i for rows in grown.values() for i in rows]
    assert check_domain_balance(every) == [] and near_duplicates({i["id"]: text_of(i) for i in every}) == []
    cues = form_cues(every, "dimension", "high", shuffles=0)
    assert [miss for name, r in cues.items() for miss in aim_failures(name, r)] == []

    assert card_field(folder, "version") == bump_version(card_field(shipped_bank.folder(), "version"))
    assert card_field(folder, "content_hash") == content_hash(folder)
    assert EXTENSION_KEY not in card_header(folder)  # nothing beyond the schema: the header is the shipped one
    check_card(folder)  # publishable as it stands
    check_release_block(folder)
    card = (folder / "README.md").read_text()
    assert f"| **{POOLED}** | {len(every)} |" in card  # the form-cue table covers the new items
    blind = [json.loads(line) for line in (folder / "annotations" / "blind_pass.jsonl").open()]
    kept = [r for r in blind if r["id"] in {i["id"] for i in every}]
    assert len(kept) == len(every) and f"{sum(r['agree'] for r in kept)}/{len(kept)}" in card
    provenance = [json.loads(line) for line in (folder / GENERATED_FILE).open()]
    assert [(p["id"], p["split"]) for p in provenance] == [(i["id"], "idv") for i in new]

    ds = datasets.load_dataset(str(folder), "idv", cache_dir=str(tmp_path / "hf-cache"))
    assert list(ds) == ["test"] and ds["test"]["id"] == [i["id"] for i in grown["idv"]]


def test_a_new_domain_through_the_cli_is_recorded_and_accepted_for_that_folder_only(hofstede_server, tmp_path, capsys):
    digital = {"digital_life": {"setting": "phones, messaging, social media, online accounts and shared devices"}}
    no_extend = _spec_with(tmp_path, {}, domain=digital)
    backend = f"gemini:gen-model@{hofstede_server.url}"
    argv = ["generate", "--backend", backend, "--cells", "IDV/digital_life", "--count", "3"]
    assert main([*argv, str(no_extend), "--out", str(tmp_path / "refused")]) == 1  # refused before any request
    assert "declare it under extend: {domains: [...]}" in capsys.readouterr().err and not hofstede_server.requests

    spec = _spec_with(tmp_path, {"domains": ["digital_life"]}, domain=digital)
    _serve(hofstede_server, IDV_DIGITAL)
    out, folder = tmp_path / "run", tmp_path / "hofstede_grown"
    assert main([*argv, str(spec), "--out", str(out), "--dataset", str(folder)]) == 0
    header = card_header(folder)
    assert header[EXTENSION_KEY] == {"domains": ["digital_life"]}
    assert header["configs"] == card_header(bank(BANK).folder())["configs"]  # same files: no new config
    card = (folder / "README.md").read_text()
    assert "`digital_life`" in card and f"under `{EXTENSION_KEY}`" in card
    check_card(folder)
    check_release_block(folder)

    grown = bank(BANK).items(folder)  # the folder's validator accepts the new domain
    new = [i for i in grown["idv"] if i["domain"] == "digital_life"]
    assert len(new) == 3
    with pytest.raises(ItemError, match="'domain' is 'digital_life'"):  # the shipped schema still refuses it
        load_dilemmas([folder / "data" / "idv.jsonl"])
    with pytest.raises(ItemError, match="digital_life"):
        bank(BANK).validate(new[0], "row")
    assert bank(BANK).schema_of(bank(BANK).folder()) == bank(BANK).schema  # the shipped folder records nothing
    ds = datasets.load_dataset(str(folder), "idv", cache_dir=str(tmp_path / "hf-cache"))
    assert ds["test"]["domain"].count("digital_life") == 3


def test_a_new_dimension_gets_its_own_file_and_config(hofstede_server, tmp_path):
    mon = {
        "MON": {"code": "mon", "dimension_name": "monumentalism against flexibility",
                "high": "a proud, stable self that stays the same across situations",
                "low": "a humble, flexible self that adapts to others and to circumstances",
                "not_this": "power distance (whose judgement counts)"}
    }  # fmt: skip
    spec = load_spec(_spec_with(tmp_path, {"categories": ["MON"]}, dimension=mon))
    _serve(hofstede_server, MON_WORKPLACE)
    out = tmp_path / "run"
    report = run_generation(spec, *clients(hofstede_server, out), out, cells=["MON/workplace"], count=2)
    assert report["accepted"] == 2
    folder = build_dataset(out, spec, tmp_path / "grown")
    assert [i["id"] for i in load_dilemmas([folder / "data" / "mon.jsonl"], bank(BANK).schema_of(folder))] == [
        "mon-001",
        "mon-002",
    ]
    header = card_header(folder)
    assert header[EXTENSION_KEY] == {"categories": ["MON"]}
    config = next(c for c in header["configs"] if c["config_name"] == "mon")
    assert config == {"config_name": "mon", "data_files": [{"split": "test", "path": "data/mon.jsonl"}]}
    check_card(folder)
    check_release_block(folder)
    assert "`mon`" in (folder / "README.md").read_text()
    ds = datasets.load_dataset(str(folder), "mon", cache_dir=str(tmp_path / "hf-cache"))
    assert ds["test"]["dimension"] == ["MON", "MON"]
    with pytest.raises(ItemError, match="'dimension' is 'MON'"):
        validate_dilemma(ds["test"][0], "row")  # the shipped Hofstede schema


def test_a_row_in_another_dimension_file_is_named(tmp_path):
    folder = tmp_path / "copy"
    target = bank(BANK)
    (folder / "data").mkdir(parents=True)
    (folder / "README.md").write_text((target.folder() / "README.md").read_text())
    row = target.items()["pdi"][0]
    (folder / "data" / "idv.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(ItemError, match=r"idv.jsonl: id 'pdi-\d+' has dimension 'PDI'; it belongs in data/pdi.jsonl"):
        target.items(folder)


def test_extend_must_be_lists_of_values(tmp_path):
    with pytest.raises(SpecError, match="'extend' must map"):
        load_spec(_spec_with(tmp_path, {"domain": "digital_life"}))
