#!/usr/bin/env python3
"""Golden audit statistics for TGFLFederated's PrivacyAudit, from scikit-learn and SciPy.

Scores with ties and unequal set sizes (seed 19): roc_auc_score, roc_curve(drop_intermediate=False)
and the TPR at FPR <= 1 % (largest TPR among the ROC points with FPR <= 0.01); the Mann-Whitney U
of scipy.stats as a second check of the AUC; longest common run of two token lists (brute force);
distances to the closest record (scipy.spatial.distance.cdist).

Run:  /work/pyref/bin/python Tests/Fixtures/make_audit_reference.py
Writes Tests/Fixtures/audit_reference.json.
"""
import json
import os

import numpy as np
from scipy import stats
from scipy.spatial.distance import cdist
from sklearn.metrics import roc_auc_score, roc_curve


def longest_common_run(a, b):
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


def main():
    rng = np.random.default_rng(19)
    cases = []
    for n_mem, n_non, shift in [(300, 200, 0.3), (150, 400, 0.0), (50, 50, 1.0)]:
        mem = np.round(rng.normal(shift, 1, n_mem), 1)     # rounded: ties
        non = np.round(rng.normal(0, 1, n_non), 1)
        y = np.r_[np.ones(n_mem), np.zeros(n_non)]
        s = np.r_[mem, non]
        fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
        u = stats.mannwhitneyu(mem, non, alternative="two-sided").statistic
        cases.append({"members": mem.tolist(), "non_members": non.tolist(),
                      "auc": float(roc_auc_score(y, s)), "auc_mannwhitney": float(u / (n_mem * n_non)),
                      "tpr_at_1pct_fpr": float(tpr[np.where(fpr <= 0.01)[0][-1]]),
                      "tpr_at_10pct_fpr": float(tpr[np.where(fpr <= 0.10)[0][-1]])})
    a = rng.integers(0, 6, 80).tolist()
    b = rng.integers(0, 6, 120).tolist()
    b[30:41] = a[10:21]                                     # a planted run of 11
    c = rng.integers(0, 6, 60).tolist()
    runs = {"sequence": a, "corpus": [b, c], "longest": max(longest_common_run(a, b), longest_common_run(a, c))}
    syn = rng.normal(0, 1, (40, 5))
    rec = rng.normal(0, 1, (70, 5))
    dcr = {"synthetic": syn.tolist(), "records": rec.tolist(), "distances": cdist(syn, rec).min(axis=1).tolist()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "audit_reference.json")
    with open(path, "w") as fh:
        json.dump({"roc": cases, "runs": runs, "dcr": dcr}, fh)
    print("wrote", path)


if __name__ == "__main__":
    main()
