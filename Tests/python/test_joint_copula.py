"""tgfl.JointModel's copula switch and description (issue 17, session 9), through the C ABI's
tgfl_joint_generate_copula and tgfl_joint_info. Reference: Tests/Fixtures/joint_v1_*.csv, the
scenarios the code before the copula wrote (Tests/Fixtures/make_joint_v1_fixture.sh)."""

from ctypes import byref, c_double, c_int32
from pathlib import Path

import numpy as np
import pytest

import tgfl
from tgfl import _lib
from tgfl import portfolio as pf
from tgfl.model import _ptr

FIXTURES = Path(__file__).resolve().parents[1] / "Fixtures"
RESOURCES = Path(__file__).resolve().parents[2] / "Sources" / "TGFLCore" / "Resources"


def _fixture_scenarios(name, paths=6, horizon=5):
    rows = [line.split(",") for line in (FIXTURES / name).read_text().splitlines()[1:]]
    return np.array([[float(x) for x in r[3:]] for r in rows]).reshape(paths, horizon, -1)


def test_checkpoint_without_copula_generates_as_before():
    model = pf.JointModel(FIXTURES / "joint_v1_model.h5")
    assert model.copula is None
    assert model.whitening == "correlation"   # saved before session 13
    for name, regime in (("joint_v1_unconditional.csv", None), ("joint_v1_crisis.csv", "crisis")):
        expected = _fixture_scenarios(name)
        for copula in (True, False):
            out, _ = model.generate(n_paths=6, horizon=5, regime=regime, seed=9, n_threads=1, copula=copula)
            np.testing.assert_array_equal(out, expected, err_msg=f"{name}, copula={copula}")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    prices = np.loadtxt(RESOURCES / "eu_stocks.csv", delimiter=",", skiprows=1)
    returns = np.ascontiguousarray(np.diff(np.log(prices), axis=0)[:, [0, 3]])     # dax, ftse
    config = tgfl.ModelConfig(vocab_size=64, context_length=16, d_model=16, n_layers=1, n_heads=2, d_ff=32)
    return pf.JointModel.train(tmp_path_factory.mktemp("joint") / "joint.h5", returns, names=["dax", "ftse"],
                               config=config, levels_per_asset=4, seed=1, steps=3, batch_size=8, n_threads=1)


def test_fitted_copula_is_described_and_switchable(fitted):
    # Session 9: the whitening owns the linear correlation, the copula's R is the identity.
    assert fitted.copula is not None
    assert fitted.whitening == "two_factor"   # the default since session 18
    np.testing.assert_array_equal(fitted.copula["correlation"], np.eye(2))
    nu = fitted.copula["degrees_of_freedom"]
    assert nu is None or 2 <= nu <= 100
    on, _ = fitted.generate(n_paths=40, horizon=6, regime="crisis", seed=5, n_threads=1)
    on3, _ = fitted.generate(n_paths=40, horizon=6, regime="crisis", seed=5, n_threads=3, copula=True)
    off, _ = fitted.generate(n_paths=40, horizon=6, regime="crisis", seed=5, n_threads=1, copula=False)
    assert np.array_equal(on, on3) and np.isfinite(off).all()
    assert not np.array_equal(on, off)
    with pytest.raises(tgfl.TgflError, match="copula must be True or False"):
        fitted.generate(copula="yes")


def test_c_abi_refuses_a_bad_copula_switch(fitted):
    params = _lib.tgfl_generate_default_params()
    params.n_paths, params.horizon = 2, 3
    out = np.empty(2 * 3 * 2)
    status = pf._joint_generate_copula(fitted.path, byref(params), c_int32(2), _ptr(out, c_double), out.size, None)
    assert status == _lib.TGFL_ERR_OUT_OF_RANGE
