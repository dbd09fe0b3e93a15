"""The explorer end to end: ``streamlit run app.py`` on the SYNTHETIC demo KB, driven by headless
Debian Chromium through selenium — the Questions page, a question chosen in its selectbox, a
row's evidence opened, a screenshot kept in tests/artifacts/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb.serve.process import stop_server
from tests.conftest import _isolate, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TITLE = "Treatments that resolved cases of a condition"
ROW = "conservative management · complete resolution · 3 months"
SENTENCE = "He was managed conservatively with a non-adherent dressing and weekly review."
RESOLVED = (
    "The papules discharged a little chalky material over the following weeks, and the lesion "
    "resolved completely after 3 months, leaving no scar."
)  # the sentence that states the resolution and, by "over the following weeks", its link

pytestmark = pytest.mark.slow


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(demo_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run app.py`` on a free port of 127.0.0.1, from the repository root (so it
    reads .streamlit/config.toml); one for the module, stopped after its last test."""
    _browser_or_skip()
    port = free_port()
    with pytest.MonkeyPatch.context() as mp:  # module scope: the autouse isolation comes later
        _isolate(mp, tmp_path_factory.mktemp("explorer"))
        env = {**os.environ, "KB_DATA_DIR": str(demo_kb)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode() if proc.poll() is not None else ""
                pytest.fail(f"streamlit did not start on {url}: {output[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        stop_server(proc, grace=10)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,2000"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def choose(driver, label: str, option: str, timeout: float = 20) -> None:
    """Pick ``option`` (a substring of its text) in the selectbox labelled ``label``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    box = wait.until(
        lambda d: next(
            (
                b
                for b in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
                if b.text.splitlines()[:1] == [label]
            ),
            None,
        )
    )
    box.find_element(By.CSS_SELECTOR, '[role="combobox"]').click()
    item = wait.until(
        ec.element_to_be_clickable(
            (By.XPATH, f'//*[@role="option"][contains(normalize-space(.), "{option}")]')
        )
    )
    item.click()


def test_questions_page_in_a_browser(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(f"{server}/?page=questions&q=cases_by_age_sex")
    wait.until(lambda d: "cases_by_age_sex · deep link" in d.find_element(By.TAG_NAME, "body").text)

    choose(browser, "Question", TITLE)
    wait.until(lambda d: "Evidence for row" in d.find_element(By.TAG_NAME, "body").text)
    assert "q=treatments_that_resolved" in browser.current_url

    choose(browser, "Evidence for row", ROW)
    wait.until(lambda d: RESOLVED in d.find_element(By.TAG_NAME, "body").text)
    time.sleep(0.5)  # let the highlighted paragraph finish painting
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "explorer-questions.png"
    browser.save_screenshot(str(shot))

    text = browser.find_element(By.TAG_NAME, "body").text
    assert RESOLVED in text
    assert "complete resolution" in text  # the outcome whose sentence links the treatment
    picked = browser.find_element(By.CSS_SELECTOR, 'input[aria-label="Evidence for row"]')
    assert ROW in picked.get_attribute("value")  # the row: its treatment, outcome and time
    assert "section case_presentation" in text and "casebook.nlp" in text
    assert "row=" in browser.current_url  # the selection is in the deep link
    assert shot.stat().st_size > 10_000
    assert "Traceback" not in text


@dataclass(frozen=True)
class Visit:
    """One page opened by its URL: what it must show once drawn, and an optional last step."""

    name: str
    path: str
    shows: str  # text the page's main content holds when it has drawn
    run: str | None = None  # the label of a button to press, then wait for ``after``
    after: str | None = None


VISITS = (
    Visit("overview", "", "Findings by kind"),  # the default page, served at the root
    Visit("overview-typed", "overview", "Findings by kind"),  # redirected to the root
    Visit("questions", "questions?q=treatments_that_resolved&row=0", "Evidence of the outcome"),
    Visit("articles", "articles?search=calcinosis", "Articles 1–"),
    Visit("article", "article?id=pmid:99000001", "PubMed 99000001"),
    Visit("case", "case?id=pmid:99000001/1", "Patient 1"),
    Visit("concepts", "concepts", "Concepts"),
    Visit("concept", "concept?id=calcinosis_cutis", "calcinosis cutis"),
    Visit("synthesis", "synthesis", "Open a cell"),
    Visit("citations", "citations", "claims about"),
    Visit("graph", "graph", "nodes,"),
    Visit("sparql", "sparql?example=cases_by_age_sex", "SPARQL console", "Run", "query "),
    Visit("sparql-link", "sparql?q=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "own time"),
    Visit("downloads", "downloads", "store version"),
)
BROKEN = ("Something went wrong", "Traceback", "Error:", "could not answer", "Query failed")


def drawn(driver, shows: str) -> bool:
    """Streamlit has finished this run: no running indicator or spinner, and ``shows`` is in
    the main content."""
    from selenium.webdriver.common.by import By

    busy = driver.find_elements(
        By.CSS_SELECTOR, '[data-testid="stStatusWidget"], [data-testid="stSpinner"]'
    )
    main = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"]')
    return not busy and bool(main) and shows.lower() in main[0].text.lower()


def settle(driver, shows: str, timeout: float = 30) -> None:
    """Wait until the page is drawn and stays so (a rerun may follow the first paint)."""
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, poll_frequency=0.2)
    wait.until(lambda d: drawn(d, shows))
    time.sleep(0.6)
    wait.until(lambda d: drawn(d, shows))


def full_page_shot(driver, path: Path) -> None:
    """A PNG of the whole page: the window grown to the height of Streamlit's scrolling main
    area (a plain screenshot shows only the viewport)."""
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]');"
        "return Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight);"
    )
    driver.set_window_size(1400, min(max(int(height) + 100, 900), 12000))
    time.sleep(0.4)  # let the charts re-lay out at the new size
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 2000)


@pytest.mark.parametrize("visit", VISITS, ids=[v.name for v in VISITS])
def test_every_page_draws_without_an_error(server, browser, visit):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/{visit.path}")
    settle(browser, visit.shows)
    if visit.run:
        button = browser.find_element(By.XPATH, f'//button[normalize-space(.)="{visit.run}"]')
        button.click()
        settle(browser, visit.after)

    errors = browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="stException"], [data-testid="stAlertContentError"]'
    )
    assert not errors, f"{visit.name}: {errors[0].text[:300]}"
    dialogs = [d.text for d in browser.find_elements(By.CSS_SELECTOR, '[role="dialog"]')]
    assert not dialogs, f"{visit.name}: {dialogs}"  # e.g. Streamlit's "Page not found"
    text = browser.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
    assert not [b for b in BROKEN if b in text], f"{visit.name} shows an error:\n{text[:1500]}"
    values = [i.get_attribute("value") or "" for i in browser.find_elements(By.TAG_NAME, "input")]
    assert not [v for v in values if re.search(r"\b(nan|None)\b", v)], values  # widget labels
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"page-{visit.name}.png"
    full_page_shot(browser, shot)
    assert shot.stat().st_size > 10_000


GRAPH_TEXT = """
const svg = [...document.querySelectorAll('[data-testid="stGraphVizChart"] svg')].pop();
const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
const px = (sel) => [...svg.querySelectorAll(sel)].map(
    t => parseFloat(t.getAttribute('font-size')) * scale);
return {node: px('g.node text'), edge: px('g.edge text'),
        links: svg.querySelectorAll('g.node a').length, nodes: svg.querySelectorAll('g.node').length};
"""


def test_the_graph_is_drawn_at_a_readable_size(server, browser):
    """At the default page width the drawing keeps its natural size (the box scrolls): every
    node label is at least 12 px on screen, every edge is labelled, every node is a link."""
    browser.get(f"{server}/graph")
    settle(browser, "nodes,")
    sizes = browser.execute_script(GRAPH_TEXT)
    assert 10 < sizes["nodes"] <= 50  # the default: a drawing, not the table alone
    assert min(sizes["node"]) >= 12, sizes["node"]
    assert sizes["edge"] and min(sizes["edge"]) >= 12, sizes["edge"]
    assert sizes["links"] == sizes["nodes"]
