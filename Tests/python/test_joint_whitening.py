"""The joint model's whitening switch through the C ABI and Python (issue 17, session 18):
``tgfl_train_params.joint_whitening`` (appended under the struct_size rule) and
``JointModel.train(whitening=...)``. The rules themselves are checked against NumPy in
Tests/TGFLCoreTests/JointWhiteningTests.swift; here: each name reaches the checkpoint, the
two-factor model stores the covariance model's factors to encode with and the return-correlation
model's to generate with, and bad values are refused by name."""

import ctypes

import h5py
import numpy as np
import pytest

import tgfl
from conftest import c_train_tiny_joint, train_tiny_joint
from tgfl import _lib
from tgfl import portfolio as pf



@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def _joint(path):
    with h5py.File(path, "r") as f:
        g = f["joint"]
        return dict(g.attrs), {k: g[k][()] for k in ("cholesky", "encoding_cholesky") if k in g}


def test_each_rule_reaches_the_checkpoint(tmp_path, returns):
    default = _train(tmp_path / "default.h5", returns)
    # Without market-regime starts (session 19) and the z band map (session 21), so each rule writes its own /joint version.
    models = {rule: _train(tmp_path / f"{rule}.h5", returns, whitening=rule, regime_starts=False, band_map=False)
              for rule in pf.WHITENING_RULES}
    assert models["covariance"].whitening == "covariance"
    assert models["return-correlation"].whitening == "return_correlation"
    assert models["two-factor"].whitening == "two_factor"
    assert default.whitening == "two_factor"          # the library's default (session 18)
    attrs, data = {}, {}
    for rule, model in models.items():
        attrs[rule], data[rule] = _joint(model.path)
    assert attrs["covariance"]["version"] < 7 and "encoding_cholesky" not in data["covariance"]
    assert attrs["return-correlation"]["version"] == 7 and "encoding_cholesky" not in data["return-correlation"]
    assert attrs["two-factor"]["version"] == 8
    # Two factor sets: the covariance rule's to encode, the return-correlation rule's to generate.
    np.testing.assert_array_equal(data["two-factor"]["encoding_cholesky"], data["covariance"]["cholesky"])
    np.testing.assert_array_equal(data["two-factor"]["cholesky"], data["return-correlation"]["cholesky"])
    assert not np.array_equal(data["covariance"]["cholesky"], data["return-correlation"]["cholesky"])
    out, _ = models["two-factor"].generate(n_paths=8, horizon=4, seed=3, n_threads=1)
    assert out.shape == (8, 4, 2) and np.isfinite(out).all()


def test_bad_whitening_is_refused_by_name(tmp_path, returns):
    for bad in ("pearson", "", 2, True):
        with pytest.raises(tgfl.TgflError, match="whitening must be one of 'two-factor', 'return-correlation', "
                                                  "'covariance' or None"):
            _train(tmp_path / "bad.h5", returns, whitening=bad)
    assert not (tmp_path / "bad.h5").exists()


_c_train = c_train_tiny_joint


def test_c_abi_refuses_a_bad_whitening_and_honours_struct_size(tmp_path, returns):
    params = _lib.tgfl_train_default_params()
    assert params.joint_whitening == pf.WHITENING_RULES["two-factor"]
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in (3, -1, 1 << 40):
        params.joint_whitening = bad
        assert _c_train(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert (b"joint_whitening must be TGFL_JOINT_WHITENING_RETURN_CORRELATION (0), TGFL_JOINT_WHITENING_COVARIANCE "
                b"(1) or TGFL_JOINT_WHITENING_TWO_FACTOR (2), got " + str(bad).encode()) in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    # A caller built against the header before the field (struct_size ends before it) gets the default rule,
    # whatever its bytes hold.
    params.struct_size = _lib.tgfl_train_params.joint_whitening.offset
    assert _c_train(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    assert pf.JointModel(tmp_path / "old.h5").whitening == "two_factor"
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    params.joint_whitening = 0
    assert _c_train(tmp_path / "rc.h5", returns, params) == tgfl.TGFL_OK
    assert pf.JointModel(tmp_path / "rc.h5").whitening == "return_correlation"
