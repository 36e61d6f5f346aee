"""The MA(1) mean term fitted on public data (issue 19, session 15) through the C ABI and the
command: on by default with a public source, the same run as `tgfl federate` (same bits, same
record), off with `public_mean_term=False` / `--no-public-mean-term`, the network and epsilon
unchanged, and a clear error for a bad switch.

Golden file: Tests/Fixtures/mean_term_reference.json (make_mean_term_reference.py: statsmodels'
ARIMA(0,0,1) with a constant on the public Dow Jones 1999-2018)."""

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tgfl
from public_source_runs import (RUN, TINY, assert_switch_refused_without_public_data, bad_switch_message,
                                federate_command, raw_federate)
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
    days = np.ascontiguousarray(sp500[:1500])
    base = federate_command(days, tmp_path)
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
    assert_switch_refused_without_public_data(base, "--no-public-mean-term", tmp_path)


def test_a_bad_switch_raises_naming_the_field(sp500):
    assert "public_mean_term must be True or False" in bad_switch_message(np.ascontiguousarray(sp500[:1500]), "public_mean_term")




def test_c_switch_values_and_older_callers(sp500):
    from tgfl import _lib
    days = np.ascontiguousarray(sp500[:800])
    c = _lib.tgfl_federated_default_params()
    assert c.public_mean_term == 1                                    # on by default
    c.public_mean_term = 2
    status, message, _ = raw_federate(days, c, lambda model: model.federation)
    assert status != 0 and "public_mean_term (1 = on, 0 = off) must be in 0...1, got 2" in message
    # A caller built before the field (struct_size ends before it) gets the default: on.
    c = _lib.tgfl_federated_default_params()
    c.struct_size = _lib.tgfl_federated_params.public_mean_term.offset
    c.public_mean_term = 0                                            # beyond struct_size: must not be read
    status, message, record = raw_federate(days, c, lambda model: model.federation)
    assert status == 0, message
    assert "mean_term" in record
