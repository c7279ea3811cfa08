"""The report in a real browser: headless Chromium opens it offline.

Needs Debian's Chromium (``apt-get install chromium``, done by ``.ci/run``) and the
``playwright`` package (test extra), which drives the system browser; no browser is
downloaded. Without Chromium the test is skipped, unless ``AUTOXAI_REQUIRE_BROWSER=1``
(set by ``.ci/run``) makes that a failure.
"""

import os
import shutil

import pytest

import autoxai
from autoxai.datasets import load_penguins

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if CHROMIUM is None:
        if os.environ.get("AUTOXAI_REQUIRE_BROWSER") == "1":
            pytest.fail("AUTOXAI_REQUIRE_BROWSER=1 but no chromium on PATH")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    out = tmp_path_factory.mktemp("browser") / "run"
    run = autoxai.run(load_penguins(), "species", out=out, n_trials=8, cv=3,
                      explain_budget=15)  # fmt: skip
    assert run.complete, run.failures
    return run.report_path


@pytest.mark.slow
def test_report_renders_in_chromium_without_errors(report, tmp_path):
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: r.url.startswith("file:") or problems.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            shot = tmp_path / "top.png"
            page.screenshot(path=str(shot))
            size = page.evaluate(
                "({w: document.documentElement.scrollWidth,"
                "  h: document.documentElement.scrollHeight,"
                "  svgs: document.querySelectorAll('svg').length,"
                "  drawn: [...document.querySelectorAll('svg')].filter("
                "     s => s.getBoundingClientRect().width > 50"
                "       && s.getBoundingClientRect().height > 50).length,"
                "  scripts: document.querySelectorAll('script').length})"
            )
        finally:
            browser.close()
    assert problems == []  # no console errors, no script errors, no network request
    assert shot.stat().st_size > 10_000  # a real picture of the top of the page
    # laid out for a laptop screen: no horizontal scrolling, a long page of sections
    assert size["w"] <= VIEWPORT["width"]
    assert size["h"] > 3 * VIEWPORT["height"]
    assert size["svgs"] >= 8
    assert size["drawn"] == size["svgs"]  # every figure rendered at a visible size
    assert size["scripts"] == 0
