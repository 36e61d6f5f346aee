#!/usr/bin/env python3
"""The box h of the noised volatility level (`tgfl federate --dp-volatility-bound`), chosen from
PUBLIC data only (issue 19; the rule of session 17, dp17, shipped in session 18).

The release: each client sends u_i = clamp(½·log(Var(member)/Var(public)), −h, h) on its days in
common with the public series, and the server releases ū = clamp((Σ u_i + N(0, (z_v h)²)) / N, −h, h).
ε depends on z_v alone, so h trades the clamp's bias (clients beyond ±h) against the noise z_v·h/N.
The members' offsets cannot be used to choose h (that would spend privacy), so the rule uses public
stand-ins: other public indices of the same market against the same public reference series. Each
peer's log-σ ratio to the reference is computed on `--periods` equal periods of their common days
(the spread a federation's clients would show), and

    h* = argmin over the grid of  max over peers of  sqrt((mean(clip(periods, −h, h)) − mean(periods))² + (z_v h / N)²),

the h whose worst root-mean-square error of the released level over the peers is smallest.

Defaults (the README's recommended setting): reference the bundled Dow Jones (close), peers the
bundled NYSE Composite (close) and CRSP value-weighted index (returns), 8 periods, 8 clients, z_v 1,
grid 0.05 … 0.30 by 0.025 -> h* 0.175 (worst RMSE 0.0238 against 0.0313 at 0.25).

Sources: NAME:COLUMN of a bundled CSV (Sources/TGFLCore/Resources), or PATH.csv:COLUMN with a
`date` column; a column named `close` (or any with --prices COLUMN) is read as prices and turned
into log returns, any other as log returns.
Usage: privacy_level_bound.py [--reference djia:close] [--peers nyse:close crsp_daily:crsp]
           [--clients 8] [--noise 1] [--periods 8] [--grid 0.05 0.30 0.025] [--json OUT]
Needs numpy and pandas.
"""
import argparse
import json
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "Sources", "TGFLCore", "Resources")


def load(source, prices=("close",)):
    """A dated log-return series from NAME:COLUMN (bundled) or PATH.csv:COLUMN."""
    path, _, column = source.rpartition(":")
    if not path:
        sys.exit(f"give a source as NAME:COLUMN or PATH.csv:COLUMN, got {source!r}")
    file = path if path.endswith(".csv") else os.path.join(RESOURCES, path + ".csv")
    if not os.path.exists(file):
        sys.exit(f"{source}: no file {file}")
    df = pd.read_csv(file, parse_dates=["date"]).set_index("date")
    if column not in df:
        sys.exit(f"{source}: no column {column!r} (columns: {', '.join(df.columns)})")
    s = df[column].astype(float)
    return np.log(s).diff().dropna() if column in prices else s.dropna()


def peer_offsets(reference, peers, periods=8):
    """Each public peer's log-σ ratio to the reference on their common days: the whole span and
    `periods` equal periods of it."""
    out = {}
    for name, s in peers.items():
        j = pd.concat([s, reference], axis=1, join="inner").dropna().to_numpy()
        n = len(j)
        if n < 20 * periods:
            sys.exit(f"peer {name}: {n} days in common with the reference, fewer than 20 per period")
        cuts = [(c * n // periods, (c + 1) * n // periods) for c in range(periods)]
        out[name] = {"days": n, "offset": float(0.5 * np.log(j[:, 0].var() / j[:, 1].var())),
                     "periods": [float(0.5 * np.log(j[a:b, 0].var() / j[a:b, 1].var())) for a, b in cuts]}
    return out


def worst_rmse(h, peers, noise, clients):
    """The largest root-mean-square error of the released level over the peers at box h."""
    return max(np.hypot(np.mean(np.clip(p["periods"], -h, h)) - np.mean(p["periods"]), noise * h / clients)
               for p in peers.values())


def choose_bound(peers, noise=1.0, clients=8, grid=None):
    """(h*, {h: worst RMSE}) on the grid (default 0.05 … 0.30 by 0.025)."""
    grid = np.round(np.arange(0.05, 0.3001, 0.025), 3) if grid is None else np.asarray(grid)
    errors = {float(h): float(worst_rmse(h, peers, noise, clients)) for h in grid}
    return min(errors, key=errors.get), errors


def default_peers(periods=8):
    """The defaults' peers against the bundled Dow Jones (public data only)."""
    return peer_offsets(load("djia:close"), {"nyse": load("nyse:close"), "crsp": load("crsp_daily:crsp")}, periods)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default="djia:close")
    ap.add_argument("--peers", nargs="+", default=["nyse:close", "crsp_daily:crsp"])
    ap.add_argument("--prices", nargs="*", default=["close"], help="columns read as prices (else log returns)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--noise", type=float, default=1.0, help="z_v (--dp-volatility-noise)")
    ap.add_argument("--periods", type=int, default=8)
    ap.add_argument("--grid", type=float, nargs=3, default=[0.05, 0.30, 0.025], metavar=("LO", "HI", "STEP"))
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.clients < 1 or a.periods < 1 or not a.noise > 0:
        sys.exit("--clients and --periods must be >= 1 and --noise > 0")
    lo, hi, step = a.grid
    if not (0 < lo <= hi and step > 0):
        sys.exit("--grid LO HI STEP needs 0 < LO <= HI and STEP > 0")
    grid = np.round(np.arange(lo, hi + step / 100, step), 6)
    prices = tuple(a.prices)
    reference = load(a.reference, prices)
    peers = peer_offsets(reference, {p: load(p, prices) for p in a.peers}, a.periods)
    h, errors = choose_bound(peers, a.noise, a.clients, grid)
    for name, p in peers.items():
        print(f"{name}: {p['offset']:+.4f} over {p['days']} days; periods {np.round(p['periods'], 3).tolist()}")
    print("worst RMSE of the released level by h: " + ", ".join(f"{k:g} {v:.4f}" for k, v in errors.items()))
    print(f"h* = {h:g} (noise z_v·h/N = {a.noise * h / a.clients:.4f}); use --dp-volatility-bound {h:g}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"bound": h, "worst_rmse": errors, "peers": peers, "clients": a.clients, "noise": a.noise,
                       "periods": a.periods}, f, indent=1)


if __name__ == "__main__":
    main()
