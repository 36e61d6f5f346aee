#!/usr/bin/env python3
"""Golden epsilons for TGFLFederated's RDPAccountant, from Google's dp-accounting.

Grid over (q, sigma, rounds, delta) for Poisson sampling (PoissonSampledDpEvent, add/remove
neighbours) and fixed-size sampling without replacement (SampledWithoutReplacementDpEvent,
replace-one neighbours), default RDP orders, including q = 1.

Run:  /work/devvenv/bin/python Tests/Fixtures/make_accountant_reference.py
Writes Tests/Fixtures/accountant_reference.json.
"""
import json
import logging
import os

import dp_accounting
from dp_accounting import rdp

POP = 100
SAMPLES = [1, 10, 50, 100]          # q = m / 100
SIGMAS = [0.8, 1.1, 3.0]
ROUNDS = [1, 100, 1000]
DELTAS = [1e-5, 1e-3]


def main():
    # Low fractional orders may not converge for small sigma; dp_accounting then
    # excludes them (as TGFL does). Silence its warnings.
    logging.getLogger("absl").setLevel(logging.ERROR)
    cases = []
    for m in SAMPLES:
        q = m / POP
        for s in SIGMAS:
            for r in ROUNDS:
                for method in ["poisson", "withoutReplacement"]:
                    g = dp_accounting.GaussianDpEvent(s)
                    if method == "poisson":
                        acc = rdp.RdpAccountant()
                        ev = dp_accounting.PoissonSampledDpEvent(q, g)
                    else:
                        acc = rdp.RdpAccountant(neighboring_relation=dp_accounting.NeighboringRelation.REPLACE_ONE)
                        ev = dp_accounting.SampledWithoutReplacementDpEvent(POP, m, g)
                    acc.compose(dp_accounting.SelfComposedDpEvent(ev, r))
                    for d in DELTAS:
                        cases.append({"q": q, "sigma": s, "rounds": r, "delta": d, "method": method,
                                      "epsilon": float(acc.get_epsilon(d))})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accountant_reference.json")
    with open(path, "w") as fh:
        json.dump({"population": POP, "cases": cases}, fh, indent=1)
    print("wrote", path, len(cases), "cases")


if __name__ == "__main__":
    main()
