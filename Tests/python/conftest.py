"""Shared fixtures of the Python binding tests (run with PYTHONPATH=Examples/python and
TGFL_LIB_DIR=<folder of libCTGFL.so>; see the top-level Makefile's py-test target)."""

import ctypes
from pathlib import Path

import numpy as np
import pytest

import tgfl
from tgfl import _lib

# A small model keeps every test quick: V=64 T=32 C=32 L=2 H=2 F=64 R=4.
SMALL = dict(vocab_size=64, context_length=32, d_model=32, n_layers=2, n_heads=2, d_ff=64, n_regimes=4)


# The tiny joint model of the joint-model C ABI tests (DAX and FTSE, the first 600 days).
RESOURCES = Path(__file__).resolve().parents[2] / "Sources" / "TGFLCore" / "Resources"
JOINT_TINY = dict(vocab_size=64, context_length=16, d_model=16, n_layers=1, n_heads=2, d_ff=32)


@pytest.fixture(scope="module")
def dax_ftse_returns():
    prices = np.loadtxt(RESOURCES / "eu_stocks.csv", delimiter=",", skiprows=1)
    return np.ascontiguousarray(np.diff(np.log(prices), axis=0)[:600, [0, 3]])     # dax, ftse


# The CLI's `--config tiny` (Sources/tgfl/ModelPresets.swift) and the training settings that
# `cli_train_joint` passes, so that `tgfl train-joint` and `JointModel.train` fit the same data models.
CLI_TINY = dict(vocab_size=128, context_length=32, d_model=32, n_layers=1, n_heads=2, d_ff=64)
CLI_COMMON = dict(levels_per_asset=4, seed=1, steps=2, batch_size=8, n_threads=1, val_fraction=0.1)


def cli_train_joint(tmp_path, returns, names, option, value):
    """`tgfl train-joint` on `returns` (columns `names`) with CLI_TINY / CLI_COMMON and `option value`;
    returns the saved model as a `JointModel` (skips without TGFL_BIN_DIR's `tgfl`)."""
    import os
    import subprocess
    from tgfl import portfolio as pf
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    data = tmp_path / "cli_returns.csv"
    np.savetxt(data, returns, delimiter=",", header=",".join(names), comments="", fmt="%.17g")
    out = tmp_path / f"cli_{option.strip('-')}_{value}.h5"
    c = CLI_COMMON
    run = subprocess.run([str(Path(folder) / "tgfl"), "train-joint", "--data", str(data), "--columns", ",".join(names),
                          "--returns", "--date-column", "none", "--config", "tiny",
                          "--levels", str(c["levels_per_asset"]), "--steps", str(c["steps"]),
                          "--batch-size", str(c["batch_size"]), "--seed", str(c["seed"]), "--threads", str(c["n_threads"]),
                          "--val-fraction", str(c["val_fraction"]), option, value, "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return pf.JointModel(out)


def train_tiny_joint(path, returns, **kw):
    """Trains the tiny DAX/FTSE joint model for 2 steps (seed 1, 1 thread) and saves it at `path`."""
    from tgfl import portfolio as pf
    return pf.JointModel.train(path, returns, names=["dax", "ftse"], config=tgfl.ModelConfig(**JOINT_TINY),
                               levels_per_asset=4, seed=1, steps=2, batch_size=8, n_threads=1, **kw)


def c_train_tiny_joint(path, returns, params):
    """The same model through the C ABI (`tgfl_joint_train` with `params`); returns the status."""
    from ctypes import POINTER, byref, c_char_p, c_double
    from tgfl import portfolio as pf
    names = (c_char_p * 2)(b"dax", b"ftse")
    config = tgfl.ModelConfig(**JOINT_TINY)._to_c()
    return pf._joint_train(str(path).encode(), returns.ctypes.data_as(POINTER(c_double)), returns.shape[0], 2,
                           names, byref(config), 4, 1, byref(params))


def check_c_joint_choice(tmp_path, returns, field, bad_values, message, value):
    """`tgfl_train_params.<field>` (an int64 choice, 0 the default) through `tgfl_joint_train`: each of `bad_values`
    is refused with TGFL_ERR_OUT_OF_RANGE and `message.format(bad)` in the last error, writing nothing; then `value`
    is trained twice, with `struct_size` ending before the field (a caller built against the older header: the
    default applies) and with the whole struct. Returns those two checkpoints' paths (older header, whole struct)."""
    params = _lib.tgfl_train_default_params()
    assert getattr(params, field) == 0
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in bad_values:
        setattr(params, field, bad)
        assert c_train_tiny_joint(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert message.format(bad).encode() in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    setattr(params, field, value)
    params.struct_size = getattr(_lib.tgfl_train_params, field).offset
    assert c_train_tiny_joint(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    assert c_train_tiny_joint(tmp_path / "whole.h5", returns, params) == tgfl.TGFL_OK
    return tmp_path / "old.h5", tmp_path / "whole.h5"


def joint_section(path, *keys):
    """The `/joint` section of a joint checkpoint: its version and the named datasets (None where absent)."""
    import h5py
    with h5py.File(path, "r") as f:
        g = f["joint"]
        return int(g.attrs["version"]), tuple(g[k][()] if k in g else None for k in keys)


def check_joint_train_flag(tmp_path, returns, name):
    """`JointModel.train(name=...)` refuses 1, "yes" and 0.0 by name (a flag takes True, False or None) and writes nothing."""
    for bad in (1, "yes", 0.0):
        with pytest.raises(tgfl.TgflError, match=f"{name} must be True, False or None"):
            train_tiny_joint(tmp_path / "bad.h5", returns, **{name: bad})
    assert not (tmp_path / "bad.h5").exists()


def check_joint_c_flag(tmp_path, returns, field, choices, attr):
    """A 0/1 field of `tgfl_train_params` read by `tgfl_joint_train`: 2, -1 and 2**40 are refused naming the
    field ("<field> must be <choices>, got <value>"); a caller whose struct_size ends before the field gets the
    library's default whatever its bytes hold; the other value fits the other model (`JointModel.<attr>`).
    Returns the default."""
    import ctypes
    from tgfl import _lib
    from tgfl import portfolio as pf
    params = _lib.tgfl_train_default_params()
    default = getattr(params, field)
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in (2, -1, 1 << 40):
        setattr(params, field, bad)
        assert c_train_tiny_joint(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert f"{field} must be {choices}, got {bad}".encode() in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    setattr(params, field, 1 - default)
    params.struct_size = getattr(_lib.tgfl_train_params, field).offset
    assert c_train_tiny_joint(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    assert getattr(pf.JointModel(tmp_path / "old.h5"), attr) == bool(default)
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    assert c_train_tiny_joint(tmp_path / "other.h5", returns, params) == tgfl.TGFL_OK
    assert getattr(pf.JointModel(tmp_path / "other.h5"), attr) == (not default)
    return default


@pytest.fixture(scope="session")
def sp500():
    return tgfl.load_sp500()


@pytest.fixture(scope="session")
def small_config():
    return tgfl.ModelConfig(**SMALL)


@pytest.fixture(scope="session")
def trained_checkpoint(tmp_path_factory, sp500, small_config):
    """A checkpoint of a small model trained for a few steps (tokenizer and regimes fitted)."""
    path = tmp_path_factory.mktemp("trained") / "trained.h5"
    with tgfl.Model.create(small_config, seed=3) as model:
        model.train(sp500, steps=6, batch_size=8, eval_every=3, seed=5)
        model.save(path)
    return path


@pytest.fixture
def trained(trained_checkpoint):
    with tgfl.Model.load(trained_checkpoint) as model:
        yield model


@pytest.fixture
def fresh(small_config):
    with tgfl.Model.create(small_config, seed=1) as model:
        yield model


def layout_names(config):
    """Tensor names in the flat-vector order of docs/DESIGN.md (written out independently here)."""
    names = ["tok_emb.weight", "pos_emb.weight", "regime_emb.weight"]
    for i in range(config.n_layers):
        names += [f"blocks.{i}.{n}" for n in (
            "ln1.weight", "ln1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
            "attn.proj.bias", "ln2.weight", "ln2.bias", "mlp.fc.weight", "mlp.fc.bias",
            "mlp.proj.weight", "mlp.proj.bias")]
    return names + ["ln_f.weight", "ln_f.bias", "head.weight", "head.bias"]


def numpy_logits(weights, config, tokens, regimes):
    """The v1 transformer of docs/DESIGN.md in plain NumPy (float64), from the checkpoint tensors."""
    from math import erf, sqrt
    erf_v = np.vectorize(erf)
    B, T = tokens.shape
    C, H = config.d_model, config.n_heads
    hd = C // H
    w = {k: v.astype(np.float64) for k, v in weights.items()}

    def layer_norm(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * w[p + ".weight"] + w[p + ".bias"]

    def linear(x, p):
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    x = w["tok_emb.weight"][tokens] + w["pos_emb.weight"][:T] + w["regime_emb.weight"][regimes]
    mask = np.triu(np.ones((T, T), dtype=bool), 1)
    for i in range(config.n_layers):
        p = f"blocks.{i}."
        qkv = linear(layer_norm(x, p + "ln1"), p + "attn.qkv")
        q, k, v = (qkv[..., j * C:(j + 1) * C].reshape(B, T, H, hd).transpose(0, 2, 1, 3) for j in range(3))
        scores = q @ k.transpose(0, 1, 3, 2) / sqrt(hd)
        scores[..., mask] = -np.inf
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        y = (scores @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + linear(y, p + "attn.proj")
        h = linear(layer_norm(x, p + "ln2"), p + "mlp.fc")
        h = 0.5 * h * (1 + erf_v(h / sqrt(2)))
        x = x + linear(h, p + "mlp.proj")
    return linear(layer_norm(x, "ln_f"), "head")
