#!/usr/bin/env python3
"""Issue 17, session 15 (jtail15): where do the joint models' per-asset one-day tail misses come from?
usage: /work/pyref/bin/python Benchmarks/joint_tail_diagnosis.py RUNDIR [long|unconditional]
RUNDIR: a `tgfl-bench joint --out` directory (unconditional model runs: model.h5 without generation calibration).
Rebuilds every generated path's sigma exactly as JointScenarioModel.generate does for unconditional
runs of joint models (fitted filter step, fitted omega, floor/cap, day 0 = initialVariance(u) with u the
first uniform of SeededRNG(seed + off, stream p)), then compares per asset: r's 1 % VaR/ES (full sample,
training span, generated), the z quantiles (training z under the filter vs generated z), the
whitened u quantiles, sigma quantiles, and swaps (generated sigma x bootstrap of training z)."""
import sys, json, numpy as np, h5py, pandas as pd
M = (1 << 64) - 1
def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
def first_uniform(seed, stream):
    sm = (seed ^ ((stream * 0x9E3779B97F4A7C15) & M) ^ 0xD1B54A32D192ED03) & M
    s = []
    for _ in range(4):
        sm = (sm + 0x9E3779B97F4A7C15) & M; z = sm
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M; z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M; s.append(z ^ (z >> 31))
    return (((rotl((s[1] * 5) & M, 7) * 9) & M) >> 11) * 2.0 ** -53
def interp(q, u):
    x = min(max(u, 0), 1) * (len(q) - 1); i = min(int(x), len(q) - 2); return q[i] + (x - i) * (q[i + 1] - q[i])
def var_es(x, a=0.01):
    q = np.quantile(x, a); return -q, -x[x <= q].mean()
def kurt(x): x = np.asarray(x) - np.mean(x); return np.mean(x ** 4) / np.mean(x ** 2) ** 2 - 3
def backcast(e):
    tau = min(75, len(e)); w = 0.94 ** np.arange(tau); w /= w.sum(); return np.sum(w * e[:tau] ** 2)

d = sys.argv[1]; kind = sys.argv[2] if len(sys.argv) > 2 else 'long'
info = json.load(open(d + '/model.json')); seed = info['seed']; split = info['split_day']; names = info['assets']; K = len(names)
f = h5py.File(d + '/model.h5', 'r')['joint']
L = f['cholesky'][:].reshape(-1, K, K); edges = f['tokenizer.bin_edges'][:]
real = pd.read_csv(d + '/real.csv'); R = real[names].values; lab = real['label'].values
off = 3 if kind == 'long' else 1
G = pd.read_csv(d + f'/tgfl_{kind}.csv'); P = G['path'].max() + 1; H = G['day'].max() + 1
GR = G[names].values.reshape(P, H, K); Greg = G['regime'].values.reshape(P, H)
us = [first_uniform(seed + off, p) for p in range(P)]
Ztr, Zg, S2tr, S2g = [], [], [], []
for k, nm in enumerate(names):
    a = {x: f.attrs[f'asset{k}.volatility.{x}'] for x in ['mu', 'omega', 'alpha', 'gamma', 'beta', 'nu', 'sigma_floor', 'sigma_cap']}
    lo, hi = a['sigma_floor'] ** 2, a['sigma_cap'] ** 2; q0 = f[f'asset{k}.volatility.initial_log_sigma_quantiles'][:]
    def step(v, e): return min(max(a['omega'] + (a['alpha'] + (a['gamma'] if e < 0 else 0)) * e * e + a['beta'] * v, lo), hi)
    tr = R[:split, k]; v = min(max(a['omega'] + (a['alpha'] + a['gamma'] / 2 + a['beta']) * backcast(tr - tr.mean()), lo), hi)
    s2 = np.zeros(split)
    for t in range(split): s2[t] = v; v = step(v, tr[t] - a['mu'])
    S2tr.append(s2); Ztr.append((tr - a['mu']) / np.sqrt(s2))
    s2g = np.zeros((P, H))
    for p in range(P):
        v = min(max(np.exp(2 * interp(q0, us[p])), lo), hi)
        for t in range(H): s2g[p, t] = v; v = step(v, GR[p, t, k] - a['mu'])
    S2g.append(s2g.ravel()); Zg.append((GR[:, :, k].ravel() - a['mu']) / np.sqrt(s2g.ravel()))
Ztr = np.array(Ztr).T; Zg = np.array(Zg).T; S2tr = np.array(S2tr).T; S2g = np.array(S2g).T
labtr = lab[:split]; labg = Greg.ravel()
Utr = np.array([np.linalg.solve(L[labtr[t]], Ztr[t]) for t in range(split)])
Ug = np.array([np.linalg.solve(L[labg[t]], Zg[t]) for t in range(len(labg))])
rng = np.random.default_rng(0)
Q = [0.005, 0.01, 0.025, 0.975, 0.99, 0.995]
print(f'== {d} ({kind}: {P}x{H}); split {split} of {len(R)}; regime shares training {np.bincount(labtr, minlength=4) / split} generated {np.bincount(labg, minlength=4) / len(labg)}')
for k, nm in enumerate(names):
    vf, ef = var_es(R[:, k]); vt, et = var_es(R[:split, k]); vh, eh = var_es(R[split:, k]); vg, eg = var_es(GR[:, :, k].ravel())
    print(f'-- {nm}: 1% VaR/ES full {vf:.4f}/{ef:.4f} | training {vt:.4f}/{et:.4f} | held-out {vh:.4f}/{eh:.4f} | generated {vg:.4f}/{eg:.4f} '
          f'(gen/full {vg / vf - 1:+.1%}/{eg / ef - 1:+.1%}; gen/train {vg / vt - 1:+.1%}/{eg / et - 1:+.1%})')
    print(f'   kurt r: full {kurt(R[:, k]):.2f} train {kurt(R[:split, k]):.2f} gen {kurt(GR[:, :, k]):.2f} | kurt z: train {kurt(Ztr[:, k]):.2f} gen {kurt(Zg[:, k]):.2f}'
          f' | E z^2 train {np.mean(Ztr[:, k] ** 2):.3f} gen {np.mean(Zg[:, k] ** 2):.3f}')
    qt = np.quantile(Ztr[:, k], Q); qg = np.quantile(Zg[:, k], Q)
    print('   z quantiles 0.5/1/2.5/97.5/99/99.5 %: train ' + ' '.join(f'{x:+.2f}' for x in qt) + ' | gen ' + ' '.join(f'{x:+.2f}' for x in qg)
          + ' | gen/train ' + ' '.join(f'{b / a:.3f}' for a, b in zip(qt, qg)))
    qt = np.quantile(Utr[:, k], Q); qg = np.quantile(Ug[:, k], Q)
    print('   u quantiles: train ' + ' '.join(f'{x:+.2f}' for x in qt) + ' | gen ' + ' '.join(f'{x:+.2f}' for x in qg)
          + ' | gen/train ' + ' '.join(f'{b / a:.3f}' for a, b in zip(qt, qg)))
    st = np.sqrt(S2tr[:, k]); sg = np.sqrt(S2g[:, k])
    print('   sigma 1/10/50/90/99 %: train ' + ' '.join(f'{x:.4f}' for x in np.quantile(st, [.01, .1, .5, .9, .99]))
          + ' | gen ' + ' '.join(f'{x:.4f}' for x in np.quantile(sg, [.01, .1, .5, .9, .99]))
          + f' | E s2 ratio gen/train {np.mean(S2g[:, k]) / np.mean(S2tr[:, k]):.3f}')
    mu = f.attrs[f'asset{k}.volatility.mu']
    sw1 = mu + sg * rng.choice(Ztr[:, k], size=len(sg)); sw2 = mu + st[rng.integers(0, split, size=len(sg))] * Zg[:, k]
    v1, e1 = var_es(sw1); v2, e2 = var_es(sw2)
    print(f'   swaps: gen sigma x train z: VaR/ES {v1:.4f}/{e1:.4f}; train sigma x gen z: {v2:.4f}/{e2:.4f}')
