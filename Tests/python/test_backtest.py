"""tgfl.backtest (issue 16) through the C ABI: the baselines' VaR, exceptions and Kupiec
statistic against numpy written from the formulas (numpy's linear quantile; Kupiec 1995), and
bad arguments raise TgflError naming them."""

import json
import subprocess

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


# ---------------------------------------------------------------------------------------
# Every option of `tgfl backtest` (tgfl_backtest_ex, session 12)
# ---------------------------------------------------------------------------------------

def test_every_bad_option_is_named():
    r = tgfl.load_sp500()
    cases = [(dict(refit_every=0), "refit_every"), (dict(prompt_days=0), "prompt_days"),
             (dict(es_simulations=10), "es_simulations"), (dict(prompt_filter="garch"), "prompt_filter"),
             (dict(z_recalibration=(250, 2.0)), "z_recalibration_weight"),
             (dict(z_recalibration=(5, 0.5)), "z_recalibration_window"),
             (dict(z_recalibration=(250, 0.5, "median")), "z_recalibration position"),
             (dict(compare_z_recalibrations=[(250, 0.5), (10, 0.5)]), "compare_z_windows[1]"),
             (dict(compare_prompt_filter=True), "compare_prompt_filter"),
             (dict(compare_uncalibrated=True), "compare_uncalibrated"),
             (dict(baselines=False), "nothing to backtest")]
    for kwargs, name in cases:
        with pytest.raises(TgflError, match=name.replace("[", r"\[").replace("]", r"\]")):
            tgfl.backtest(r, 1000, 1010, horizons=(1,), n_paths=100, **kwargs)


def test_defaults_are_the_old_call_and_options_reach_the_run():
    """The keyword defaults give the old positional call's result (same bits); refit_every and
    es_simulations change what they should and nothing else; HS-250 still equals NumPy."""
    r = tgfl.load_sp500()
    args = dict(levels=(0.01, 0.05), horizons=(1,), n_paths=100, seed=3)
    base = tgfl.backtest(r, 1000, 1030, **args)
    explicit = tgfl.backtest(r, 1000, 1030, prompt_days=1000, refit_every=20, refit_volatility=True,
                             z_recalibration=(250, 0.75, "weibull"), prompt_filter="gjr", es_simulations=2000, **args)
    assert base == explicit
    refit = tgfl.backtest(r, 1000, 1030, refit_every=1, **args)
    by = {b["model"]: b for b in refit["results"]}
    for b in base["results"]:
        if b["model"].startswith("HS-"):   # no fit: the refit interval cannot matter
            assert by[b["model"]]["valueAtRisk"] == b["valueAtRisk"]
        else:                              # GARCH refitted on every day from day 2 on
            assert by[b["model"]]["valueAtRisk"][0][0] == b["valueAtRisk"][0][0]
            assert by[b["model"]]["valueAtRisk"][0][1:] != b["valueAtRisk"][0][1:], b["model"]
    more = tgfl.backtest(r, 1000, 1030, es_simulations=1000, **args)
    for b, m in zip(base["results"], more["results"]):
        assert m["valueAtRisk"] == b["valueAtRisk"] and m["pit"] == b["pit"]
    days = np.arange(1000, 1030)
    hs = next(b for b in more["results"] if b["model"] == "HS-250")
    np.testing.assert_allclose(hs["valueAtRisk"][0], [-np.quantile(r[t - 250:t], 0.01) for t in days], rtol=1e-12)


def test_progress_reports_per_mille_and_cancels():
    r = tgfl.load_sp500()
    seen = []
    tgfl.backtest(r, 1000, 1010, horizons=(1,), n_paths=100, progress=seen.append)
    assert seen and all(p.kind == "backtest" and p.total == 1000 and 0 <= p.step <= 1000 for p in seen)
    assert [p.step for p in seen] == sorted(p.step for p in seen)
    with pytest.raises(TgflError, match="cancel"):
        tgfl.backtest(r, 1000, 1010, horizons=(1,), n_paths=100, progress=lambda p: False)


@pytest.fixture(scope="module")
def v2_checkpoint(tmp_path_factory):
    from conftest import SMALL
    path = tmp_path_factory.mktemp("bt_v2") / "v2.h5"
    r = tgfl.load_sp500()
    with tgfl.Model.create(tgfl.ModelConfig(**dict(SMALL, model_version=2, n_volatility_levels=8)), seed=5) as m:
        m.train(r[:1500], tgfl.TrainParams(steps=3, batch_size=4))
        m.save(str(path))
    return path


def test_every_option_gives_what_the_command_gives(v2_checkpoint, tmp_path):
    """`tgfl backtest` with every TGFL option and tgfl.backtest with the same keywords write the
    same backtest (the command parses its flags into the library's options itself)."""
    from test_cli_parity import _tgfl_binary
    binary = _tgfl_binary()
    r = tgfl.load_sp500()
    start = int(len(r) * 0.8)
    out, data = tmp_path / "cli.json", tmp_path / "returns.csv"
    data.write_text("r\n" + "".join(f"{x!r}\n" for x in r.tolist()))  # exact round trip
    cli = subprocess.run(
        [str(binary), "backtest", "--model", str(v2_checkpoint), "--data", str(data), "--returns-column", "r",
         "--max-days", "8", "--paths", "100",
         "--levels", "0.05", "--horizons", "1,2", "--prompt-days", "300", "--refit-every", "3",
         "--compare-trained-filter", "--z-recalibration", "100,0.5,weibull", "--compare-uncalibrated",
         "--compare-z-recalibrations", "50,1;60,0.25,weibull", "--prompt-filter", "beta-t",
         "--compare-prompt-filter", "--es-simulations", "1000", "--no-baselines", "--seed", "4", "--threads", "2",
         "--json", str(out)], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(out.read_text())
    with tgfl.Model.load(v2_checkpoint) as model:
        from_python = tgfl.backtest(
            r, start, start + 8, model=model, levels=(0.05,), horizons=(1, 2), n_paths=100, baselines=False,
            seed=4, n_threads=2, prompt_days=300, refit_every=3, compare_trained_filter=True,
            z_recalibration=(100, 0.5, "weibull"), compare_uncalibrated=True,
            compare_z_recalibrations=[(50, 1.0), (60, 0.25, "weibull")], prompt_filter="beta-t",
            compare_prompt_filter=True, es_simulations=1000)
    assert [b["model"] for b in from_python["results"]] == [
        "TGFL", "TGFL-trained-filter", "TGFL-uncalibrated", "TGFL-z50-1.0", "TGFL-z60-0.25-weibull", "TGFL-gjr"] * 2
    for d in (from_cli, from_python):
        d.pop("series"), d.pop("generationSeconds")
    assert from_python == from_cli
