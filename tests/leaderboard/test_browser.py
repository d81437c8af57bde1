"""The leaderboard app in a real browser: headless Chromium (Debian's) driven by playwright, app on 127.0.0.1.

The page loads with the rankings, a filter changes the table, the tabs switch, the map images render
(decoded, non-zero size), and a screenshot is kept as a test artefact (under tmp_path, and copied to
$CULTUREBENCH_ARTEFACTS when set).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.slow,  # a browser start and a dozen round trips (about 20 s)
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (Debian's chromium; .ci/run installs it)"),
]


def _rendered(page, selector: str) -> bool:
    """The image under `selector` has loaded and has a size."""
    img = page.locator(f"{selector} img").first
    img.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    return img.evaluate("img => img.naturalWidth") > 100


def test_the_app_in_headless_chromium(served, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(served)
            table = page.locator("#rankings-table")
            expect(table).to_contain_text("org/oracle")
            expect(table).to_contain_text("org/letter-only")

            page.get_by_label("CN").check()  # origin filter: only the registry's Chinese model stays
            expect(table).not_to_contain_text("org/oracle")
            expect(table).to_contain_text("Qwen/Qwen2.5-7B-Instruct")

            page.get_by_role("tab", name="Plots").click()
            assert _rendered(page, "#plots-map")

            page.get_by_role("tab", name="Model profile").click()
            page.locator("#profile-model input").click()
            page.get_by_role("option", name="org/oracle").first.click()
            assert _rendered(page, "#profile-map")
            expect(page.get_by_text("alignment_r_IDV").first).to_be_visible()
            shot = page.screenshot(path=str(tmp_path / "leaderboard-profile.png"), full_page=True)

            page.get_by_role("tab", name="Published studies").click()
            expect(page.get_by_text("never ranked with CultureBench runs").first).to_be_visible()
        finally:
            browser.close()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "leaderboard-profile.png").stat().st_size > 10_000
    if os.environ.get("CULTUREBENCH_ARTEFACTS"):
        target = Path(os.environ["CULTUREBENCH_ARTEFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "leaderboard-profile.png", target / "leaderboard-profile.png")
