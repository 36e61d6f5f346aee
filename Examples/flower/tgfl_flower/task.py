"""What the ServerApp and the ClientApps share: configs, each node's data, the base model.

The shared tokenizer and regime model
-------------------------------------
TGFL turns returns into tokens with a fitted tokenizer and labels each day with a fitted
regime model. Averaging parameter vectors only makes sense if every node uses the SAME
tokenizer and regimes, so they are fitted exactly once, by the ServerApp, on a public
reference series: the S&P 500 index bundled with TGFL (public market data, no institution's
private book), over its first ``1 - val-fraction`` of days. The ServerApp saves the result,
with the initial weights, as the *base checkpoint* and sends its bytes (and SHA-256) to the
ClientApps inside every message's ConfigRecord; a ClientApp caches it on disk by hash, loads
it, and overwrites the weights with the global parameters of the round. No node needs a
shared file system, and no node's data leaves it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import tgfl

#: ConfigRecord keys under which the ServerApp ships the base checkpoint.
BASE_CHECKPOINT_KEY = "tgfl-base-checkpoint"
BASE_SHA256_KEY = "tgfl-base-sha256"


def model_config(run_config: Mapping[str, Any]) -> tgfl.ModelConfig:
    """The transformer's hyperparameters from the run config's ``model-*`` keys."""
    return tgfl.ModelConfig(
        vocab_size=int(run_config["model-vocab-size"]),
        context_length=int(run_config["model-context-length"]),
        d_model=int(run_config["model-d-model"]),
        n_layers=int(run_config["model-n-layers"]),
        n_heads=int(run_config["model-n-heads"]),
        d_ff=int(run_config["model-d-ff"]),
        n_regimes=int(run_config["model-n-regimes"]),
    )


def train_params(run_config: Mapping[str, Any], seed: int) -> tgfl.TrainParams:
    """Local AdamW training parameters for one round on one node.

    No warm-up (a round is a handful of steps) and one validation pass at its end.
    """
    steps = int(run_config["local-steps"])
    return tgfl.TrainParams(
        steps=steps,
        batch_size=int(run_config["batch-size"]),
        seq_len=int(run_config["seq-len"]),
        learning_rate=float(run_config["learning-rate"]),
        min_learning_rate=float(run_config["learning-rate"]),
        warmup_steps=0,
        val_fraction=float(run_config["val-fraction"]),
        eval_every=max(steps, 1),
        seed=seed,
        n_threads=int(run_config["threads"]),
    )


def local_seed(run_config: Mapping[str, Any], server_round: int,
               node_config: Mapping[str, Any], node_id: int) -> int:
    """The batch-sampling seed of one node in one round: reproducible from ``seed``.

    Nodes on the bundled data are told apart by ``partition-id`` (so a run can be replayed
    without Flower); others by their Flower node id.
    """
    node = int(node_config["partition-id"]) if "partition-id" in node_config \
        else int(node_id) % 1_000_003
    return (int(run_config["seed"]) * 1_000_003 + int(server_round) * 1009 + node) % 2**63


def reference_returns() -> np.ndarray:
    """The public reference series the shared tokenizer/regimes are fitted on."""
    return tgfl.load_sp500()


def fit_base_model(run_config: Mapping[str, Any]) -> tgfl.Model:
    """A fresh model (weights from ``seed``) with tokenizer and regimes fitted on the reference.

    The C ABI fits the data models inside the first training call of a new model, and also
    sets ``head.bias`` (the last V parameters) to the reference tokens' smoothed log
    frequencies, the output prior that keeps generated tails realistic (README, "Training a new
    model"). So the ServerApp runs one step at a negligible learning rate, keeps that bias, and
    puts every other initial weight back: the base model holds the initial weights of
    ``Model.create(config, seed)`` with the prior's ``head.bias`` and the fitted tokenizer/regimes.

    ``set_parameters`` clears the AdamW state of that fitting run, so every ClientApp's
    ``train`` starts a fresh optimizer run of ``local-steps`` steps (the ClientApp checks
    that it did).
    """
    seed = int(run_config["seed"])
    config = model_config(run_config)
    model = tgfl.Model.create(config, seed=seed)
    initial = model.parameters()
    params = train_params(run_config, seed)
    params.steps, params.eval_every = 1, 1
    params.learning_rate = params.min_learning_rate = 1e-30   # moves no weight of float32 size
    model.train(reference_returns(), params, progress=False)
    vocab = config.vocab_size
    initial[-vocab:] = model.parameters()[-vocab:]              # head.bias: the output prior
    model.set_parameters(initial)
    return model


def read_price_csv(path: str | os.PathLike[str]) -> np.ndarray:
    """Daily log returns from a ``date,close`` CSV (header row, oldest day first)."""
    rows = np.genfromtxt(path, delimiter=",", skip_header=1, usecols=1, dtype=np.float64)
    prices = np.atleast_1d(rows)
    if prices.size < 3 or not np.all(np.isfinite(prices)) or np.any(prices <= 0):
        raise ValueError(
            f"{path}: expected a 'date,close' CSV with at least 3 positive, finite closes "
            "(column 2)"
        )
    return np.diff(np.log(prices))


def node_returns(node_config: Mapping[str, Any]) -> np.ndarray:
    """This node's daily log returns.

    A real institution points the node config key ``data-csv`` at its own ``date,close``
    file. Without it the node takes partition ``partition-id`` of ``num-partitions``
    contiguous time periods of the bundled S&P 500 (the demo and the test).
    """
    if "data-csv" in node_config:
        return read_price_csv(str(node_config["data-csv"]))
    try:
        partition = int(node_config["partition-id"])
        count = int(node_config["num-partitions"])
    except KeyError as missing:
        raise ValueError(
            f"node config lacks {missing}: start the SuperNode with "
            "--node-config 'partition-id=<i> num-partitions=<n>' or 'data-csv=\"<file>\"'"
        ) from None
    if not 0 <= partition < count:
        raise ValueError(f"node config partition-id={partition} is not in 0..<{count}")
    return np.array_split(tgfl.load_sp500(), count)[partition]


def split_tail(returns: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """The training span and the held-out tail, split where ``Model.train`` splits.

    ``n_train = floor((1 - val_fraction) * n)`` days train; the rest is the tail.
    """
    n_train = int((1.0 - val_fraction) * len(returns))
    return returns[:n_train], returns[n_train:]


def checkpoint_payload(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ConfigRecord entries that carry the base checkpoint to the ClientApps."""
    data = Path(path).read_bytes()
    return {BASE_CHECKPOINT_KEY: data, BASE_SHA256_KEY: hashlib.sha256(data).hexdigest()}


def base_checkpoint_path(config: Mapping[str, Any], node_config: Mapping[str, Any]) -> Path:
    """The local copy of the base checkpoint a message carries (written once per hash).

    The cache folder is the node config's ``cache-dir``, else a folder in the temp dir.
    """
    try:
        data = bytes(config[BASE_CHECKPOINT_KEY])
        digest = str(config[BASE_SHA256_KEY])
    except KeyError as missing:
        raise ValueError(
            f"the message's ConfigRecord lacks {missing}: run this ClientApp with the "
            "tgfl_flower ServerApp, which sends the base checkpoint"
        ) from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError("the base checkpoint's bytes do not match their SHA-256")
    folder = Path(str(node_config.get("cache-dir", "")) or
                  Path(tempfile.gettempdir()) / f"tgfl-flower-{os.getuid()}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"base-{digest[:16]}.h5"
    if not path.exists():
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".h5.tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    return path


def load_global_model(config: Mapping[str, Any], node_config: Mapping[str, Any],
                      parameters: np.ndarray) -> tgfl.Model:
    """The base model with the round's global parameters."""
    model = tgfl.Model.load(str(base_checkpoint_path(config, node_config)))
    model.set_parameters(np.ascontiguousarray(parameters, dtype=np.float32))
    return model
