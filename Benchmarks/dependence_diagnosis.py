#!/usr/bin/env python3
"""Where TGFL's fair ACF-of-|r| and leverage errors come from (BENCHMARKS.md, "Dependence targets (session 9)").

For one bundled series, trained on its first 80 % (the realism protocol), prints the fair
ACF|r| L2 error (lags 1-50) and the fair leverage L2 error (lags 1-20) against the real series
cut into 250-day chunks (as RealismScorecard), split into short lags (ACF 1-5, leverage 1-3)
and the rest, with the curves' values at a few lags, for

- `garch_t`, `gjr_skewt`: the realism baselines' scenario files (Benchmarks/realism_baselines.py);
- `tgfl`: TGFL's generated scenarios (a `tgfl generate` CSV, --tgfl FILE);
- `recursion iid z`: the checkpoint's own GJR recursion (the `/volatility` section of --model:
  mu, omega or generation_omega, alpha, gamma, beta, floor, cap, the initial-sigma quantiles)
  run with z drawn i.i.d. from the training z of that recursion: TGFL without its network, so
  the gap to `tgfl` is what the network adds or removes;
- the same with z drawn per volatility level (v2's conditioning, 16 training quantiles);
- arch's GARCH-t and GJR-t fits on the same days, simulated with the same i.i.d. training z
  and the same start and bounds (what the recursion's parameters alone do).

It also prints the fitted parameters (checkpoint vs arch's GARCH-t, GJR-t, GJR skew-t) and the
sign/size of z's own dependence in TGFL's paths (corr(z_t, z_{t+1}^2), ACF of |z| at lag 1,
with z recomputed by the checkpoint's recursion on the generated returns).

Run: /work/pyref/bin/python Benchmarks/dependence_diagnosis.py sp500.close --model m.h5 \
        --tgfl gen.csv --baselines /work/bench/baselines   (seed 1; needs arch, h5py, numpy, pandas)
"""
import argparse
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from arch import arch_model

RES = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources"
P, H, S = 1000, 250, 16


def acf(x, K):
    x = x - x.mean()
    d = (x * x).sum()
    return np.array([(x[:-k] * x[k:]).sum() / d for k in range(1, K + 1)])


def lev(x, K):
    return np.array([np.corrcoef(x[:-k], x[k:] ** 2)[0, 1] for k in range(1, K + 1)])


def curves(paths):
    return (np.mean([acf(np.abs(p), 50) for p in paths], axis=0),
            np.nanmean([lev(p, 20) for p in paths], axis=0))


def fair(real):
    return curves([real[i * H:(i + 1) * H] for i in range(len(real) // H)])


def load(name):
    f, c = name.split(".")
    x = pd.read_csv(RES / f"{f}.csv")[c].to_numpy(dtype=float)
    return x if f in ("crsp_daily", "siemens") else np.diff(np.log(x))


def checkpoint_volatility(path):
    with h5py.File(path, "r") as f:
        g = f["volatility"]
        a = {k: g.attrs[k] for k in g.attrs}
        q = g["initial_log_sigma_quantiles"][()]
        return {k: float(a[k]) for k in ("mu", "omega", "alpha", "gamma", "beta", "sigma_floor", "sigma_cap")
                if k in a} | {"gen_omega": float(a.get("generation_omega", a["omega"])),
                              "gen_mean": float(a.get("generation_mean", a["mu"])),
                              "gen": tuple(float(a.get("generation_" + k, a[k])) for k in ("alpha", "gamma", "beta")),
                              "q": q}


def filt(x, mu, om, a, g, b):
    e = x - mu
    v = np.empty(len(x))
    s2 = np.mean(e[:75] ** 2) if len(e) > 75 else e.var()
    for t in range(len(x)):
        v[t] = s2
        s2 = om + (a + g * (e[t] < 0)) * e[t] ** 2 + b * s2
    return v


def simulate(seed, mu, om, a, g, b, lo, hi, q, draw):
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=P) * (len(q) - 1)
    i = np.minimum(u.astype(int), len(q) - 2)
    s2 = np.clip(np.exp(2 * (q[i] + (u - i) * (q[i + 1] - q[i]))), lo * lo, hi * hi)
    out = np.zeros((P, H))
    for d in range(H):
        e = np.sqrt(s2) * draw(rng, s2)
        out[:, d] = mu + e
        s2 = np.clip(om + (a + g * (e < 0)) * e * e + b * s2, lo * lo, hi * hi)
    return out


def row(tag, paths, A0, L0):
    A, L = curves(paths)
    dA, dL = A - A0, L - L0
    print("  %-26s acf %.3f (1-5 %.3f, 6-50 %.3f)  lev %.3f (1-3 %.3f, 4-20 %.3f) | acf1 %.3f acf5 %.3f acf20 %.3f acf50 %.3f lev1 %.3f lev2 %.3f lev5 %.3f std %.5f"
          % (tag, np.linalg.norm(dA), np.linalg.norm(dA[:5]), np.linalg.norm(dA[5:]), np.linalg.norm(dL),
             np.linalg.norm(dL[:3]), np.linalg.norm(dL[3:]), A[0], A[4], A[19], A[49], L[0], L[1], L[4],
             np.std(paths)))


def per_level_draw(z, v):
    """draw(rng, s2): z drawn from the training z of each path's volatility level (S training
    quantile bands of log σ, v the training variances): v2's conditioning of the network."""
    edges = np.quantile(0.5 * np.log(v), np.arange(1, S) / S)
    pools = [z[np.searchsorted(edges, 0.5 * np.log(v), side="right") == j] for j in range(S)]

    def draw(rng, s2):
        lv = np.searchsorted(edges, 0.5 * np.log(s2), side="right")
        out = np.empty(len(s2))
        for j in range(S):
            m = lv == j
            if m.any():
                out[m] = rng.choice(pools[j], m.sum())
        return out
    draw.pools = pools
    return draw


def run(name, model, tgfl, baselines, seed=1):
    r = load(name)
    train = r[: int(0.8 * len(r))]
    A0, L0 = fair(r)
    print(f"== {name}: real fair acf1 {A0[0]:.3f} acf5 {A0[4]:.3f} acf20 {A0[19]:.3f} acf50 {A0[49]:.3f} "
          f"lev1 {L0[0]:.3f} lev2 {L0[1]:.3f} lev5 {L0[4]:.3f}; train std {train.std():.5f}, full {r.std():.5f}")
    fits = {}
    for key, vol, o, dist in [("garch_t", "GARCH", 0, "t"), ("gjr_t", "GARCH", 1, "t"), ("gjr_skewt", "GARCH", 1, "skewt")]:
        p = arch_model(100 * train, mean="Constant", vol=vol, p=1, o=o, q=1, dist=dist).fit(disp="off").params
        fits[key] = (p["mu"] / 100, p["omega"] / 1e4, p["alpha[1]"], p.get("gamma[1]", 0.0), p["beta[1]"])
        print("  fit %-10s a %.4f g %.4f b %.4f persistence %.4f" % (key, *fits[key][2:],
              fits[key][2] + fits[key][3] / 2 + fits[key][4]))
    for key in ["garch_t", "gjr_skewt"]:
        f = Path(baselines or ".") / f"{name}.{key}.csv"
        if baselines and f.exists():
            row(key + " (file)", pd.read_csv(f).to_numpy(), A0, L0)
    if tgfl:
        row("tgfl", pd.read_csv(tgfl).to_numpy(), A0, L0)
    if not model:
        return
    c = checkpoint_volatility(model)
    print("  checkpoint a %.4f g %.4f b %.4f persistence %.4f  omega %.3g gen_omega %.3g  floor %.4g cap %.4g"
          % (c["alpha"], c["gamma"], c["beta"], c["alpha"] + c["gamma"] / 2 + c["beta"], c["omega"], c["gen_omega"],
             c["sigma_floor"], c["sigma_cap"]))
    print("  generation a %.4f g %.4f b %.4f (generation_alpha/gamma/beta; the fitted ones when absent)" % c["gen"])
    v = filt(train, c["mu"], c["omega"], c["alpha"], c["gamma"], c["beta"])
    z = (train - c["mu"]) / np.sqrt(v)
    per_level = per_level_draw(z, v)
    iid = lambda rng, s2: rng.choice(z, len(s2))
    lo, hi = c["sigma_floor"], c["sigma_cap"]
    base = (c["gen_mean"], c["gen_omega"], *c["gen"])
    row("recursion iid z", simulate(seed, *base, lo, hi, c["q"], iid), A0, L0)
    if c["gen"] != (c["alpha"], c["gamma"], c["beta"]):
        # The fitted coefficients with the same implied level (what generation ran before matching).
        m2, m2n = np.mean(z ** 2), np.mean(z ** 2 * (z < 0))
        level = c["gen_omega"] / max(1 - (c["gen"][0] * m2 + c["gen"][1] * m2n + c["gen"][2]), 1e-6)
        pf = c["alpha"] * m2 + c["gamma"] * m2n + c["beta"]
        row("fitted coefficients iid z", simulate(seed, c["gen_mean"], level * max(1 - pf, 1e-3), c["alpha"], c["gamma"],
                                                  c["beta"], lo, hi, c["q"], iid), A0, L0)
    row("recursion per-level z", simulate(seed, *base, lo, hi, c["q"], per_level), A0, L0)
    row("recursion iid z, no cap", simulate(seed, *base, lo, 1e3, c["q"], iid), A0, L0)
    for key in ["garch_t", "gjr_t"]:
        mu, om, a, g, b = fits[key]
        # ω scaled so that the implied level matches the checkpoint's generation level.
        pers = a + g * np.mean(z ** 2 * (z < 0)) + b * 1.0 + (a * (np.mean(z ** 2) - 1))
        ga, gg, gb = c["gen"]
        target = c["gen_omega"] / max(1 - (ga * np.mean(z ** 2) + gg * np.mean(z ** 2 * (z < 0)) + gb), 1e-6)
        row(f"{key} params iid z", simulate(seed, mu, target * max(1 - pers, 1e-6), a, g, b, lo, hi, c["q"], iid),
            A0, L0)
    if tgfl:
        x = pd.read_csv(tgfl).to_numpy()
        zz = []
        for p in x[:300]:
            vv = filt(p, c["gen_mean"], c["gen_omega"], *c["gen"])
            zz.append((p - c["gen_mean"]) / np.sqrt(np.clip(vv, lo * lo, hi * hi)))
        zz = np.array(zz)
        print("  tgfl z: mean %.3f E[z^2] %.3f  acf|z| lag1 %.3f  corr(z_t, z_t+1^2) %.3f   training z: acf|z|1 %.3f lev1 %.3f"
              % (zz.mean(), (zz ** 2).mean(), np.mean([acf(np.abs(p), 1)[0] for p in zz]),
                 np.nanmean([lev(p, 1)[0] for p in zz]), acf(np.abs(z), 1)[0], lev(z, 1)[0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("series")
    ap.add_argument("--model", help="TGFL checkpoint trained on the first 80 %")
    ap.add_argument("--tgfl", help="its scenarios (tgfl generate --paths 1000 --horizon 250 --regime none)")
    ap.add_argument("--baselines", help="folder of the realism baselines' scenario CSVs")
    a = ap.parse_args()
    run(a.series, a.model, a.tgfl, a.baselines)


if __name__ == "__main__":
    main()
