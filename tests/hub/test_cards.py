"""Every shipped card is publishable: its YAML header passes the publish checks and its release block (version,
hash, how to load it from the Hub, the tasks reading it) says what the header and the task configs say."""

from __future__ import annotations

import pytest

from culturebench.benchmarks import BENCHMARKS
from culturebench.cards import card_header, dataset_tasks, release_block
from culturebench.hub import check_card, check_release_block, dataset_folders

FOLDERS = dataset_folders([])


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_shipped_card_is_publishable_and_its_release_block_is_current(folder):
    check_card(folder)
    check_release_block(folder)  # stale after a rebuild: the builder should call cards.write_release_block
    header, block = card_header(folder), "\n".join(release_block(folder))
    assert f"Version **{header['version']}**, content hash `{header['content_hash']}`" in block
    default = next((c["config_name"] for c in header["configs"] if c.get("default")), "default")
    assert f'load_dataset("culturebench/{folder.name}", revision="{header["version"]}")' in block
    assert all(f"`{c['config_name']}`" in block or f'"{c["config_name"]}"' in block
               for c in header["configs"] if c["config_name"] != default)  # fmt: skip


def test_the_tasks_named_on_the_cards_are_the_registered_tasks_of_the_benchmarks_reading_them():
    by_dataset = {f.name: set(dataset_tasks(f.name)) for f in FOLDERS}
    named = set().union(*by_dataset.values())
    registered = {t for b in BENCHMARKS for t in b.tasks}
    assert named == registered
    for benchmark in BENCHMARKS:
        for task in benchmark.tasks:
            assert any(task in by_dataset.get(name, ()) for name in benchmark.datasets), (benchmark.name, task)
    assert by_dataset["self_construal"] == {"culturebench_self_construal", "culturebench_self_construal_gen"}
    assert by_dataset["countries"] == set()
