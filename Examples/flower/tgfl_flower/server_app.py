"""The ServerApp: Flower's FedAvg over TGFL's flat parameter vector.

1. Build the base model once: initial weights from ``seed`` and the shared tokenizer/regimes
   fitted on the public reference series (see ``task``); save it as ``base.h5``.
2. Run ``num-server-rounds`` rounds of FedAvg (flwr.serverapp.strategy.FedAvg) starting
   from the base model's parameters; every message carries the base checkpoint's bytes.
3. Put the final global parameters into the base model, record the federation in it (engine,
   strategy, rounds, nodes, local steps: ``tgfl inspect`` and ``Model.federation`` show it)
   and save ``global.h5`` (a normal TGFL checkpoint: ``tgfl.Model.load`` it and generate),
   plus ``summary.json`` with the aggregated training and evaluation metrics of every round.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import flwr
import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from tgfl_flower import task

app = ServerApp()


def _metrics_by_round(records) -> dict[str, dict[str, float]]:
    return {str(round_): {key: float(value) for key, value in metrics.items()}
            for round_, metrics in sorted(records.items())}


def federation_record(run_config, strategy, nodes: int) -> dict:
    """What global.h5 records about the federation that trained it."""
    return {
        "engine": f"flower {flwr.__version__} (deployment: SuperLink + SuperNodes)",
        "strategy": type(strategy).__name__,
        "rounds": int(run_config["num-server-rounds"]),
        "nodes": int(nodes),
        "min_nodes": int(run_config["min-nodes"]),
        "fraction_train": float(run_config["fraction-train"]),
        "fraction_evaluate": float(run_config["fraction-evaluate"]),
        "local_steps": int(run_config["local-steps"]),
        "batch_size": int(run_config["batch-size"]),
        "learning_rate": float(run_config["learning-rate"]),
        "seed": int(run_config["seed"]),
    }


@app.main()
def main(grid: Grid, context: Context) -> None:
    """Run the federation and save the global model."""
    run_config = context.run_config
    output = Path(str(run_config["output-dir"])).expanduser().resolve()
    output.mkdir(parents=True, exist_ok=True)
    rounds = int(run_config["num-server-rounds"])
    min_nodes = int(run_config["min-nodes"])

    with task.fit_base_model(run_config) as base:
        base_path = output / "base.h5"
        base.save(str(base_path))
        initial = base.parameters()
        payload = task.checkpoint_payload(base_path)

        strategy = FedAvg(
            fraction_train=float(run_config["fraction-train"]),
            fraction_evaluate=float(run_config["fraction-evaluate"]),
            min_train_nodes=min_nodes,
            min_evaluate_nodes=min_nodes,
            min_available_nodes=min_nodes,
        )
        result = strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord([initial]),
            num_rounds=rounds,
            timeout=float(run_config["round-timeout"]),
            train_config=ConfigRecord(dict(payload)),
            evaluate_config=ConfigRecord(dict(payload)),
        )

        arrays = result.arrays.to_numpy_ndarrays()
        if len(arrays) != 1 or len(result.train_metrics_clientapp) != rounds:
            raise RuntimeError(
                f"FedAvg finished {len(result.train_metrics_clientapp)} of {rounds} rounds "
                "with replies from the ClientApps; see the SuperNode logs for their errors")
        final = np.ascontiguousarray(arrays[0], dtype=np.float32)
        base.set_parameters(final)
        base.federation = federation_record(run_config, strategy, nodes=len(list(grid.get_node_ids())))
        global_path = output / "global.h5"
        base.save(str(global_path))

    summary = {
        "rounds": rounds,
        "n_params": int(final.size),
        "base_checkpoint": str(base_path),
        "global_checkpoint": str(global_path),
        "parameter_change_l2": float(np.linalg.norm(final.astype(np.float64) - initial)),
        "train_metrics": _metrics_by_round(result.train_metrics_clientapp),
        "evaluate_metrics": _metrics_by_round(result.evaluate_metrics_clientapp),
    }
    temporary = output / "summary.json.tmp"
    temporary.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(temporary, output / "summary.json")
    final_loss = summary["train_metrics"][str(rounds)].get("train_loss", math.nan)
    print(f"TGFL global model after {rounds} rounds (train loss {final_loss:.4f}): "
          f"{global_path}", flush=True)
