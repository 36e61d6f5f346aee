"""The joint model's z band map through the C ABI and Python (issue 17, session 20):
``tgfl_train_params.joint_band_map`` (appended under the struct_size rule) and
``JointModel.train(band_map=...)``. The map itself is checked against NumPy in
Tests/TGFLCoreTests/JointBandMapTests.swift; here: True fits and calibrates it (/joint version 10, the
datasets ``band_map.targets`` / ``band_map.sources``), the default fits none (version 9, as before), a
run under a regime is the same bits for both models while an unconditional run differs, and bad values
are refused by name."""

import ctypes

import h5py
import numpy as np
import pytest

import tgfl
from conftest import c_train_tiny_joint, train_tiny_joint
from tgfl import _lib
from tgfl import portfolio as pf

LEVELS = 11


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def _section(path):
    with h5py.File(path, "r") as f:
        g = f["joint"]
        return int(g.attrs["version"]), {k: g[k][()] for k in ("band_map.targets", "band_map.sources") if k in g}


def test_true_fits_the_band_map_and_the_default_none(tmp_path, returns):
    on = _train(tmp_path / "on.h5", returns, band_map=True)
    off = _train(tmp_path / "off.h5", returns)
    assert on.band_map and not off.band_map
    version, data = _section(on.path)
    assert version == 10
    for key in ("band_map.targets", "band_map.sources"):
        q = data[key].reshape(2, 4, LEVELS)
        assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert _section(off.path) == (9, {})
    # Runs under a regime do not use the map: the same bits; an unconditional run is mapped.
    a, _ = on.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    b, _ = off.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    np.testing.assert_array_equal(a, b)
    a, _ = on.generate(n_paths=16, horizon=20, seed=3, n_threads=1)
    b, _ = off.generate(n_paths=16, horizon=20, seed=3, n_threads=1)
    assert not np.array_equal(a, b)


def test_bad_band_map_values_are_refused_by_name(tmp_path, returns):
    for bad in (1, "yes", 0.0):
        with pytest.raises(tgfl.TgflError, match="band_map must be True, False or None"):
            _train(tmp_path / "bad.h5", returns, band_map=bad)
    assert not (tmp_path / "bad.h5").exists()


_c_train = c_train_tiny_joint


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    params = _lib.tgfl_train_default_params()
    assert params.joint_band_map == 0
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in (2, -1, 1 << 40):
        params.joint_band_map = bad
        assert _c_train(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert (b"joint_band_map must be 0 (none) or 1 (the z band map), got " + str(bad).encode()) \
            in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    # A caller built against the header before the field gets the default (none), whatever its bytes hold.
    params.joint_band_map = 1
    params.struct_size = _lib.tgfl_train_params.joint_band_map.offset
    assert _c_train(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    assert not pf.JointModel(tmp_path / "old.h5").band_map
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    assert _c_train(tmp_path / "map.h5", returns, params) == tgfl.TGFL_OK
    assert pf.JointModel(tmp_path / "map.h5").band_map
