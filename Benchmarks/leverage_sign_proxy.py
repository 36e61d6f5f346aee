#!/usr/bin/env python3
"""A proxy for the sign→size scales of the generated z (issue 12, session 12; BENCHMARKS.md
"Leverage in the generated z (session 12)"): one lag (what `ZSignScales` does) against two lags.

For each series' checkpoint (`tgfl-bench realism --save DIR`), the checkpoint's own unconditional
recursion (`leverage_gap_check.simulate`: slow level, calibrated ω, σ bounds) is run with z i.i.d.
from the fitted filter's training z (the network left out: session 11 found it adds ≈ 0.01 of
leverage error), and the z are scaled

- `none`: not scaled;
- `lag 1`: by c(sign z_{t−1}), the rule of `ZSignScales` (mean |z_{t+1}| by the sign of z_t,
  normalised so that the training pairs' mean c² is 1);
- `lags 1–2`: by c(sign z_{t−1}, sign z_{t−2}), the same rule over the four sign pairs.

Scored as the realism benchmark (fair ACF|r| L2 lags 1–50, fair leverage L2 lags 1–20, against the
full series' 250-day chunks), 1,000 × 250 paths, seed 1.
Run: /work/pyref/bin/python Benchmarks/leverage_sign_proxy.py DIR series [series ...]
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dependence_diagnosis import fair, filt, load  # noqa: E402
from leverage_gap_check import checkpoint, simulate  # noqa: E402
from volatility_power_check import curves_fast  # noqa: E402


def scales(z, lags):
    """c per sign cell of the previous `lags` z (cell = Σ_j 2^j·1[z_{t−1−j} ≥ 0])."""
    n = len(z)
    cell = np.zeros(n - lags, dtype=int)
    for j in range(lags):
        cell += (z[lags - 1 - j:n - 1 - j] >= 0).astype(int) << j
    nxt = np.abs(z[lags:])
    a = nxt.mean()
    k = np.array([nxt[cell == i].mean() / a for i in range(2 ** lags)])
    p = np.array([np.mean(cell == i) for i in range(2 ** lags)])
    return k / np.sqrt((p * k * k).sum())


def scaled_draw(z, c_cells, lags):
    """draw(rng, s2) for `leverage_gap_check.simulate`: z i.i.d. from the training z, scaled by
    the factor of the cell of each path's previous `lags` draws (none: not scaled)."""
    history = []

    def draw(rng, s2):
        x = z[rng.integers(0, len(z), len(s2))]
        if c_cells is not None and len(history) >= lags:
            cell = np.zeros(len(s2), dtype=int)
            for j in range(lags):
                cell += (history[-1 - j] >= 0).astype(int) << j
            x = x * c_cells[cell]
        history.append(x)
        return x
    return draw


def main():
    folder = Path(sys.argv[1])
    for name in sys.argv[2:]:
        r = load(name)
        A0, L0 = fair(r)
        c = checkpoint(folder / f"{name}.h5")
        train = r[:int(0.8 * len(r))][:int(0.8 * int(0.8 * len(r)))]
        v = filt(train, c["mu"], c["omega"], c["alpha"], c["gamma"], c["beta"])
        z = (train - c["mu"]) / np.sqrt(v)
        cells = {1: scales(z, 1), 2: scales(z, 2)}
        line = [f"{name:24s} real lev1 {L0[0]:+.3f} lev2 {L0[1]:+.3f}"]
        for tag, cc, lags in (("none", None, 1), ("lag 1", cells[1], 1), ("lags 1-2", cells[2], 2)):
            A, L = curves_fast(simulate(c, scaled_draw(z, cc, lags), 1))
            line.append(f"{tag}: acf {np.linalg.norm(A - A0):.3f} lev {np.linalg.norm(L - L0):.3f} "
                        f"lev1 {L[0]:+.3f} lev2 {L[1]:+.3f}")
        line.append("c lag1 " + " ".join(f"{x:.3f}" for x in cells[1]) + "; c lags1-2 " + " ".join(f"{x:.3f}" for x in cells[2]))
        print("\n  ".join(line), flush=True)


if __name__ == "__main__":
    main()
