#!/usr/bin/env python3
"""Writes hostile HDF5 checkpoints with h5py (not with TGFL) for the hardening tests
(issue 13): links that must be refused and crafted configs that must fail cleanly.

Outputs (in Tests/Fixtures/hostile/):
  external_link.h5      the tiny h5py checkpoint of make_h5py_checkpoint.py, but
                        /weights/head.weight is an HDF5 *external* link to
                        external_target.h5:/head.weight (which exists, with other values)
  external_target.h5    the target of that link: /head.weight = 7.0 everywhere, shape [V, C]
  soft_link.h5          the same checkpoint, /weights/head.weight a *soft* link to
                        /weights/tok_emb.weight (same shape [V, C])
  crafted_d_model.h5    only root attributes; model_config d_model = 2**31, n_heads = 2
  crafted_d_ff.h5       only root attributes; model_config d_ff = 2**62
  crafted_layers.h5     only root attributes; model_config n_layers = 100000
  huge_no_tensors.h5    root attributes and /weights with tok_emb.weight only; model_config
                        V=512 T=128 C=2048 L=18 H=4 F=2048 R=4: 455,725,568 parameters
                        (1.82 GB of float32) that the file does not hold

Run:  /work/pyref/bin/python Tests/Fixtures/make_hostile_checkpoints.py
"""
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hostile")
sys.path.insert(0, HERE)
from make_h5py_checkpoint import CONFIG, layout, weight  # noqa: E402


def write_root(f, config):
    f.attrs["format"] = "tgfl.checkpoint"
    f.attrs["format_version"] = 1
    f.attrs["library_version"] = "hostile-fixture"
    f.attrs["model_config"] = json.dumps(config)


def write_linked(path, link):
    with h5py.File(path, "w") as f:
        write_root(f, CONFIG)
        w = f.create_group("weights")
        for i, (name, shape) in enumerate(layout(CONFIG)):
            if name == "head.weight":
                continue
            w.create_dataset(name, data=weight(i, shape).astype(np.float32))
        w["head.weight"] = link


def main():
    os.makedirs(OUT, exist_ok=True)
    V, C = CONFIG["vocab_size"], CONFIG["d_model"]
    with h5py.File(os.path.join(OUT, "external_target.h5"), "w") as f:
        f.create_dataset("head.weight", data=np.full((V, C), 7.0, dtype=np.float32))
    write_linked(os.path.join(OUT, "external_link.h5"), h5py.ExternalLink("external_target.h5", "/head.weight"))
    write_linked(os.path.join(OUT, "soft_link.h5"), h5py.SoftLink("/weights/tok_emb.weight"))
    for name, change in [("crafted_d_model.h5", dict(d_model=2**31, n_heads=2)),
                         ("crafted_d_ff.h5", dict(d_ff=2**62)),
                         ("crafted_layers.h5", dict(n_layers=100000))]:
        with h5py.File(os.path.join(OUT, name), "w") as f:
            write_root(f, {**CONFIG, **change})
    huge = dict(vocab_size=512, context_length=128, d_model=2048, n_layers=18, n_heads=4, d_ff=2048, n_regimes=4)
    with h5py.File(os.path.join(OUT, "huge_no_tensors.h5"), "w") as f:
        write_root(f, huge)
        f.create_group("weights").create_dataset("tok_emb.weight", shape=(512, 2048), dtype=np.float32)


if __name__ == "__main__":
    main()
