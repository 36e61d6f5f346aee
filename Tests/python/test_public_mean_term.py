"""The MA(1) mean term fitted on public data (issue 19, session 15) through the C ABI and the
command: on by default with a public source, the same run as `tgfl federate` (same bits, same
record), off with `public_mean_term=False` / `--no-public-mean-term`, the network and epsilon
unchanged, and a clear error for a bad switch.

Golden file: Tests/Fixtures/mean_term_reference.json (make_mean_term_reference.py: statsmodels'
ARIMA(0,0,1) with a constant on the public Dow Jones 1999-2018)."""

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tgfl

TINY = dict(vocab_size=128, context_length=32, d_model=32, n_layers=1, n_heads=2, d_ff=64, n_regimes=4,
            model_version=2, n_volatility_levels=16)          # `tgfl federate --config tiny` (v2)
RUN = dict(n_clients=4, rounds=2, local_steps=1, batch_size=8, learning_rate=3e-3, val_fraction=0.2,
           partition="time", dp_noise_multiplier=1.0, dp_clip_norm=0.5, seed=7)
ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "Sources" / "TGFLCore" / "Resources"


def _djia_1999_2018():
    """Log returns between the bundled Dow Jones' closes dated 1999-01-01 ... 2018-12-31 (5,030)."""
    rows = [line.split(",") for line in (RESOURCES / "djia.csv").read_text().splitlines()[1:] if line.strip()]
    closes = np.array([float(r[1]) for r in rows if "1999-01-01" <= r[0] <= "2018-12-31"])
    return np.diff(np.log(closes))


def _federate(days, public, **extra):
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        history = model.train_federated([days], progress=False, **{**RUN, "data_models_from": public, **extra})
        return model.parameters(), model.federation, history.epsilon, model.generate(8, 60, regime=None, seed=3)


def test_term_is_statsmodels_fit_on_the_public_returns_and_changes_only_generation(sp500):
    days = np.ascontiguousarray(sp500[:1500])
    public = _djia_1999_2018()
    assert public.size == 5030
    on, record, epsilon, paths = _federate(days, public)
    off, off_record, off_epsilon, off_paths = _federate(days, public, public_mean_term=False)
    reference = json.loads((ROOT / "Tests" / "Fixtures" / "mean_term_reference.json").read_text())
    theta = float(re.search(r"theta = (-?[0-9.]+)", record["mean_term"]).group(1))
    assert theta == pytest.approx(reference["cases"]["djia_1999_2018"]["theta"], abs=2e-5)   # statsmodels'
    assert "epsilon unchanged" in record["mean_term"] and "'public_returns'" in record["mean_term"]
    assert "mean_term" not in off_record
    np.testing.assert_array_equal(on, off)                      # the rounds do not see it
    assert epsilon == off_epsilon and record["privacy"] == off_record["privacy"]
    assert not np.array_equal(paths, off_paths)


def test_the_command_runs_the_same_term(sp500, tmp_path):
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    days = np.ascontiguousarray(sp500[:1500])
    csv = tmp_path / "returns.csv"
    csv.write_text("r\n" + "\n".join(repr(float(x)) for x in days) + "\n")
    base = [str(Path(folder) / "tgfl"), "federate", "--data", str(csv), "--returns-column", "r", "--date-column",
            "none", "--config", "tiny", "--clients", "4", "--partition", "time", "--rounds", "2", "--local-steps", "1",
            "--batch-size", "8", "--lr", "0.003", "--val-fraction", "0.2", "--dp-noise", "1", "--clip", "0.5",
            "--seed", "7", "--data-models-from", "bundled:djia"]
    for switch, extra in ((True, []), (False, ["--no-public-mean-term"])):
        out = tmp_path / f"cli_{switch}.h5"
        result = subprocess.run(base + extra + ["--out", str(out)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert ("mean term: MA(1)" in result.stdout) == switch
        parameters, record, _, paths = _federate(days, "djia", public_mean_term=switch)
        with tgfl.Model.load(out) as cli:
            np.testing.assert_array_equal(parameters, cli.parameters())
            np.testing.assert_array_equal(paths, cli.generate(8, 60, regime=None, seed=3))   # same term, same bits
            assert record.get("mean_term") == cli.federation.get("mean_term")
    # The switch without public data is refused by the command, naming what it needs.
    result = subprocess.run(base[:-2] + ["--no-public-mean-term", "--out", str(tmp_path / "x.h5")],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "applies only with --data-models-from" in result.stderr


def test_a_bad_switch_raises_naming_the_field(sp500):
    days = np.ascontiguousarray(sp500[:1500])
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated([days], progress=False, **{**RUN, "data_models_from": "djia", "public_mean_term": 1})
    assert "public_mean_term must be True or False" in str(info.value)


def _raw_federate(days, c):
    """tgfl_model_train_federated on C params `c` (n_clients 2, 1 round); (status, last error, model.federation)."""
    from ctypes import POINTER, byref, c_double, c_size_t
    from tgfl import _lib
    for name, value in dict(n_clients=2, rounds=1, local_steps=1, batch_size=4, partition=4, seed=3).items():
        setattr(c, name, value)
    c.data_models_from = b"djia"
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=1) as model:
        pointers = (POINTER(c_double) * 1)(days.ctypes.data_as(POINTER(c_double)))
        lengths = (c_size_t * 1)(days.size)
        status = _lib.tgfl_model_train_federated(model._h(), pointers, lengths, 1, byref(c), byref(c_double()))
        return status, _lib.tgfl_last_error().decode(), (model.federation if status == 0 else None)


def test_c_switch_values_and_older_callers(sp500):
    from tgfl import _lib
    days = np.ascontiguousarray(sp500[:800])
    c = _lib.tgfl_federated_default_params()
    assert c.public_mean_term == 1                                    # on by default
    c.public_mean_term = 2
    status, message, _ = _raw_federate(days, c)
    assert status != 0 and "public_mean_term (1 = on, 0 = off) must be in 0...1, got 2" in message
    # A caller built before the field (struct_size ends before it) gets the default: on.
    c = _lib.tgfl_federated_default_params()
    c.struct_size = _lib.tgfl_federated_params.public_mean_term.offset
    c.public_mean_term = 0                                            # beyond struct_size: must not be read
    status, message, record = _raw_federate(days, c)
    assert status == 0, message
    assert "mean_term" in record
