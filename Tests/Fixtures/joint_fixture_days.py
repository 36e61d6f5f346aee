"""Shared by the joint fixture scripts (make_joint_regime_starts_reference.py,
make_joint_regime_tail_map_reference.py): the market-regime pooling rule of JointRegimeStarts and
JointRegimeTailMap (`regimeRows`), and the joint_v1 fixture model's training days."""
import json
import sys
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "Benchmarks"))
from joint_crisis_gap_diagnosis import filter_sigma, filters, market  # noqa: E402


def regime_rows(labels, g):
    """The days of market regime g; under 30, the calmer regimes g - 1, g - 2, ... are added; under 4 at
    the calmest, every day."""
    lowest = g
    rows = np.flatnonzero(labels == g)
    while len(rows) < 30 and lowest > 0:
        lowest -= 1
        rows = np.flatnonzero((labels >= lowest) & (labels <= g))
    return rows if len(rows) >= 4 else np.arange(len(labels))


def synthetic_labels(rng, n, p=(0.45, 0.35, 0.15, 0.05)):
    """n synthetic market labels 0..3 with the given probabilities (the last regime rare, so that it pools)."""
    return rng.choice(4, size=n, p=list(p))


def regime_days(labels, R=4):
    """The number of days of each regime."""
    return [int(np.sum(labels == g)) for g in range(R)]


def fixture_training_days():
    """The joint_v1 fixture model (DAX, SMI) on the first 80 % of the bundled eu_stocks' log returns:
    (its stored filters' parameters, the training returns [n, K], each day's sigma under the filters
    [n, K], each asset's own regime band [n, K], the market label of each day [n])."""
    f = h5py.File(HERE / "joint_v1_model.h5", "r")["joint"]
    names = json.loads(f.attrs["assets"])
    K = len(names)
    par = filters(f, K)
    thresholds = [f[f"asset{k}.regimes.thresholds"][:] for k in range(K)]
    prices = np.genfromtxt(ROOT / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv", delimiter=",", names=True)
    R = np.column_stack([np.diff(np.log(prices[n])) for n in names])
    split = int(0.8 * len(R))
    train = R[:split]
    S = filter_sigma(par, train, split)
    own = np.column_stack([np.searchsorted(thresholds[k], S[:, k], side="right") for k in range(K)])
    return par, train, S, own, market(own)
