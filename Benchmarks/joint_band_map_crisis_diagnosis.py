#!/usr/bin/env python3
"""Issue 17, session 21 (joint21): why the z band map (session 20, `--band-map`) lowers the return
correlation of the unconditional scenarios' market-crisis days, and how much of each band scale is
sampling error.

usage: /work/pyref/bin/python Benchmarks/joint_band_map_crisis_diagnosis.py [--boot 400] OFF_DIR ON_DIR [ON_DIR ...]

Each DIR is a `tgfl-bench joint --out` directory of the same network (model.h5, model.json, real.csv,
tgfl_unconditional.csv drawn with seed + 1): OFF_DIR without a band map, each ON_DIR with one.

1. Which days are "crisis" days. `joint_baselines.py` scores the mean pairwise return correlation of the
   generated days whose *market* regime (the lower median of the assets' own bands, as generation labels
   them) is the crisis set (the top regime, or volatile + crisis with fewer than 60 real crisis days).
   Per set: the share of such days, how many assets sit in their own crisis band on them, each asset's
   share of own-crisis-band days there, each asset's σ ratio (mean σ over its training crisis-band mean).
   σ is rebuilt exactly as unconditional generation runs it (day 0 from the path's first uniform through the
   training σ quantiles, then the GJR step with ω times the asset's variance scale, clamped), and the rebuilt
   labels are checked against the CSV's.
2. Their co-movement: the mean pairwise correlation of r, of z = (r − μ)/σ, and the return correlation the
   days' σ and z would give if z were independent of σ (E[σ_iσ_j] cov z_ij / √(E σ_i² var z_i E σ_j² var z_j)).
3. Counterfactuals on an ON set (same days, same σ): the band scales s_k,b(σ) undone on z (z/s); the
   network's draw before the scale — ũ_k = (z_k/s_k − Σ_{j<k} L_kj u'_j)/L_kk, u' = L_g⁻¹ z the u the
   stream carried (generation writes back the scaled u of asset k, so the later assets' z of the day carry
   it through the generation factor L_g of the day's market regime g) — and the scale applied without that
   write-back, z = s ⊙ (L_g ũ) (each asset's z scaled, the day's dependence kept).
4. The targets' sampling error: per asset and band, the training z's spread Σ_ℓ|q(ℓ) − q(50 %)| over the
   band map's 11 levels (numpy quantiles; the model stores them on a 0.01 grid), its block-bootstrap
   standard error in log (blocks of 20 consecutive band days, `--boot` draws, seed 21), against the stored
   scale spread(t)/spread(s) of each ON model (a session-21 model's shrunk by its `band_map.target_log_se`,
   as JointBandMap.shrunk; its rule `own_z` writes nothing back, so its network draw is z / s).
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_crisis_gap_diagnosis import backcast, first_uniform, interp, mean_off, mixture_mean_off  # noqa: E402

LEVELS = np.array([0.01, 0.025, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.975, 0.99])


def spread(q):
    return np.abs(q - q[..., 5:6]).sum(-1)


class Run:
    def __init__(self, d):
        self.d = d
        info = json.load(open(d + "/model.json"))
        self.info = info
        self.names, self.K = info["assets"], len(info["assets"])
        self.thr = [np.asarray(t) for t in info["regime_thresholds"]]
        self.rn = info["regime_names"]
        f = h5py.File(d + "/model.h5", "r")["joint"]
        K = self.K
        self.par = [{x: float(f.attrs[f"asset{k}.volatility.{x}"]) for x in
                     ("mu", "omega", "alpha", "gamma", "beta", "sigma_floor", "sigma_cap")} for k in range(K)]
        self.q0 = [f[f"asset{k}.volatility.initial_log_sigma_quantiles"][:] for k in range(K)]
        self.scales = f["variance.omega_scales"][:] if "variance.omega_scales" in f else np.ones(K)
        self.L = f["cholesky"][:].reshape(-1, K, K)
        self.band_scales = None
        if "band_map.sources" in f:
            t = f["band_map.targets"][:].reshape(K, -1, 11)
            s = f["band_map.sources"][:].reshape(K, -1, 11)
            self.band_scales = spread(t) / spread(s)
            if "band_map.target_log_se" in f:      # session 21: shrunk toward 1 by the targets' sampling error
                se = f["band_map.target_log_se"][:].reshape(K, -1)
                logs = np.log(self.band_scales)
                tau2 = np.maximum(0.0, np.mean(logs ** 2 - se ** 2, axis=0))
                den = tau2[None, :] + se ** 2
                self.band_scales = np.exp(np.where(den > 0, tau2[None, :] / np.where(den > 0, den, 1), 1.0) * logs)
        rule = f.attrs.get("band_map.rule", b"written_back")
        self.rule = rule.decode() if isinstance(rule, bytes) else str(rule)
        real = pd.read_csv(d + "/real.csv")
        self.real, self.real_lab = real[self.names].values, real["label"].values
        top = len(self.rn) - 1
        self.crisis_set = [top] if np.sum(self.real_lab == top) >= 60 else [top - 1, top]
        self.split = info["split_day"]
        G = pd.read_csv(d + "/tgfl_unconditional.csv")
        P, H = G["path"].max() + 1, G["day"].nunique()
        self.X = G[self.names].values.reshape(P, H, K)
        self.glab = G["regime"].values.reshape(P, H)
        seed = info["seed"] + 1
        S = np.zeros((P, H, K))
        for k, a in enumerate(self.par):
            lo, hi = a["sigma_floor"] ** 2, a["sigma_cap"] ** 2
            om = a["omega"] * self.scales[k]
            for p in range(P):
                v = min(max(np.exp(2 * interp(self.q0[k], first_uniform(seed, p))), lo), hi)
                for t in range(H):
                    S[p, t, k] = np.sqrt(v)
                    e = self.X[p, t, k] - a["mu"]
                    v = min(max(om + (a["alpha"] + (a["gamma"] if e < 0 else 0)) * e * e + a["beta"] * v, lo), hi)
        self.S = S.reshape(-1, K)
        self.Xf = self.X.reshape(-1, K)
        self.bands = np.column_stack([np.searchsorted(self.thr[k], self.S[:, k], side="right") for k in range(K)])
        self.mlab = np.sort(self.bands, axis=1)[:, (K - 1) // 2]
        self.check = float(np.mean(self.mlab == self.glab.ravel()))
        self.mu = np.array([a["mu"] for a in self.par])
        self.Z = (self.Xf - self.mu) / self.S

    def real_sigma(self):
        S = np.zeros_like(self.real)
        for k, a in enumerate(self.par):
            lo, hi = a["sigma_floor"] ** 2, a["sigma_cap"] ** 2
            tr = self.real[:self.split, k]
            v = min(max(a["omega"] + (a["alpha"] + a["gamma"] / 2 + a["beta"]) * backcast(tr - tr.mean()), lo), hi)
            for t in range(len(self.real)):
                S[t, k] = np.sqrt(v)
                e = self.real[t, k] - a["mu"]
                v = min(max(a["omega"] + (a["alpha"] + (a["gamma"] if e < 0 else 0)) * e * e + a["beta"] * v, lo), hi)
        return S


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--boot", type=int, default=400)
    ap.add_argument("off")
    ap.add_argument("on", nargs="+")
    o = ap.parse_args()
    off = Run(o.off)
    ons = [Run(d) for d in o.on]
    K, rn, names = off.K, off.rn, off.names
    top = len(rn) - 1
    Sr = off.real_sigma()
    Zr = (off.real - off.mu) / Sr
    rb = np.column_stack([np.searchsorted(off.thr[k], Sr[:, k], side="right") for k in range(K)])
    rlab = np.sort(rb, axis=1)[:, (K - 1) // 2]
    print(f"== {off.info['bundled']} seed {off.info['seed']}; assets {names}; crisis set {[rn[g] for g in off.crisis_set]}; "
          f"real labels rebuilt {np.mean(rlab == off.real_lab):.4f} equal")
    crisis_band_sigma = [Sr[:off.split, k][rb[:off.split, k] == top].mean() for k in range(K)]

    def describe(tag, X, Z, S, bands, mlab):
        m = np.isin(mlab, off.crisis_set)
        n_own = (bands[m] == top).sum(1)
        own = (bands[m] == top).mean(0)
        sig = S[m].mean(0) / np.array(crisis_band_sigma)
        print(f"| {tag} | {m.mean():.4f} ({m.sum()}) | " + " ".join(f"{np.mean(n_own == j):.2f}" for j in range(K + 1))
              + " | " + " ".join(f"{v:.2f}" for v in own) + " | " + " ".join(f"{v:.2f}" for v in sig)
              + f" | {mean_off(X[m]):.3f} | {mean_off(Z[m]):.3f} | {mixture_mean_off(Z[m], S[m]):.3f} |")
        return m

    print("\n1–2. The market-crisis days and their co-movement (share of days (count) | assets in their own crisis band: "
          f"0 … {K} | each asset's own crisis-band share | each asset's mean σ / its training crisis-band mean σ | "
          "corr r | corr z | corr r if z were independent of σ)")
    print("| set | crisis share | # assets in own crisis band 0…K | own crisis band per asset | σ / training crisis σ | corr r | corr z | r corr, z ⟂ σ |")
    print("|---|---|---|---|---|---|---|---|")
    describe("real, all days", off.real, Zr, Sr, rb, rlab)
    describe("real, training days", off.real[:off.split], Zr[:off.split], Sr[:off.split], rb[:off.split], rlab[:off.split])
    describe(f"off (labels rebuilt {off.check:.4f})", off.Xf, off.Z, off.S, off.bands, off.mlab)
    for r in ons:
        m = describe(f"on {r.d.rstrip('/').split('/')[-2]} (labels rebuilt {r.check:.4f})", r.Xf, r.Z, r.S, r.bands, r.mlab)
        if r.band_scales is None:
            continue
        sc = np.column_stack([r.band_scales[k][r.bands[:, k]] for k in range(K)])
        # u' = L_g^-1 z (what the stream carried), the network's draw ũ before the scale, the scale without the write-back.
        if r.rule == "own_z":                      # session 21: nothing written back, the network's draw is z / s
            z0 = r.Z / sc
        else:
            Lg = r.L[r.mlab]
            up = np.array([np.linalg.solve(Lg[i], r.Z[i]) for i in range(len(r.Z))])
            ut = np.zeros_like(up)
            for k in range(K):
                earlier = np.einsum("ij,ij->i", Lg[:, k, :k], up[:, :k]) if k else 0
                ut[:, k] = (r.Z[:, k] / sc[:, k] - earlier) / Lg[:, k, k]
            z0 = np.einsum("ikj,ij->ik", Lg, ut)
        znf = sc * z0
        print(f"   rule {r.rule}; counterfactuals on these days (same σ): corr r / corr z with the scales undone on z "
              f"{mean_off((r.Z[m] / sc[m]) * r.S[m]):.3f} / {mean_off(r.Z[m] / sc[m]):.3f}; the network's draw L_g ũ "
              f"{mean_off(z0[m] * r.S[m]):.3f} / {mean_off(z0[m]):.3f}; scaled without the write-back "
              f"{mean_off(znf[m] * r.S[m]):.3f} / {mean_off(znf[m]):.3f}")
        print("   band scales applied on these days, per asset (mean): "
              + " ".join(f"{names[k]} {sc[m, k].mean():.3f}" for k in range(K))
              + "; stored scales per asset (calm … crisis): "
              + "; ".join(f"{names[k]} " + " ".join(f"{v:.3f}" for v in r.band_scales[k]) for k in range(K))
              + "; ω scales " + " ".join(f"{v:.3f}" for v in r.scales))

    # 4. The targets' sampling error.
    rng = np.random.default_rng(21)
    print(f"\n4. Training z spread per asset and band (days), its block-bootstrap s.e. in log (blocks of 20 band days, "
          f"{o.boot} draws), and the stored scales of the ON models")
    for k in range(K):
        z, b = Zr[:off.split, k], rb[:off.split, k]
        cells = []
        for g in range(len(rn)):
            x = z[b == g]
            n = len(x)
            sp = spread(np.quantile(x, LEVELS))
            nb = int(np.ceil(n / 20))
            starts = np.arange(0, n, 20)
            logs = []
            for _ in range(o.boot):
                pick = np.concatenate([x[s:s + 20] for s in rng.choice(starts, nb)])[:n]
                logs.append(np.log(spread(np.quantile(pick, LEVELS))))
            cells.append(f"{rn[g]} {n}: {sp:.2f} ± {np.std(logs):.3f}")
        print(f"   {names[k]}: " + "; ".join(cells) + " | stored scales "
              + "; ".join(" ".join(f"{v:.3f}" for v in r.band_scales[k]) for r in ons if r.band_scales is not None))


if __name__ == "__main__":
    main()
