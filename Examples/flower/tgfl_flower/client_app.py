"""The ClientApp: one institution's SuperNode trains TGFL locally on its own returns.

train:    base checkpoint + the round's global parameters -> `local-steps` AdamW steps on
          this node's training span -> the new flat float32 parameter vector, the number of
          training days (FedAvg's weight) and the training loss.
evaluate: the global parameters' mean negative log-likelihood per day (nats) on this node's
          held-out tail.
"""

from __future__ import annotations

import numpy as np
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from tgfl_flower import task

app = ClientApp()


def _received_parameters(msg: Message) -> np.ndarray:
    arrays = msg.content["arrays"].to_numpy_ndarrays()
    if len(arrays) != 1:
        raise ValueError(f"expected one flat parameter array in 'arrays', got {len(arrays)}")
    return arrays[0]


@app.train()
def train(msg: Message, context: Context) -> Message:
    """Local training for one round."""
    config = msg.content["config"]
    run_config = context.run_config
    returns = task.node_returns(context.node_config)
    # Different batches in every round and on every node, reproducible from `seed`.
    seed = task.local_seed(run_config, int(config["server-round"]), context.node_config,
                           context.node_id)
    params = task.train_params(run_config, seed=seed)
    losses: list[float] = []

    def record(progress) -> bool:
        losses.append(progress.train_loss)
        return True

    with task.load_global_model(config, context.node_config, _received_parameters(msg)) as model:
        model.train(returns, params, progress=record)
        parameters = model.parameters()
    if len(losses) != params.steps:
        raise RuntimeError(
            f"local training ran {len(losses)} steps instead of {params.steps}: Model.train "
            "resumed saved optimizer state instead of starting a fresh run")
    train_span, _ = task.split_tail(returns, float(run_config["val-fraction"]))
    content = RecordDict({
        "arrays": ArrayRecord([parameters]),
        "metrics": MetricRecord({
            "num-examples": len(train_span),
            # Mean batch loss (nats per token) over this round's local steps.
            "train_loss": float(np.mean(losses)),
        }),
    })
    return Message(content=content, reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    """Validation loss of the global model on this node's held-out tail."""
    config = msg.content["config"]
    returns = task.node_returns(context.node_config)
    _, tail = task.split_tail(returns, float(context.run_config["val-fraction"]))
    with task.load_global_model(config, context.node_config, _received_parameters(msg)) as model:
        loss = -model.log_likelihood(tail)
    content = RecordDict({
        "metrics": MetricRecord({"num-examples": len(tail), "eval_loss": float(loss)}),
    })
    return Message(content=content, reply_to=msg)
