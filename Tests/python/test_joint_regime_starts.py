"""The joint model's market-regime starts through the C ABI and Python (issue 17, session 19):
``tgfl_train_params.joint_regime_starts`` (appended under the struct_size rule) and
``JointModel.train(regime_starts=...)``. The starts themselves are checked against NumPy in
Tests/TGFLCoreTests/JointRegimeStartsTests.swift; here: the default fits them (/joint version 9, the
dataset ``regime_starts.log_sigma_quantiles``), False fits none (version 8, as before), the
unconditional scenarios of both models are the same bits, and bad values are refused by name."""

import ctypes

import h5py
import numpy as np
import pytest

import tgfl
from conftest import c_train_tiny_joint, train_tiny_joint
from tgfl import _lib
from tgfl import portfolio as pf

KEY = "regime_starts.log_sigma_quantiles"


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def _section(path):
    with h5py.File(path, "r") as f:
        g = f["joint"]
        return int(g.attrs["version"]), (g[KEY][()] if KEY in g else None)


def test_default_fits_the_starts_and_false_fits_none(tmp_path, returns):
    on = _train(tmp_path / "on.h5", returns)
    off = _train(tmp_path / "off.h5", returns, regime_starts=False)
    assert on.regime_starts and not off.regime_starts
    version, starts = _section(on.path)
    assert version == 9 and starts.shape == (4 * 2 * 101,)
    q = starts.reshape(4, 2, 101)
    assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert _section(off.path) == (8, None)
    # Unconditional runs do not use the starts: the same bits; a run under a regime starts elsewhere.
    a, _ = on.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    b, _ = off.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    np.testing.assert_array_equal(a, b)
    a, _ = on.generate(n_paths=64, horizon=1, regime="calm", seed=3, n_threads=1)
    b, _ = off.generate(n_paths=64, horizon=1, regime="calm", seed=3, n_threads=1)
    assert not np.array_equal(a, b)


def test_bad_regime_starts_are_refused_by_name(tmp_path, returns):
    for bad in (1, "yes", 0.0):
        with pytest.raises(tgfl.TgflError, match="regime_starts must be True, False or None"):
            _train(tmp_path / "bad.h5", returns, regime_starts=bad)
    assert not (tmp_path / "bad.h5").exists()


_c_train = c_train_tiny_joint


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    params = _lib.tgfl_train_default_params()
    assert params.joint_regime_starts == 1
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in (2, -1, 1 << 40):
        params.joint_regime_starts = bad
        assert _c_train(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert (b"joint_regime_starts must be 0 (none) or 1 (market-regime starts), got " + str(bad).encode()) \
            in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    # A caller built against the header before the field gets the default (starts), whatever its bytes hold.
    params.struct_size = _lib.tgfl_train_params.joint_regime_starts.offset
    assert _c_train(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    assert pf.JointModel(tmp_path / "old.h5").regime_starts
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    params.joint_regime_starts = 0
    assert _c_train(tmp_path / "none.h5", returns, params) == tgfl.TGFL_OK
    assert not pf.JointModel(tmp_path / "none.h5").regime_starts
