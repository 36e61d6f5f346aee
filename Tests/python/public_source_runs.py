"""Shared set-up of the tests of federations with a public source (test_public_mean_term.py,
test_public_z_marginal.py): the tiny v2 config, the run, the `tgfl federate` command line and a
raw C call."""

import os
from pathlib import Path

import pytest

import tgfl

TINY = dict(vocab_size=128, context_length=32, d_model=32, n_layers=1, n_heads=2, d_ff=64, n_regimes=4,
            model_version=2, n_volatility_levels=16)          # `tgfl federate --config tiny` (v2)
RUN = dict(n_clients=4, rounds=2, local_steps=1, batch_size=8, learning_rate=3e-3, val_fraction=0.2,
           partition="time", dp_noise_multiplier=1.0, dp_clip_norm=0.5, seed=7)


def federate_command(days, tmp_path):
    """`tgfl federate` with RUN's settings on `days` (written to tmp_path/returns.csv), public data
    bundled:djia (the last two items: drop them for a run without public data). Skips the test when
    TGFL_BIN_DIR does not hold the executable."""
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    csv = tmp_path / "returns.csv"
    csv.write_text("r\n" + "\n".join(repr(float(x)) for x in days) + "\n")
    return [str(Path(folder) / "tgfl"), "federate", "--data", str(csv), "--returns-column", "r", "--date-column",
            "none", "--config", "tiny", "--clients", "4", "--partition", "time", "--rounds", "2", "--local-steps", "1",
            "--batch-size", "8", "--lr", "0.003", "--val-fraction", "0.2", "--dp-noise", "1", "--clip", "0.5",
            "--seed", "7", "--data-models-from", "bundled:djia"]


def raw_federate(days, c, then=None):
    """tgfl_model_train_federated on C params `c` (n_clients 2, 1 round, public data djia) on a fresh
    tiny model; (status, last error, then(model) on success or None)."""
    from ctypes import POINTER, byref, c_double, c_size_t
    from tgfl import _lib
    for name, value in dict(n_clients=2, rounds=1, local_steps=1, batch_size=4, partition=4, seed=3).items():
        setattr(c, name, value)
    c.data_models_from = b"djia"
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=1) as model:
        pointers = (POINTER(c_double) * 1)(days.ctypes.data_as(POINTER(c_double)))
        lengths = (c_size_t * 1)(days.size)
        status = _lib.tgfl_model_train_federated(model._h(), pointers, lengths, 1, byref(c), byref(c_double()))
        result = then(model) if status == 0 and then else None
        return status, _lib.tgfl_last_error().decode(), result


def assert_switch_refused_without_public_data(base, switch, tmp_path):
    """`tgfl federate` refuses `switch` (e.g. --no-public-z-marginal) without --data-models-from,
    naming what it needs (`base`: `federate_command`'s list)."""
    import subprocess
    result = subprocess.run(base[:-2] + [switch, "--out", str(tmp_path / "x.h5")], capture_output=True, text=True)
    assert result.returncode != 0 and "applies only with --data-models-from" in result.stderr


def bad_switch_message(days, field):
    """The error of train_federated with `field` = 1 (an int, not a bool)."""
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated([days], progress=False, **{**RUN, "data_models_from": "djia", field: 1})
    return str(info.value)
