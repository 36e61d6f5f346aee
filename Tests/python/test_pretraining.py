"""Pretraining on many series and fine-tuning through the binding (`Model.pretrain`,
`Model.train(init=...)`), checked bit for bit against `tgfl pretrain` and `tgfl train --init`."""

import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tgfl

TINY_V2 = dict(vocab_size=128, context_length=32, d_model=32, n_layers=1, n_heads=2, d_ff=64, n_regimes=4,
               model_version=2, n_volatility_levels=16)          # `--config tiny` of a v2 command
STEPS, BATCH, LR, VAL, SEED = 12, 8, 3e-3, 0.2, 5


def _tgfl_binary():
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    return Path(folder) / "tgfl"


def _run(*arguments):
    result = subprocess.run([str(_tgfl_binary()), *map(str, arguments)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def prices(sp500):
    """Two price series (the S&P 500's two halves as indices), and their log returns computed
    as the library does (log of the ratio, libm's log through math.log)."""
    halves = [sp500[:2500], sp500[2500:]]
    columns = [np.concatenate([[100.0], 100.0 * np.exp(np.cumsum(h))]) for h in halves]
    returns = [np.array([math.log(p[i] / p[i - 1]) for i in range(1, len(p))]) for p in columns]
    return columns, returns


def _pretrain_python(returns, path):
    with tgfl.Model.create(tgfl.ModelConfig(**TINY_V2), seed=SEED) as model:
        history = model.pretrain({"a.p": returns[0], "b.p": returns[1]}, progress=False, steps=STEPS,
                                 batch_size=BATCH, learning_rate=LR, min_learning_rate=LR / 10,
                                 warmup_steps=min(50, STEPS), eval_every=max(1, min(100, STEPS // 10)),
                                 val_fraction=VAL, seed=SEED, keep_best=True)
        model.save(path)
        return model.parameters(), history


def test_pretrain_matches_the_command(prices, tmp_path):
    columns, returns = prices
    n = min(len(c) for c in columns)
    csv = tmp_path / "corpus.csv"
    csv.write_text("a,b\n" + "\n".join(f"{float(columns[0][i])!r},{float(columns[1][i])!r}" for i in range(n)) + "\n")
    cut = [r[: n - 1] for r in returns]                     # the CSV holds n prices of each
    _run("pretrain", "--no-bundled", "--data", csv, "--config", "tiny", "--steps", STEPS, "--batch-size", BATCH,
         "--lr", LR, "--val-fraction", VAL, "--seed", SEED, "--out", tmp_path / "cli.h5")
    parameters, history = _pretrain_python(cut, tmp_path / "py.h5")
    with tgfl.Model.load(tmp_path / "cli.h5") as cli:
        np.testing.assert_array_equal(parameters, cli.parameters())
    inspect = _run("inspect", tmp_path / "py.h5").stdout
    assert "a.p" in inspect and "b.p" in inspect                  # the names reach the pretraining record


def test_fine_tune_with_init_matches_train_init(prices, sp500, tmp_path):
    _, returns = prices
    base = tmp_path / "base.h5"
    _pretrain_python(returns, base)
    target = np.ascontiguousarray(sp500[1000:2600])
    csv = tmp_path / "target.csv"
    csv.write_text("r\n" + "\n".join(repr(float(x)) for x in target) + "\n")
    for reset in (False, True):
        out = tmp_path / f"tuned{reset}.h5"
        _run("train", "--init", base, *(["--reset-prior"] if reset else []), "--data", csv, "--returns-column", "r",
             "--date-column", "none", "--steps", 6, "--batch-size", BATCH, "--lr", LR, "--val-fraction", VAL,
             "--seed", SEED, "--out", out)
        with tgfl.Model.create(tgfl.ModelConfig(**TINY_V2), seed=99) as model:     # replaced by the base
            model.train(target, init=base, reset_prior=reset, progress=False, steps=6, batch_size=BATCH,
                        learning_rate=LR, min_learning_rate=LR / 10, val_fraction=VAL, seed=SEED)
            with tgfl.Model.load(out) as cli:
                np.testing.assert_array_equal(model.parameters(), cli.parameters())


def test_pretrain_and_init_errors_name_the_problem(prices, sp500, tmp_path):
    _, returns = prices
    with tgfl.Model.create(tgfl.ModelConfig(**{**TINY_V2, "model_version": 1}), seed=1) as v1:
        with pytest.raises(tgfl.TgflError) as info:
            v1.pretrain([returns[0]], progress=False, steps=2)
        assert "model v2" in str(info.value)
    with tgfl.Model.create(tgfl.ModelConfig(**TINY_V2), seed=1) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.pretrain({"bad": [0.01, float("nan"), 0.02] * 100}, progress=False, steps=2)
        assert "series[0]" in str(info.value)
        with pytest.raises(tgfl.TgflError) as info:
            model.train(sp500[:800], reset_prior=True, steps=2, progress=False)
        assert "init=" in str(info.value)
        with pytest.raises(tgfl.TgflError):
            model.train(sp500[:800], init=tmp_path / "missing.h5", steps=2, progress=False)
        assert not model.closed                                      # a failed init leaves the model as it was
