#!/usr/bin/env python3
"""Golden values for TGFLFederated's strategies and adaptive clipping rule.

A NumPy re-implementation of the formulas of Flower 1.42's Message-API strategies
(flwr/serverapp/strategy/*.py and flwr/server/strategy/aggregate.py) -- written from the
formulas, not importing flwr. Arithmetic is float64 on float32 inputs; every vector that
Flower keeps as a float32 array (global weights, FedAvgM momentum, FedOpt m and v) is
rounded to float32 where it is stored, exactly as the Swift code does.

Also: the adaptive clipping update of Andrew et al. 2021 (the rule TGFL implements; see
DifferentialPrivacy.swift for how it differs from Flower's wrapper) with given count noise,
and the effective noise multiplier.

Run:  /work/devvenv/bin/python Tests/Fixtures/make_strategy_reference.py
Writes Tests/Fixtures/strategy_reference.json.
"""
import json
import math
import os

import numpy as np

SEED = 20250142
D = 9          # parameters
N = 7          # clients (Bulyan with f = 1 needs 7)
ROUNDS = 3

f32 = np.float32


def weighted_mean(ws, ns):
    tot = float(sum(ns))
    acc = np.zeros(ws[0].shape, np.float64)
    for w, n in zip(ws, ns):
        acc += (n / tot) * w.astype(np.float64)
    return acc.astype(f32)


def median(ws):
    return np.median(np.stack([w.astype(np.float64) for w in ws]), axis=0).astype(f32)


def trimmed(ws, beta):
    n = len(ws)
    cut = int(beta * n)
    a = np.sort(np.stack([w.astype(np.float64) for w in ws]), axis=0)
    return a[cut:n - cut].mean(axis=0).astype(f32)


def krum_select(ws, f, m):
    n = len(ws)
    x = np.stack([w.astype(np.float64) for w in ws])
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    k = max(1, n - f - 2)
    scores = []
    for i in range(n):
        others = np.sort(np.delete(d[i], i))
        scores.append(others[:k].sum())
    return list(np.argsort(scores, kind="stable")[:m])


def bulyan(ws, f):
    n = len(ws)
    theta = n - 2 * f
    beta = theta - 2 * f
    sel = [ws[i].astype(np.float64) for i in krum_select(ws, f, theta)]
    sel32 = np.stack([ws[i] for i in krum_select(ws, f, theta)])
    med = np.median(np.stack(sel), axis=0).astype(f32)
    diffs = np.abs(sel32 - med)              # float32 distances, as the Swift code
    idx = np.argsort(diffs, axis=0, kind="stable")[:beta]
    closest = np.take_along_axis(sel32.astype(np.float64), idx, axis=0)
    return closest.mean(axis=0).astype(f32)


def qfedavg(glob, ws, losses, q, lr):
    L = 1.0 / lr
    g64 = glob.astype(np.float64)
    sd = np.zeros_like(g64)
    sh = 0.0
    for w, loss in zip(ws, losses):
        grad = L * (g64 - w.astype(np.float64))
        norm = float((grad ** 2).sum())
        lq = (loss + 1e-10) ** q
        sd += lq * grad
        sh += q * (loss + 1e-10) ** (q - 1) * norm + L * lq
    return (g64 - sd / sh).astype(f32)


class FedAvgM:
    def __init__(self, lr, mom):
        self.lr, self.mom, self.mv = lr, mom, None

    def __call__(self, rnd, glob, ws, ns, losses):
        mean = weighted_mean(ws, ns)
        if self.mom == 0 and self.lr == 1:
            return mean
        g = glob.astype(np.float64) - mean.astype(np.float64)
        if self.mom > 0:
            self.mv = g.astype(f32) if self.mv is None else (self.mom * self.mv.astype(np.float64) + g).astype(f32)
            g = self.mv.astype(np.float64)
        return (glob.astype(np.float64) - self.lr * g).astype(f32)


class FedOpt:
    def __init__(self, variant, eta, beta1, beta2, tau):
        self.variant, self.eta, self.b1, self.b2, self.tau = variant, eta, beta1, beta2, tau
        self.m = self.v = None

    def __call__(self, rnd, glob, ws, ns, losses):
        mean = weighted_mean(ws, ns).astype(np.float64)
        g = glob.astype(np.float64)
        delta = mean - g
        if self.m is None:
            self.m = np.zeros(D, f32)
            self.v = np.zeros(D, f32)
        self.m = (self.b1 * self.m.astype(np.float64) + (1 - self.b1) * delta).astype(f32)
        v = self.v.astype(np.float64)
        if self.variant == "adagrad":
            v = v + delta ** 2
        elif self.variant == "adam":
            v = self.b2 * v + (1 - self.b2) * delta ** 2
        else:
            v = v - (1 - self.b2) * delta ** 2 * np.sign(v - delta ** 2)
        self.v = v.astype(f32)
        eta = self.eta
        if self.variant == "adam":
            t = rnd + 1.0
            eta = self.eta * math.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)
        return (g + eta * self.m.astype(np.float64) / (np.sqrt(self.v.astype(np.float64)) + self.tau)).astype(f32)


def stateless(fn):
    return lambda rnd, glob, ws, ns, losses: fn(glob, ws, ns, losses)


def main():
    rng = np.random.default_rng(SEED)
    init = rng.normal(0, 1, D).astype(f32)
    # Per round: client offsets (one Byzantine-looking outlier, client 6) and metadata.
    rounds = []
    for r in range(ROUNDS):
        offs = rng.normal(0, 0.3, (N, D)) + rng.normal(0.2, 0.1, D)
        offs[6] += rng.normal(3.0, 1.0, D)
        ns = [int(x) for x in rng.integers(10, 200, N)]
        losses = [float(x) for x in rng.uniform(0.2, 3.0, N)]
        rounds.append({"offsets": offs, "num_examples": ns, "train_loss": losses})

    cases = {
        "FedAvg": ({}, stateless(lambda g, ws, ns, ls: weighted_mean(ws, ns))),
        "FedProx": ({"proximal_mu": 0.1}, stateless(lambda g, ws, ns, ls: weighted_mean(ws, ns))),
        "FedAvgM": ({"server_learning_rate": 1.0, "server_momentum": 0.9}, FedAvgM(1.0, 0.9)),
        "FedAvgM_lr": ({"server_learning_rate": 0.5, "server_momentum": 0.0}, FedAvgM(0.5, 0.0)),
        "FedAdagrad": ({"eta": 0.1, "eta_l": 0.1, "tau": 1e-3}, FedOpt("adagrad", 0.1, 0.0, 0.0, 1e-3)),
        "FedAdam": ({"eta": 0.1, "eta_l": 0.1, "beta_1": 0.9, "beta_2": 0.99, "tau": 1e-3},
                    FedOpt("adam", 0.1, 0.9, 0.99, 1e-3)),
        "FedYogi": ({"eta": 0.01, "eta_l": 0.0316, "beta_1": 0.9, "beta_2": 0.99, "tau": 1e-3},
                    FedOpt("yogi", 0.01, 0.9, 0.99, 1e-3)),
        "FedMedian": ({}, stateless(lambda g, ws, ns, ls: median(ws))),
        "FedMedianEven": ({"clients": 6}, stateless(lambda g, ws, ns, ls: median(ws))),
        "FedTrimmedAvg": ({"beta": 0.2}, stateless(lambda g, ws, ns, ls: trimmed(ws, 0.2))),
        "FedTrimmedAvg0": ({"beta": 0.0}, stateless(lambda g, ws, ns, ls: trimmed(ws, 0.0))),
        "Krum": ({"num_malicious_nodes": 1, "num_nodes_to_select": 1},
                 stateless(lambda g, ws, ns, ls: weighted_mean(*zip(*[(ws[i], ns[i]) for i in sorted(krum_select(ws, 1, 1))])))),
        "MultiKrum": ({"num_malicious_nodes": 1, "num_nodes_to_select": 3},
                      stateless(lambda g, ws, ns, ls: weighted_mean(*zip(*[(ws[i], ns[i]) for i in sorted(krum_select(ws, 1, 3))])))),
        "Bulyan": ({"num_malicious_nodes": 1}, stateless(lambda g, ws, ns, ls: bulyan(ws, 1))),
        "QFedAvg": ({"q": 0.1, "client_learning_rate": 0.1}, stateless(lambda g, ws, ns, ls: qfedavg(g, ws, ls, 0.1, 0.1))),
        "QFedAvg_q1": ({"q": 1.0, "client_learning_rate": 0.05}, stateless(lambda g, ws, ns, ls: qfedavg(g, ws, ls, 1.0, 0.05))),
    }
    out = {"seed": SEED, "dimension": D, "initial": init.tolist(),
           "rounds": [{"offsets": r["offsets"].tolist(), "num_examples": r["num_examples"],
                       "train_loss": r["train_loss"]} for r in rounds],
           "note": "client weights in round t: float32(global_t + float32(offsets)); the first "
                   "`clients` clients take part (default all)",
           "cases": {}}
    for name, (params, fn) in cases.items():
        k = params.get("clients", N)
        glob = init.copy()
        outputs = []
        for t, r in enumerate(rounds):
            ws = [(glob.astype(np.float64) + r["offsets"][i].astype(f32).astype(np.float64)).astype(f32) for i in range(k)]
            glob = fn(t + 1, glob, ws, r["num_examples"][:k], r["train_loss"][:k])
            outputs.append(glob.tolist())
        out["cases"][name] = {"params": params, "globals": outputs}

    # Adaptive clipping (Andrew et al. 2021): C <- C exp(-lr (b - gamma)),
    # b = (#unclipped + sigma_b z) / n.
    C, lr, gamma, m = 0.1, 0.2, 0.5, 20
    z_mult = 0.8
    sigma_b = m / 20
    z_eff = (z_mult ** -2 - (2 * sigma_b) ** -2) ** -0.5
    steps = []
    for t in range(6):
        norms = rng.uniform(0.0, 0.4, m)
        z = float(rng.normal())
        unclipped = int((norms <= C).sum())
        b = (unclipped + sigma_b * z) / m
        newC = C * math.exp(-lr * (b - gamma))
        steps.append({"norms": norms.tolist(), "count_noise": z, "clipping_norm_before": C, "clipping_norm_after": newC})
        C = newC
    out["adaptive_clipping"] = {"initial_clipping_norm": 0.1, "clip_norm_lr": lr, "target_clipped_quantile": gamma,
                                "num_sampled_clients": m, "noise_multiplier": z_mult,
                                "clipped_count_stddev": sigma_b, "effective_noise_multiplier": z_eff, "steps": steps}

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "strategy_reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
