"""tgfl.backtest (issue 16) through the C ABI: the baselines' VaR, exceptions and Kupiec
statistic against numpy written from the formulas (numpy's linear quantile; Kupiec 1995), and
bad arguments raise TgflError naming them."""

import numpy as np
import pytest

import tgfl
from tgfl import TgflError


def kupiec(x, n, p):
    """Kupiec (1995) LR_POF, 0 · log 0 = 0."""
    def xlogy(a, b):
        return 0.0 if a == 0 else a * np.log(b)
    pi = x / n
    return -2 * (xlogy(n - x, 1 - p) + xlogy(x, p) - xlogy(n - x, 1 - pi) - xlogy(x, pi))


@pytest.fixture(scope="module")
def result():
    r = tgfl.load_sp500()
    return r, tgfl.backtest(r, 1000, 1300, levels=(0.01, 0.05), horizons=(1, 5), n_paths=200, seed=3)


def test_historical_simulation_matches_numpy(result):
    r, out = result
    days = np.arange(1000, 1300)
    b = next(b for b in out["results"] if b["model"] == "HS-250" and b["horizon"] == 1)
    for k, alpha in enumerate((0.01, 0.05)):
        var = np.array([-np.quantile(r[t - 250:t], alpha) for t in days])
        np.testing.assert_allclose(b["valueAtRisk"][k], var, rtol=1e-12, atol=1e-15)
        x = int(np.sum(-r[days] > var))
        level = b["levels"][k]
        assert level["exceptions"] == x
        assert level["kupiec"]["statistic"] == pytest.approx(kupiec(x, len(days), alpha), rel=1e-10, abs=1e-12)


def test_every_baseline_and_horizon_is_present(result):
    r, out = result
    names = {(b["model"], b["horizon"]) for b in out["results"]}
    for m in ("HS-250", "HS-500", "FHS-GARCH", "FHS-GJR", "GARCH-t"):
        assert (m, 1) in names and (m, 5) in names
    h5 = next(h for h in out["horizons"] if h["horizon"] == 5)
    assert h5["days"][:3] == [1000, 1005, 1010]
    np.testing.assert_allclose(h5["outcomes"][0], np.sum(r[1000:1005]), rtol=1e-12)


def test_bad_arguments_are_named():
    r = tgfl.load_sp500()
    with pytest.raises(TgflError, match="span"):
        tgfl.backtest(r, 10, 5)
    with pytest.raises(TgflError, match="levels"):
        tgfl.backtest(r, 1000, 1100, levels=(0.7,))
    with pytest.raises(TgflError, match="n_paths"):
        tgfl.backtest(r, 1000, 1100, n_paths=10)
    with pytest.raises(TgflError, match="baselines need 1000 days"):
        tgfl.backtest(r, 600, 700)
    bad = r.copy()
    bad[3] = np.nan
    with pytest.raises(TgflError, match="returns"):
        tgfl.backtest(bad, 1000, 1100)
    with tgfl.Model.create(seed=1) as untrained, pytest.raises(TgflError, match="train"):
        tgfl.backtest(r, 1000, 1100, model=untrained)
