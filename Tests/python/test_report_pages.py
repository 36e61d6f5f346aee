"""tgfl.BacktestReport and tgfl.StressReport (issue 15 for issues 16 and 17): the pages come
from the C ABI; the numbers they show are checked against numpy written from the formulas
(exceptions 1{-x > VaR}; buy-and-hold P&L, numpy's linear quantile for VaR, the tail mean for
ES), and bad input raises TgflError naming what is wrong."""

import html as html_lib
import re

import numpy as np
import pytest

import tgfl
from tgfl import TgflError


@pytest.fixture(scope="module")
def backtest_result(sp500):
    return tgfl.backtest(sp500, 1000, 1100, levels=(0.01, 0.05), horizons=(1,), n_paths=100, seed=3)


def cells(page: str, model: str) -> list:
    """The table cells of the rows of ``model`` (text, unescaped)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page)
    out = []
    for row in rows:
        texts = [html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        if texts and texts[0] == model:
            out.append(texts)
    return out


def test_backtest_page_counts_exceptions_like_numpy(sp500, backtest_result):
    page = tgfl.BacktestReport(backtest_result).to_html()
    assert page.startswith("<!DOCTYPE html>") and '<section id="backtests">' in page
    days = np.arange(1000, 1100)
    for b in backtest_result["results"]:
        rows = cells(page, b["model"])
        assert len(rows) == 2, b["model"]
        for k, alpha in enumerate((0.01, 0.05)):
            x = int(np.sum(-sp500[days] > np.array(b["valueAtRisk"][k])))
            assert rows[k][2] == f"{x} / {alpha * len(days):.1f}"
            assert rows[k][5] == b["levels"][k]["zone"]
    # Every zone cell is coloured.
    assert len(re.findall(r'<td class="mark-(green|yellow|red)">(green|yellow|red)</td>', page)) == 2 * 5


def test_backtest_page_dates_save_and_jupyter(tmp_path, backtest_result):
    report = tgfl.BacktestReport(backtest_result, dates=[f"d{i}" for i in range(1100)])
    assert '"date":"d1000"' in report.to_html()
    saved = report.save(tmp_path / "bt.html")
    assert saved.read_text() == report.to_html()
    assert report._repr_html_().startswith("<iframe srcdoc=")


def test_backtest_page_names_a_bad_input(backtest_result):
    broken = dict(backtest_result)
    del broken["spanEnd"]
    with pytest.raises(TgflError, match="spanEnd"):
        tgfl.BacktestReport(broken).to_html()
    with pytest.raises(TgflError, match="dates"):
        tgfl.BacktestReport(backtest_result, dates=["only one"]).to_html()


def numpy_stress(scenarios, weights, alpha):
    cum = np.cumsum(scenarios, axis=1)
    pnl = (weights * (np.exp(cum[:, -1, :]) - 1)).sum(axis=1)
    var = -np.quantile(pnl, alpha)
    return var, -pnl[pnl <= -var].mean()


def test_stress_page_shows_numpy_var_and_es():
    rng = np.random.default_rng(11)
    sets = {"calm": rng.standard_t(5, (400, 10, 2)) * 0.005, "crisis": rng.standard_t(3, (400, 10, 2)) * 0.02}
    weights = np.array([0.6, 0.4])
    real = {"crisis": rng.standard_t(3, (50, 10, 2)) * 0.02}
    page = tgfl.StressReport(sets, weights, assets=["x", "y"], level=0.05, n_worst=3, real_windows=real,
                             real_name="test data").to_html()
    assert '<section id="stress">' in page and "<th>Real VaR</th>" in page
    for name, s in sets.items():
        var, es = numpy_stress(s, weights, 0.05)
        row = cells(page, name)[0]     # the summary table comes before the worst scenarios
        assert row[2] == f"{100 * var:.4g} %" and row[3] == f"{100 * es:.4g} %", name
    real_var, real_es = numpy_stress(real["crisis"], weights, 0.05)
    crisis = cells(page, "crisis")[0]
    assert crisis[6] == "50" and crisis[7] == f"{100 * real_var:.4g} %" and crisis[8] == f"{100 * real_es:.4g} %"
    assert len(cells(page, "calm")) == 1 + 3
    assert cells(page, "calm")[0][6] == "—"


def test_stress_real_windows_start_in_the_regime():
    returns = np.arange(20.0).reshape(10, 2)
    labels = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
    w = tgfl.StressReport.real_windows(returns, labels, 1, 3)
    assert w.shape == (4, 3, 2)
    np.testing.assert_array_equal(w[:, 0, 0], returns[[1, 2, 4, 7], 0])


def test_stress_page_names_a_bad_input():
    with pytest.raises(TgflError, match="assets"):
        tgfl.StressReport({"calm": np.zeros((50, 5, 2))}, [0.5, 0.5], assets=["only"])
    with pytest.raises(TgflError):
        tgfl.StressReport({}, [1.0])
