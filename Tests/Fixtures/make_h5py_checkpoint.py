#!/usr/bin/env python3
"""Writes HDF5 fixtures with h5py (not with TGFL), so the Swift tests check TGFL's reader
against files from an outside writer.

Outputs (both in this folder):
  h5py_checkpoint.h5  a TGFL checkpoint for the tiny config V=11 T=7 C=8 L=1 H=2 F=12 R=2,
                      laid out as docs/DESIGN.md says, but with h5py's own type choices: variable-
                      length UTF-8 string attributes, int64 for Python ints, a float64 optimizer
                      `step`, one weight tensor stored as float64, JSON from json.dumps.
  h5py_types.h5       assorted objects for HDF5File's type conversions.

Values follow closed formulas (no randomness), repeated in the Swift tests:
  weight element k (row-major) of the i-th tensor in layout order:
      w(i, k) = ((k + 13 i) mod 97) / 97 - 0.5
  optimizer moments:  m = w / 10,  v = |w| / 100  (elementwise)

Run:  /work/devvenv/bin/python Tests/Fixtures/make_h5py_checkpoint.py
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = dict(vocab_size=11, context_length=7, d_model=8, n_layers=1, n_heads=2, d_ff=12, n_regimes=2)


def layout(cfg):
    """(name, shape) pairs in the v1 flat order of docs/DESIGN.md, written out independently."""
    V, T, C = cfg["vocab_size"], cfg["context_length"], cfg["d_model"]
    F, R = cfg["d_ff"], cfg["n_regimes"]
    specs = [("tok_emb.weight", (V, C)), ("pos_emb.weight", (T, C)), ("regime_emb.weight", (R, C))]
    for i in range(cfg["n_layers"]):
        p = f"blocks.{i}."
        specs += [
            (p + "ln1.weight", (C,)), (p + "ln1.bias", (C,)),
            (p + "attn.qkv.weight", (3 * C, C)), (p + "attn.qkv.bias", (3 * C,)),
            (p + "attn.proj.weight", (C, C)), (p + "attn.proj.bias", (C,)),
            (p + "ln2.weight", (C,)), (p + "ln2.bias", (C,)),
            (p + "mlp.fc.weight", (F, C)), (p + "mlp.fc.bias", (F,)),
            (p + "mlp.proj.weight", (C, F)), (p + "mlp.proj.bias", (C,)),
        ]
    specs += [("ln_f.weight", (C,)), ("ln_f.bias", (C,)), ("head.weight", (V, C)), ("head.bias", (V,))]
    return specs


def weight(i, shape):
    k = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((k + 13 * i) % 97) / 97.0 - 0.5).reshape(shape)


def write_checkpoint(path):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "tgfl.checkpoint"
        f.attrs["format_version"] = 1                      # h5py: int64
        f.attrs["library_version"] = "h5py-fixture"
        f.attrs["model_config"] = json.dumps(CONFIG)       # key order and spaces as Python writes them
        weights = f.create_group("weights")
        opt = f.create_group("optimizer")
        opt.attrs["step"] = 42.0                           # a float64 step, as some scripts write it
        for i, (name, shape) in enumerate(layout(CONFIG)):
            w = weight(i, shape)
            # One tensor stays float64 (h5py's default for numpy float arrays); the rest float32.
            dtype = np.float64 if name == "tok_emb.weight" else np.float32
            weights.create_dataset(name, data=w.astype(dtype))
            opt.create_dataset(f"m/{name}", data=(w / 10).astype(np.float32))
            opt.create_dataset(f"v/{name}", data=(np.abs(w) / 100).astype(np.float32))
        tok = f.create_group("tokenizer")
        tok.attrs["kind"] = "uniform"
        tok.attrs["n_bins"] = 11
        tok.attrs["scale"] = 0.0123
        tok.create_dataset("edges", data=np.linspace(-5.0, 5.0, 12))
        reg = f.create_group("regimes")
        reg.attrs["method"] = np.bytes_(b"trailing_vol")   # fixed-length ASCII string attribute
        reg.attrs["window"] = 20
        reg.create_dataset("thresholds", data=np.array([0.25]))
        tr = f.create_group("training")
        tr.attrs["history"] = json.dumps([{"round": 1, "loss": 2.5}, {"round": 2, "loss": 2.25}])
        tr.attrs["federation"] = json.dumps({"strategy": "FedAvg", "rounds": 2, "clients": 3,
                                             "privacy": {"epsilon": 1.5, "delta": 1e-5}})


def write_types(path):
    with h5py.File(path, "w") as f:
        f.attrs["vlen_str"] = "héllo wörld"                # variable-length UTF-8
        f.attrs["fixed_str"] = np.bytes_(b"fixed")         # fixed-length ASCII, null-padded
        f.attrs["int64"] = 1234567890123
        f.attrs["int32"] = np.int32(-7)
        f.attrs["float64"] = 2.5
        f.attrs["float32"] = np.float32(0.1)
        f.attrs["whole_float"] = 3.0
        f.attrs["half_float"] = 3.5
        f.attrs["array_attr"] = np.array([1, 2, 3])
        f.create_dataset("f64_2x3", data=np.arange(6, dtype=np.float64).reshape(2, 3) / 4)
        f.create_dataset("i16_4", data=np.array([-3, 0, 7, 300], dtype=np.int16))
        f.create_dataset("i64_2", data=np.array([5, -9], dtype=np.int64))
        f.create_dataset("scalar_f32", data=np.float32(1.75))
        f.create_dataset("strings", data=np.array([b"a", b"bc"]))
        g = f.create_group("a/b/c")
        g.create_dataset("deep", data=np.array([1.0, 2.0], dtype=np.float32))
        g.attrs["note"] = "nested"
        f["a"].create_group("zeta")
        f["a"].create_group("alpha")


if __name__ == "__main__":
    write_checkpoint(os.path.join(HERE, "h5py_checkpoint.h5"))
    write_types(os.path.join(HERE, "h5py_types.h5"))
    print("wrote h5py_checkpoint.h5 and h5py_types.h5")
