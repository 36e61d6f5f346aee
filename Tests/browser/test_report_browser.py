"""The HTML report in a real browser (issue 15): headless Chromium renders the demo's report.

The test fails when the page logs a console error (or throws), when a chart is empty (no
data-driven mark item in its Vega scenegraph, or no SVG), when the page makes a network
request, or when the screenshot is blank. The broken-page tests feed the same checks pages
broken on purpose, so each check is shown to fail.

Run by `make browser-test` (part of `make test`), which installs Debian's
chromium-headless-shell when no Chromium is present:

    TGFL_BIN_DIR=.build/release .venv/bin/python -m pytest -q Tests/browser

It also renders a backtest page (`tgfl backtest --html`: the demo model on 60 held-out days)
and a portfolio-stress page (`tgfl stress --html`: a tiny joint model of eu_stocks) with the
same checks.

Artifacts (printed): .build/report-browser/report.png (full page) and fan-chart.png;
backtest.png and stress.png.
"""
import io
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
from PIL import Image  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".build" / "report-browser"
BIN = Path(os.environ.get("TGFL_BIN_DIR", REPO / ".build" / "release")) / "tgfl"


def chromium_path() -> str:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium: install Debian's chromium-headless-shell (make browser-test does)")


@pytest.fixture(scope="module")
def demo_report() -> Path:
    """A short demo run (2 rounds, 200 paths × 250 days) and its report.html."""
    out = ARTIFACTS / "demo"
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([str(BIN), "demo", "--out-dir", str(out), "--rounds", "2", "--local-steps", "3",
                    "--paths", "200", "--horizon", "250", "--threads", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield b
        b.close()


# Walks each chart's Vega scenegraph and counts the items of its data marks (role "mark"),
# leaving out axes, legends and titles: an empty chart has none.
COUNT_MARKS = """() => {
  const out = {};
  for (const [id, view] of Object.entries(window.tgflViews || {})) {
    let n = 0;
    const walk = (node) => {
      if (!node) return;
      if (node.marktype && node.role === 'mark' && node.marktype !== 'group') n += (node.items || []).length;
      for (const item of node.items || []) for (const child of item.items || []) walk(child);
    };
    walk(view.scenegraph().root);
    out[id] = {items: n, svg: !!document.querySelector('#' + CSS.escape(id) + ' svg')};
  }
  return out;
}"""


def inspect(browser, page_path: Path, screenshot: Path, chart_shot: bool = False) -> dict:
    """Renders the page; returns what the checks need."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))

    def route(r):
        if r.request.url.startswith("file://") and r.request.url.endswith(page_path.name):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()  # nothing leaves the machine, even from a broken page
    page.route("**/*", route)
    page.on("request", lambda r: None if r.url.startswith("file://") and r.url.endswith(page_path.name)
            or r.url in requests else requests.append(r.url))
    start = time.perf_counter()
    page.goto(page_path.as_uri())
    page.wait_for_function("document.body.dataset.tgflReady === 'done'", timeout=60_000)
    seconds = time.perf_counter() - start
    charts = page.evaluate(COUNT_MARKS)
    containers = page.evaluate("() => Array.from(document.querySelectorAll('div.chart')).map(d => d.id)")
    png = page.screenshot(path=str(screenshot), full_page=True)
    fan = page.locator("figure:has(#fan-0)")
    if chart_shot and fan.count():
        fan.first.screenshot(path=str(screenshot.with_name("fan-chart.png")))
    context.close()
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    ink = 1 - histogram[255] / sum(histogram)  # share of pixels that are not pure white
    return {"errors": errors, "requests": requests, "charts": charts, "containers": containers, "ink": ink,
            "seconds": seconds}


def problems(result: dict) -> list:
    """Every reason the page fails."""
    found = list(result["errors"])
    found += [f"network request: {u}" for u in result["requests"]]
    for cid in result["containers"]:
        chart = result["charts"].get(cid)
        if chart is None:
            found.append(f"chart {cid}: not drawn")
        elif chart["items"] == 0 or not chart["svg"]:
            found.append(f"chart {cid}: empty ({chart['items']} mark items, svg {chart['svg']})")
    if not result["containers"]:
        found.append("no chart on the page")
    if result["ink"] < 0.02:
        found.append(f"blank screenshot ({result['ink']:.2%} non-white pixels)")
    return found


def test_demo_report_renders_in_chromium(browser, demo_report):
    size = demo_report.stat().st_size
    result = inspect(browser, demo_report, ARTIFACTS / "report.png", chart_shot=True)
    print(f"\nreport: {demo_report} ({size / 1e6:.2f} MB), {len(result['containers'])} charts, "
          f"rendered in {result['seconds']:.2f} s; screenshot {ARTIFACTS / 'report.png'}")
    assert problems(result) == []
    # Every section of issue 15 that the demo has is there.
    html = demo_report.read_text()
    for section in ["scenarios", "dynamics", "regimes", "facts", "training", "federation", "memorization"]:
        assert f'<section id="{section}">' in html, section
    assert len(result["containers"]) >= 15


# --- Backtest and portfolio-stress pages (tgfl backtest --html, tgfl stress --html) ---------

@pytest.fixture(scope="module")
def backtest_report(demo_report) -> Path:
    """The demo model backtested on 60 held-out S&P 500 days (100 paths, h = 1 and 10) with the baselines."""
    page = ARTIFACTS / "backtest.html"
    subprocess.run([str(BIN), "backtest", "--bundled", "sp500", "--model", str(demo_report.parent / "model.h5"),
                    "--eval-fraction", "0.2", "--max-days", "60", "--paths", "100", "--horizons", "1,10",
                    "--threads", "2", "--html", str(page)], check=True, stdout=subprocess.DEVNULL)
    return page


@pytest.fixture(scope="module")
def stress_report() -> Path:
    """A tiny joint model of eu_stocks (20 steps) stressed in every regime against the real windows."""
    model, page = ARTIFACTS / "joint.h5", ARTIFACTS / "stress.html"
    subprocess.run([str(BIN), "train-joint", "--bundled", "eu_stocks", "--config", "tiny", "--steps", "20",
                    "--threads", "2", "--out", str(model)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(BIN), "stress", "--model", str(model), "--weights", "dax=0.5,ftse=0.5", "--paths", "300",
                    "--horizon", "10", "--worst", "5", "--real-bundled", "eu_stocks", "--threads", "2",
                    "--html", str(page)], check=True, stdout=subprocess.DEVNULL)
    return page


@pytest.mark.parametrize("kind", ["backtest", "stress"])
def test_backtest_and_stress_reports_render_in_chromium(browser, request, kind):
    page = request.getfixturevalue(f"{kind}_report")
    result = inspect(browser, page, ARTIFACTS / f"{kind}.png")
    print(f"\n{kind} report: {page} ({page.stat().st_size / 1e6:.2f} MB), {len(result['containers'])} charts, "
          f"rendered in {result['seconds']:.2f} s; screenshot {ARTIFACTS / f'{kind}.png'}")
    assert problems(result) == []
    html = page.read_text()
    if kind == "backtest":
        assert '<section id="backtests">' in html
        # TGFL and the five baselines at h = 1 and 10: a VaR chart and a PIT histogram each.
        assert len(result["containers"]) == 2 * 6 * 2
        assert "bt-var-h1-tgfl" in result["containers"] and "bt-pit-h10-garch-t" in result["containers"]
        assert 'class="mark-' in html  # the traffic-light zones are coloured
    else:
        assert '<section id="stress">' in html
        assert {"stress-risk", "stress-drawdown", "stress-component-es"} <= set(result["containers"])
        assert "<th>Real VaR</th>" in html


def broken(report: Path, name: str, edit) -> Path:
    page = ARTIFACTS / f"broken-{name}.html"
    page.write_text(edit(report.read_text()))
    return page


def edit_specs(html: str, edit) -> str:
    """The page with its chart specs (the JSON in <script id="tgfl-specs">) changed by ``edit``."""
    start = html.index('<script type="application/json" id="tgfl-specs">')
    body = html.index(">", start) + 1
    end = html.index("</script>", body)
    specs = json.loads(html[body:end])
    edit(specs)
    return html[:body] + json.dumps(specs).replace("</", "<\\/") + html[end:]


def empty_qq(specs: dict) -> None:
    for layer in specs["qq"]["layer"]:
        layer["data"]["values"] = []


def no_csp(html: str) -> str:
    return re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)


BROKEN = {
    # A script error in the page.
    "console-error": (lambda h: h.replace("</body>", "<script>console.error('boom')</script></body>"), "console.error"),
    # An image fetched from the network (CSP removed so the request is really attempted; the test aborts it).
    "network": (lambda h: no_csp(h).replace("<main>", '<main><img src="http://127.0.0.1:9/pixel.png" alt="">'),
                "network request"),
    # The same with the page's CSP in place: the browser refuses and logs an error.
    "network-csp": (lambda h: h.replace("<main>", '<main><img src="http://127.0.0.1:9/pixel.png" alt="">'),
                    "console.error"),
    # A chart whose data is empty (every layer of the QQ plot).
    "empty-chart": (lambda h: edit_specs(h, empty_qq), "chart qq: empty"),
    # A page that draws nothing visible.
    "blank": (lambda h: h.replace("</style>", "body{visibility:hidden}</style>"), "blank screenshot"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_checks_fail_on_a_broken_page(browser, demo_report, name):
    edit, expected = BROKEN[name]
    page = broken(demo_report, name, edit)
    found = problems(inspect(browser, page, ARTIFACTS / f"broken-{name}.png"))
    assert any(expected in p for p in found), f"{name}: expected a '{expected}' problem, got {found}"
