"""The joint model's regime z tail map through the C ABI and Python (issue 17, session 20):
``tgfl_train_params.joint_regime_z_tail`` (appended under the struct_size rule) and
``JointModel.train(regime_z_tail=...)``. The map itself is checked against NumPy in
Tests/TGFLCoreTests/JointRegimeTailMapTests.swift; here: the default fits none (/joint version 9, as
before), True fits one (version 11, the datasets ``regime_z_tail.targets`` / ``.sources``), the
unconditional scenarios of both models are the same bits, a run under a regime differs, and bad
values are refused by name."""

import numpy as np
import pytest

from conftest import check_joint_c_flag, check_joint_train_flag, joint_section, train_tiny_joint

KEYS = ("regime_z_tail.targets", "regime_z_tail.sources")


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def test_default_fits_none_and_true_fits_the_map(tmp_path, returns):
    # (without the z band map, the default since session 21, which writes version 12)
    off = _train(tmp_path / "off.h5", returns, band_map=False)
    on = _train(tmp_path / "on.h5", returns, regime_z_tail=True, band_map=False)
    assert on.regime_z_tail and not off.regime_z_tail
    version, (targets, sources) = joint_section(on.path, *KEYS)
    assert version == 11 and targets.shape == (4 * 2 * 11,) and sources.shape == (4 * 2 * 11,)
    for q in (targets.reshape(4, 2, 11), sources.reshape(4, 2, 11)):
        assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert joint_section(off.path, *KEYS) == (9, (None, None))
    # Unconditional runs do not use the map: the same bits; a run under a regime is mapped.
    a, _ = on.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    b, _ = off.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    np.testing.assert_array_equal(a, b)
    a, _ = on.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    b, _ = off.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    assert not np.array_equal(a, b)


def test_bad_regime_z_tail_is_refused_by_name(tmp_path, returns):
    check_joint_train_flag(tmp_path, returns, "regime_z_tail")


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    # The default is none; a caller built against the header before the field gets it, whatever its bytes hold.
    assert check_joint_c_flag(tmp_path, returns, "joint_regime_z_tail", "0 (none) or 1 (a regime z tail map)",
                              "regime_z_tail") == 0
