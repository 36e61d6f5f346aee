#!/usr/bin/env python3
"""Golden values for the single stages of one federated round (FederatedSimulation+Round.swift):
sample, fit, screen, collect, aggregate (plain and DP), evaluate and record.

The clients are the Flower fixture's (`strategy_reference.json`, made by
make_strategy_reference.py): client i of round t replies w_t + offsets[t][i] with
num_examples[t][i] and train_loss[t][i]; it evaluates a global w as
½·mean((w − target_i)²) with target_i = float32(initial + offsets[0][i]). The aggregation
formulas are that script's NumPy versions of Flower's (weighted_mean); the random streams
are TGFL's xoshiro256** mirror (make_stats_reference_report.py) with the simulation's
derivation of a stream from (seed, purpose, round, client), written from the Swift doc
comments. Arithmetic is float64 on float32 values, rounded to float32 where Swift stores Float.

Run from the repository root:
    /work/pyref/bin/python Tests/Fixtures/make_round_stage_reference.py
Writes Tests/Fixtures/round_stage_reference.json.
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_stats_reference_report import M64, StatsRandom  # noqa: E402  (the xoshiro256** mirror)
from make_strategy_reference import weighted_mean  # noqa: E402  (Flower's aggregate formula)

f32 = np.float32
SEED = 20250142
OUT = os.path.join(HERE, "round_stage_reference.json")

# RandomPurpose raw values (ASCII tags), Sources/TGFLBase/RandomPurpose.swift.
PURPOSE = {"clientSampling": 0x53414D50, "localFit": 0x46495421, "byzantineAttack": 0x42595A41,
           "privacyNoise": 0x4E4F4953, "evaluationSampling": 0x4556414C, "faults": 0x4641554C5453}


class RNG(StatsRandom):
    """SeededRNG: the mirror plus the uniform and Box–Muller normal draws."""

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def uniform_open(self):
        return ((self.next() >> 11) + 0.5) * 2.0 ** -53

    def normal(self):
        u1 = self.uniform_open()
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def purpose_rng(purpose, rnd, client):
    """SeededRNG(seed: SEED ^ purpose, stream: round << 32 | client)."""
    return RNG(SEED ^ PURPOSE[purpose], ((rnd << 32) | client) & M64)


def derived_rng(rnd, client, purpose):
    """The generator seeded by the simulation's deriveSeed(round, client, purpose)."""
    return RNG(purpose_rng(purpose, rnd, client).next())


def fate(rnd, client, dropout, deadline, base, spread):
    """FaultConfig.fate: ('dropped',) | ('late', t) | ('ok', t)."""
    r = purpose_rng("faults", rnd, client)
    if r.uniform() < dropout:
        return ("dropped", None)
    t = base * math.exp(spread * r.normal())
    return ("late", t) if deadline is not None and t > deadline else ("ok", t)


def sample(rnd, n, m, faults, poisson=False):
    r = derived_rng(rnd, 0, "clientSampling")
    sampled = [c for c in range(n) if r.uniform() < m / n] if poisson else r.subsample_indices(m, n)
    out = {"round": rnd, "sampled": sampled, "dropped": [], "late": [], "working": [], "times": {}}
    for c in sampled:
        kind, t = fate(rnd, c, **faults)
        out["dropped" if kind == "dropped" else "late" if kind == "late" else "working"].append(c)
        if t is not None:
            out["times"][str(c)] = t
    return out


def clip(local, glob, norm):
    """DifferentialPrivacy.clip: Δ · min(1, norm/‖Δ‖), stored as Float; returns (w, clipped)."""
    d = local.astype(np.float64) - glob.astype(np.float64)
    n = math.sqrt(float(np.dot(d, d)))
    if not n > norm:
        return local, False
    return (glob.astype(np.float64) + d * (norm / n)).astype(f32), True


def attack(local, glob, kind, value, rng=None):
    """ByzantineAttack.apply on Δ = local − global."""
    d = local.astype(np.float64) - glob.astype(np.float64)
    if kind == "signFlip":
        nd = -value * d
    elif kind == "scaled":
        nd = value * d
    else:
        nd = np.array([d[k] + value * rng.normal() for k in range(len(d))])
    return (glob.astype(np.float64) + nd).astype(f32)


def main():
    with open(os.path.join(HERE, "strategy_reference.json")) as f:
        flower = json.load(f)
    init = np.array(flower["initial"], f32)
    rounds = flower["rounds"]
    n, dim = len(rounds[0]["offsets"]), len(init)
    targets = [(init.astype(np.float64) + np.array(o, np.float64).astype(f32)).astype(f32)
               for o in rounds[0]["offsets"]]

    def reply(t, c, glob):  # client c's update in round t (1-based)
        off = np.array(rounds[t - 1]["offsets"][c], np.float64).astype(f32)
        return (glob.astype(np.float64) + off.astype(np.float64)).astype(f32)

    def eval_loss(c, w):
        d = w.astype(np.float64) - targets[c].astype(np.float64)
        return 0.5 * float(np.dot(d, d)) / dim

    out = {"seed": SEED, "clients": n, "dimension": dim,
           "note": "clients reply global + offsets[round-1][i] from strategy_reference.json"}

    # --- sample: 3 of 7 without replacement, then faults; and DP Poisson sampling with q = 3/7.
    faults = {"dropout": 0.25, "deadline": 1.5, "base": 1.0, "spread": 0.5}
    out["sample"] = {"fraction_train": 0.5, "faults": faults,
                     "rounds": [sample(t, n, 3, faults) for t in range(1, 7)],
                     "poisson": [sample(t, n, 3, {**faults, "dropout": 0.0, "deadline": None}, poisson=True)
                                 for t in range(1, 7)]}

    # --- fit, screen, collect (round 1, every client sampled, no faults): client 2 replies a NaN at
    # element 4, client 5 flips its update's sign ×2, client 6 adds N(0, 0.5²) noise.
    t = 1
    glob = init
    outcomes = []
    for c in range(n):
        w = reply(t, c, glob)
        if c == 2:
            outcomes.append({"client": c, "rejected": "non-finite value nan at element 4"})
            continue
        if c == 5:
            w = attack(w, glob, "signFlip", 2.0)
        if c == 6:
            w = attack(w, glob, "gaussianNoise", 0.5, derived_rng(t, c, "byzantineAttack"))
        outcomes.append({"client": c, "parameters": w.tolist(), "num_examples": rounds[0]["num_examples"][c],
                         "train_loss": rounds[0]["train_loss"][c]})
    accepted = [o for o in outcomes if "parameters" in o]
    fedavg = weighted_mean([np.array(o["parameters"], f32) for o in accepted], [o["num_examples"] for o in accepted])
    losses = [o["train_loss"] for o in accepted]
    ns = [o["num_examples"] for o in accepted]
    out["round"] = {"round": t, "attacks": {"5": ["signFlip", 2.0], "6": ["gaussianNoise", 0.5]}, "nan_client": 2,
                    "nan_element": 4, "outcomes": outcomes, "fedavg": fedavg.tolist(),
                    "train_loss": float(np.dot(losses, ns) / float(sum(ns))),
                    "bytes_up": 4 * dim * n, "bytes_down": 4 * dim * n}

    # --- screen: clipping at S = 0.5, client side (before the attack) and server side (after it).
    S = 0.5
    w5 = reply(t, 5, glob)
    client_side, c1 = clip(w5, glob, S)
    client_side = attack(client_side, glob, "signFlip", 2.0)
    server_side, c2 = clip(attack(w5, glob, "signFlip", 2.0), glob, S)
    small, c3 = clip((glob + f32(1e-3)).astype(f32), glob, S)
    out["screen"] = {"clipping_norm": S, "client": 5, "client_side": client_side.tolist(), "client_side_clipped": c1,
                     "server_side": server_side.tolist(), "server_side_clipped": c2,
                     "small_update": small.tolist(), "small_update_clipped": c3}

    # --- aggregate with DP-FedAvg: all 7 sampled (m = 7), server-side clipping at S, z = 0.8;
    # the NaN client's update is rejected, so 6 clipped updates are summed over the fixed m.
    z, m = 0.8, n
    clipped = [clip(np.array(o["parameters"], f32), glob, S)[0] for o in accepted]
    total = sum(c.astype(np.float64) - glob.astype(np.float64) for c in clipped)
    mean = (glob.astype(np.float64) + total / m).astype(f32)
    noise = derived_rng(t, 0, "privacyNoise")
    std = z * S / m
    noised = np.array([f32(float(mean[k]) + std * noise.normal()) for k in range(dim)], f32)
    out["dp"] = {"noise_multiplier": z, "clipping_norm": S, "num_sampled_clients": m, "clipped_count":
                 sum(1 for o in accepted if clip(np.array(o["parameters"], f32), glob, S)[1]),
                 "global": noised.tolist()}

    # --- evaluate the FedAvg global on ⌊7 · 0.5⌋ = 3 clients (EVAL stream).
    ev = derived_rng(t, 0, "evaluationSampling").subsample_indices(3, n)
    ls = [eval_loss(c, fedavg) for c in ev]
    ens = [rounds[0]["num_examples"][c] for c in ev]
    out["evaluate"] = {"fraction_evaluate": 0.5, "evaluated": ev,
                       "loss": float(sum(l * e for l, e in zip(ls, ens)) / sum(ens))}

    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
