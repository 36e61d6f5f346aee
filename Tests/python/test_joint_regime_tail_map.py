"""The joint model's regime z tail map through the C ABI and Python (issue 17, session 20):
``tgfl_train_params.joint_regime_z_tail`` (appended under the struct_size rule) and
``JointModel.train(regime_z_tail=...)``. The map itself is checked against NumPy in
Tests/TGFLCoreTests/JointRegimeTailMapTests.swift; here: the default fits none (/joint version 9, as
before), True fits one (version 11, the datasets ``regime_z_tail.targets`` / ``.sources``), the
unconditional scenarios of both models are the same bits, a run under a regime differs, and bad
values are refused by name."""

import ctypes

import h5py
import numpy as np
import pytest

import tgfl
from conftest import c_train_tiny_joint, train_tiny_joint
from tgfl import _lib
from tgfl import portfolio as pf

KEYS = ("regime_z_tail.targets", "regime_z_tail.sources")


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def _section(path):
    with h5py.File(path, "r") as f:
        g = f["joint"]
        return int(g.attrs["version"]), [g[k][()] if k in g else None for k in KEYS]


def test_default_fits_none_and_true_fits_the_map(tmp_path, returns):
    off = _train(tmp_path / "off.h5", returns)
    on = _train(tmp_path / "on.h5", returns, regime_z_tail=True)
    assert on.regime_z_tail and not off.regime_z_tail
    version, (targets, sources) = _section(on.path)
    assert version == 11 and targets.shape == (4 * 2 * 11,) and sources.shape == (4 * 2 * 11,)
    for q in (targets.reshape(4, 2, 11), sources.reshape(4, 2, 11)):
        assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert _section(off.path) == (9, [None, None])
    # Unconditional runs do not use the map: the same bits; a run under a regime is mapped.
    a, _ = on.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    b, _ = off.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    np.testing.assert_array_equal(a, b)
    a, _ = on.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    b, _ = off.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    assert not np.array_equal(a, b)


def test_bad_regime_z_tail_is_refused_by_name(tmp_path, returns):
    for bad in (1, "yes", 0.0):
        with pytest.raises(tgfl.TgflError, match="regime_z_tail must be True, False or None"):
            _train(tmp_path / "bad.h5", returns, regime_z_tail=bad)
    assert not (tmp_path / "bad.h5").exists()


_c_train = c_train_tiny_joint


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    params = _lib.tgfl_train_default_params()
    assert params.joint_regime_z_tail == 0
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in (2, -1, 1 << 40):
        params.joint_regime_z_tail = bad
        assert _c_train(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert (b"joint_regime_z_tail must be 0 (none) or 1 (a regime z tail map), got " + str(bad).encode()) \
            in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    # A caller built against the header before the field gets the default (none), whatever its bytes hold.
    params.joint_regime_z_tail = 1
    params.struct_size = _lib.tgfl_train_params.joint_regime_z_tail.offset
    assert _c_train(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    assert not pf.JointModel(tmp_path / "old.h5").regime_z_tail
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    assert _c_train(tmp_path / "map.h5", returns, params) == tgfl.TGFL_OK
    assert pf.JointModel(tmp_path / "map.h5").regime_z_tail
