"""The dependence rematch's switches in the C ABI and Python (issue 12, session 22):
``tgfl_train_params.rematch_dependence`` / ``TrainParams.rematch_dependence`` and
``tgfl_federated_params.rematch_dependence`` / ``FederatedConfig.rematch_dependence``, both appended
under the struct_size rule and off by default. On: the training history (read with h5py from the
checkpoint's ``/training`` attribute ``history``) records ``dependence_rematch`` with the noise
margin and the tail guard; off, or a caller whose struct_size ends before the field: no record.
Refused by name: a value other than 0/1 (C), a non-bool (Python), model v1, and DP in the
federation. The rematch itself (its margin's standard error and its tail index against NumPy) is
checked in Tests/TGFLCoreTests/DependenceRematchTests.swift."""

import ctypes
import json
from ctypes import byref, c_double

import h5py
import numpy as np
import pytest

import tgfl
from public_source_runs import TINY

TRAIN = dict(steps=2, batch_size=8, eval_every=2, seed=5, progress=False)
FEDERATE = dict(n_clients=3, rounds=2, local_steps=1, batch_size=8, learning_rate=3e-3, val_fraction=0.2,
                partition="time", seed=7, progress=False)


def _summary(path):
    """The training history's summary of the checkpoint at `path` (h5py, not TGFL)."""
    with h5py.File(path, "r") as f:
        return json.loads(f["training"].attrs["history"])["summary"]


@pytest.fixture(scope="module")
def days(sp500):
    return np.ascontiguousarray(sp500[:1500])     # a 1,200-day training span: 4 chunks of 250 days


def test_train_switch_records_the_rematch_only_when_on(days, tmp_path):
    for on in (False, True):
        with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=3) as model:
            model.train(days, rematch_dependence=on, **TRAIN)
            model.save(tmp_path / f"{on}.h5")
    assert "dependence_rematch" not in _summary(tmp_path / "False.h5")
    line = _summary(tmp_path / "True.h5")["dependence_rematch"]
    assert line.startswith("12 candidates") and "margin z 2" in line and "tail guard" in line, line
    assert tgfl.TrainParams().rematch_dependence is False


def test_federate_switch_and_its_refusal_with_dp(days, tmp_path):
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=3) as model:
        model.train_federated([days], rematch_dependence=True, **FEDERATE)
        model.save(tmp_path / "fed.h5")
    assert "margin z 2" in _summary(tmp_path / "fed.h5")["dependence_rematch"]
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=3) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated([days], rematch_dependence=True, dp_noise_multiplier=1.0, dp_clip_norm=0.5,
                                  **FEDERATE)
    assert "rematch_dependence needs a run without DP (dp_noise_multiplier 0)" in str(info.value)
    assert tgfl.FederatedConfig().rematch_dependence is False


def test_bad_values_and_model_v1_are_refused_by_name(days):
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=3) as model:
        with pytest.raises(tgfl.TgflError, match="rematch_dependence must be True or False, got 1"):
            model.train(days, rematch_dependence=1, **TRAIN)
        with pytest.raises(tgfl.TgflError, match="rematch_dependence must be True or False, got 'yes'"):
            model.train_federated([days], rematch_dependence="yes", **FEDERATE)
    v1 = {k: v for k, v in TINY.items() if k not in ("model_version", "n_volatility_levels")}
    with tgfl.Model.create(tgfl.ModelConfig(**v1), seed=3) as model:
        with pytest.raises(tgfl.TgflError, match="rematch_dependence needs model v2"):
            model.train(days, rematch_dependence=True, **TRAIN)


def _c_train(days, params, path=None):
    """tgfl_model_train on raw C params (a fresh tiny v2 model); (status, last error)."""
    from tgfl import _lib
    params.steps, params.batch_size, params.eval_every, params.n_threads = 2, 8, 2, 1
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=3) as model:
        status = _lib.tgfl_model_train(model._h(), days.ctypes.data_as(ctypes.POINTER(c_double)), days.size,
                                       byref(params))
        if status == tgfl.TGFL_OK and path is not None:
            model.save(path)
        return status, _lib.tgfl_last_error().decode()


def test_c_values_and_older_callers(days, tmp_path):
    from tgfl import _lib
    assert _lib.tgfl_train_default_params().rematch_dependence == 0
    assert _lib.tgfl_federated_default_params().rematch_dependence == 0
    for bad in (2, -1, 1 << 40):
        params = _lib.tgfl_train_default_params()
        params.rematch_dependence = bad
        status, message = _c_train(days, params)
        assert status == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert f"rematch_dependence (1 = on, 0 = off) must be in 0...1, got {bad}" in message
    # A caller built before the field (struct_size ends before it) gets the default, off, whatever its bytes hold.
    params = _lib.tgfl_train_default_params()
    params.rematch_dependence = 1
    params.struct_size = _lib.tgfl_train_params.rematch_dependence.offset
    assert _c_train(days, params, tmp_path / "old.h5")[0] == tgfl.TGFL_OK
    assert "dependence_rematch" not in _summary(tmp_path / "old.h5")
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    assert _c_train(days, params, tmp_path / "new.h5")[0] == tgfl.TGFL_OK
    assert "dependence_rematch" in _summary(tmp_path / "new.h5")
