"""`Model.generate` gives exactly what the `tgfl generate` command writes for the same
checkpoint and seed."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tgfl


def _tgfl_binary():
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder:
        pytest.skip("TGFL_BIN_DIR is not set (the folder of the `tgfl` executable)")
    binary = Path(folder) / "tgfl"
    if not binary.exists():
        pytest.skip(f"{binary} does not exist: build the `tgfl` product first")
    help_text = subprocess.run([str(binary), "--help"], capture_output=True, text=True)
    if "generate" not in help_text.stdout + help_text.stderr:
        pytest.skip(f"{binary} has no `generate` subcommand yet")
    return binary


@pytest.mark.parametrize("regime, seed", [("crisis", 11), ("1", 3)])
def test_generate_matches_the_command(trained_checkpoint, tmp_path, regime, seed):
    binary = _tgfl_binary()
    out = tmp_path / "paths.csv"
    result = subprocess.run(
        [str(binary), "generate", "--model", str(trained_checkpoint), "--regime", regime, "--paths", "6",
         "--horizon", "40", "--seed", str(seed), "--out", str(out)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = [line for line in out.read_text().splitlines() if line.strip()]
    assert lines[0].startswith("r_1")
    from_cli = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    with tgfl.Model.load(trained_checkpoint) as model:
        from_python = model.generate(n_paths=6, horizon=40, regime=regime if not regime.isdigit() else int(regime),
                                     seed=seed)
    assert from_cli.shape == (6, 40)
    np.testing.assert_array_equal(from_cli, from_python)
