"""tgfl.Report: the Swift renderer's page and numbers through the C ABI (issue 15)."""
import numpy as np
import pytest

import tgfl


def _paths(n, h, seed):
    rng = np.random.default_rng(seed)
    return 0.01 * rng.standard_t(4, size=(n, h))


def test_report_html_and_numbers(sp500, trained, tmp_path):
    sets = {"unconditional": _paths(60, 40, 1), "other": _paths(30, 40, 2)}
    report = tgfl.Report(sp500, sets, model=trained, training_days=4000, seed=3)
    html = report.to_html()
    assert html.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in html and "vegaEmbed" in html
    assert '<section id="training">' in html and '<section id="memorization">' in html
    assert report._repr_html_().startswith("<iframe srcdoc=")
    d = report.data()
    # The fan bands against NumPy: quantiles over paths of 100·exp(cumsum r).
    prices = 100 * np.exp(np.concatenate([np.zeros((60, 1)), np.cumsum(sets["unconditional"], axis=1)], axis=1))
    expected = np.quantile(prices, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    np.testing.assert_allclose(np.array(d["fans"][0]["bands"]), expected, rtol=1e-12)
    assert d["overall_name"] == "unconditional" and len(d["fans"]) == 2
    path = report.save(tmp_path / "r.html")
    assert path.read_text() == html


def test_report_errors_name_the_problem(sp500):
    bad = _paths(5, 30, 4)
    bad[2, 7] = np.nan
    with pytest.raises(tgfl.TgflError, match="paths"):
        tgfl.Report(sp500, {"x": bad}).to_html()
    with pytest.raises(tgfl.TgflError, match="one horizon"):
        tgfl.Report(sp500, {"a": _paths(3, 30, 5), "b": _paths(3, 31, 6)})
    with pytest.raises(tgfl.TgflError, match="training_days"):
        tgfl.Report(sp500, _paths(3, 30, 7), training_days=10**6).to_html()


def test_plot_uses_matplotlib(sp500):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig = tgfl.Report(sp500, {"unconditional": _paths(20, 30, 8)}).plot()
    assert len(fig.axes) >= 6
    assert fig.axes[0].get_ylabel() == "Price index (start = 100)"
