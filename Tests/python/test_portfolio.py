"""tgfl.portfolio (issue 17): the C ABI's joint model and portfolio stress, checked against
NumPy (Tests/Fixtures/cross_asset_reference.json, written by make_cross_asset_reference.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

import tgfl
from tgfl import portfolio as pf

FIXTURES = Path(__file__).resolve().parents[1] / "Fixtures"
RESOURCES = Path(__file__).resolve().parents[2] / "Sources" / "TGFLCore" / "Resources"


def test_portfolio_stress_matches_numpy():
    s = json.loads((FIXTURES / "cross_asset_reference.json").read_text())["stress"]
    scenarios = np.array(s["scenarios"]).reshape(s["paths"], s["days"], s["assets"])
    result = pf.portfolio_stress(scenarios, np.array(s["weights"]), level=s["level"], n_worst=7)
    np.testing.assert_allclose(result.pnl, s["pnl"], rtol=1e-11, atol=1e-9)
    assert result.value_at_risk == pytest.approx(s["var"], rel=1e-11)
    assert result.expected_shortfall == pytest.approx(s["es"], rel=1e-11)
    np.testing.assert_allclose(result.component_es, s["component_es"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(result.max_drawdowns, s["max_drawdown"], rtol=1e-10, atol=1e-14)
    assert list(result.worst) == s["worst"]


def test_portfolio_stress_refuses_bad_shapes():
    with pytest.raises(tgfl.TgflError, match="weights has 2 values"):
        pf.portfolio_stress(np.zeros((3, 2, 4)), [1.0, 1.0])
    with pytest.raises(tgfl.TgflError):
        pf.portfolio_stress(np.full((3, 2, 2), np.nan), [1.0, 1.0])


@pytest.fixture(scope="module")
def eu_returns():
    prices = np.loadtxt(RESOURCES / "eu_stocks.csv", delimiter=",", skiprows=1)
    return np.ascontiguousarray(np.diff(np.log(prices), axis=0)[:, [0, 3]])     # dax, ftse


def test_joint_model_trains_generates_and_reports(tmp_path, eu_returns):
    config = tgfl.ModelConfig(vocab_size=64, context_length=16, d_model=16, n_layers=1, n_heads=2, d_ff=32)
    model = pf.JointModel.train(tmp_path / "joint.h5", eu_returns, names=["dax", "ftse"], config=config,
                                levels_per_asset=4, seed=1, steps=3, batch_size=8, n_threads=1)
    assert model.assets == ["dax", "ftse"]
    assert model.regimes == ["calm", "normal", "volatile", "crisis"]
    a, ra = model.generate(n_paths=40, horizon=6, regime="crisis", seed=5, n_threads=1)
    b, rb = model.generate(n_paths=40, horizon=6, regime="crisis", seed=5, n_threads=3)
    assert a.shape == (40, 6, 2) and ra.shape == (40, 6)
    assert np.array_equal(a, b) and np.all(ra == 3)
    c, _ = model.generate(n_paths=4, horizon=3, prompt=eu_returns[:30], seed=1)
    assert np.isfinite(c).all()
    with pytest.raises(tgfl.TgflError, match="unknown regime"):
        model.generate(regime="panic")
    with pytest.raises(tgfl.TgflError, match="joint model"):
        tgfl.Model.load(tmp_path / "joint.h5")
