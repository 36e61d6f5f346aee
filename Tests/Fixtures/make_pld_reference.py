#!/usr/bin/env python3
"""Golden epsilons for TGFLFederated's PLD accountant and for the DP mechanism as implemented,
from Google's dp-accounting (0.6.0).

1. "pld": PLDAccountant (add/remove, value_discretization_interval 1e-4) over a grid of
   Poisson-subsampled Gaussian mechanisms composed T times (q = 1: the plain Gaussian).
2. "mechanism": one entry per option of the engine's DP-FedAvg mechanism, with the epsilon
   dp-accounting gives for that mechanism *as the engine runs it*, derived here from the
   mechanism, not from TGFL's code:
     - Poisson client sampling with rate q = m/N, sum of clipped updates (norm <= S) divided by
       the FIXED m, Gaussian noise of std z*S on the sum, equal weights.  Adding or removing one
       client moves the sum by at most S  ->  PoissonSampledDpEvent(q, GaussianDpEvent(z)),
       ADD_OR_REMOVE_ONE, RDP and PLD.
     - Fixed-size sampling of exactly m of N without replacement, same release.  Replacing one
       client moves the sum by at most 2S (||d - d'|| <= ||d|| + ||d'||), so the noise multiplier
       with respect to the sensitivity is z/2  ->  SampledWithoutReplacementDpEvent(N, m,
       GaussianDpEvent(z/2)), REPLACE_ONE, RDP; PLD only at m = N (PLDAccountant(REPLACE_ONE)
       with GaussianDpEvent(z): its PLD doubles the add/remove sensitivity itself).
     - Adaptive clipping (Andrew et al. 2021): the unclipped-count query with noise sigma_b is
       released too; with z_delta = (z^-2 - (2 sigma_b)^-2)^-1/2 on the updates the two
       Gaussian queries together have multiplier z (add/remove) or z/2 (replace-one), so the
       entries are the same as for fixed clipping with the same z.
   The reported epsilon is min(RDP, PLD).
3. "summaries": the same rounds composed with ONE more Gaussian mechanism at q = 1, the noised
   data-model summaries (issue 19): every client adds a vector of L2 norm <= C to a sum that
   gets N(0, (z_s*C)^2) noise and is divided by the fixed number of clients.  Adding or removing
   one client moves the sum by at most C -> GaussianDpEvent(z_s), composed with the Poisson
   rounds under ADD_OR_REMOVE_ONE (RDP and PLD); replacing one moves it by 2C -> under
   REPLACE_ONE GaussianDpEvent(z_s / 2) for RDP (PLD at m = N with GaussianDpEvent(z_s), as
   above).

Run:  /work/pyref/bin/python Tests/Fixtures/make_pld_reference.py
Writes Tests/Fixtures/pld_reference.json.
"""
import json
import logging
import os

import dp_accounting
from dp_accounting import pld, rdp

REL = dp_accounting.NeighboringRelation

PLD_SIGMAS = [0.7, 1.0, 2.0]
PLD_QS = [0.01, 0.1, 0.5, 1.0]
PLD_ROUNDS = [1, 10, 50]
PLD_DELTAS = [1e-5, 1e-3]

# The engine's options: (clients N, expected per round m, z, sampling, adaptive, rounds, delta).
MECHANISMS = [
    (20, 20, 1.0, "poisson", False, 30, 1e-5),       # the example: --clients 20 --fraction 1
    (20, 10, 1.0, "poisson", False, 8, 1e-5),
    (20, 4, 0.8, "poisson", False, 6, 1e-5),
    (10, 5, 1.5, "poisson", True, 5, 1e-3),
    (20, 20, 1.0, "withoutReplacement", False, 30, 1e-5),
    (20, 10, 1.0, "withoutReplacement", False, 8, 1e-5),
    (20, 4, 0.8, "withoutReplacement", False, 6, 1e-5),
    (10, 5, 1.5, "withoutReplacement", True, 5, 1e-3),
    (4, 4, 1.0, "poisson", False, 2, 1e-5),           # TransformerFederatedTests' federation record
    (2, 2, 1.0, "poisson", False, 3, 1e-5),           # JointFederationTests: two institutions, DP
]


# Rounds + the noised summaries: (clients N, expected per round m, z, sampling, rounds, delta, z_s).
SUMMARIES = [
    (8, 8, 1.0, "poisson", 10, 1e-5, 1.0),              # BENCHMARKS' audit rows: 8 institutions, q = 1
    (8, 8, 1.0, "poisson", 10, 1e-5, 0.5),
    (20, 5, 1.0, "poisson", 10, 1e-5, 1.0),             # q < 1: the PLDs are convolved
    (20, 10, 0.8, "poisson", 6, 1e-3, 2.0),
    (8, 8, 1.0, "withoutReplacement", 10, 1e-5, 1.0),
    (20, 5, 1.0, "withoutReplacement", 10, 1e-5, 1.0),  # RDP only
    (4, 4, 1.0, "poisson", 2, 1e-5, 1.0),               # NoisedSummariesTests' federation
]


def summaries_entry(n, m, z, sampling, rounds, delta, zs):
    """epsilon of `rounds` DP-FedAvg rounds plus one Gaussian release of the summaries."""
    q = m / n
    if sampling == "poisson":
        g = dp_accounting.GaussianDpEvent(z)
        rounds_event = g if q == 1 else dp_accounting.PoissonSampledDpEvent(q, g)
        event = dp_accounting.ComposedDpEvent([dp_accounting.SelfComposedDpEvent(rounds_event, rounds),
                                               dp_accounting.GaussianDpEvent(zs)])
        r = rdp.RdpAccountant()
        r.compose(event)
        p = pld.PLDAccountant(REL.ADD_OR_REMOVE_ONE)
        p.compose(event)
        e_rdp, e_pld = float(r.get_epsilon(delta)), float(p.get_epsilon(delta))
    else:
        r = rdp.RdpAccountant(neighboring_relation=REL.REPLACE_ONE)
        r.compose(dp_accounting.ComposedDpEvent([
            dp_accounting.SelfComposedDpEvent(
                dp_accounting.SampledWithoutReplacementDpEvent(n, m, dp_accounting.GaussianDpEvent(z / 2)), rounds),
            dp_accounting.GaussianDpEvent(zs / 2)]))
        e_rdp, e_pld = float(r.get_epsilon(delta)), None
        if m == n:
            p = pld.PLDAccountant(REL.REPLACE_ONE)
            p.compose(dp_accounting.ComposedDpEvent([
                dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(z), rounds),
                dp_accounting.GaussianDpEvent(zs)]))
            e_pld = float(p.get_epsilon(delta))
    reported = min(e_rdp, e_pld) if e_pld is not None else e_rdp
    return {"clients": n, "expected_clients": m, "noise_multiplier": z, "sampling": sampling, "rounds": rounds,
            "delta": delta, "summary_noise_multiplier": zs, "epsilon_rdp": e_rdp, "epsilon_pld": e_pld,
            "epsilon": reported}


def pld_epsilon(q, sigma, rounds, delta):
    acc = pld.PLDAccountant(REL.ADD_OR_REMOVE_ONE)
    g = dp_accounting.GaussianDpEvent(sigma)
    ev = g if q == 1 else dp_accounting.PoissonSampledDpEvent(q, g)
    acc.compose(dp_accounting.SelfComposedDpEvent(ev, rounds))
    return float(acc.get_epsilon(delta))


def rdp_poisson(q, sigma, rounds, delta):
    acc = rdp.RdpAccountant()
    acc.compose(dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), rounds))
    return float(acc.get_epsilon(delta))


def main():
    logging.getLogger("absl").setLevel(logging.ERROR)
    grid = []
    for s in PLD_SIGMAS:
        for q in PLD_QS:
            for r in PLD_ROUNDS:
                for d in PLD_DELTAS:
                    grid.append({"sigma": s, "q": q, "rounds": r, "delta": d,
                                 "epsilon_pld": pld_epsilon(q, s, r, d),
                                 "epsilon_rdp": rdp_poisson(q, s, r, d)})
    mechanisms = []
    for n, m, z, sampling, adaptive, rounds, delta in MECHANISMS:
        q = m / n
        if sampling == "poisson":
            e_rdp = rdp_poisson(q, z, rounds, delta)
            e_pld = pld_epsilon(q, z, rounds, delta)
            relation = "add_remove"
        else:
            acc = rdp.RdpAccountant(neighboring_relation=REL.REPLACE_ONE)
            acc.compose(dp_accounting.SelfComposedDpEvent(
                dp_accounting.SampledWithoutReplacementDpEvent(n, m, dp_accounting.GaussianDpEvent(z / 2)), rounds))
            e_rdp = float(acc.get_epsilon(delta))
            e_pld = None
            if m == n:
                # dp_accounting's PLD reads a Gaussian's noise multiplier against the add/remove
                # sensitivity and doubles it itself under REPLACE_ONE (AdjacencyType.REPLACE), while
                # its RDP takes the multiplier against the replace-one sensitivity: pass z here.
                p = pld.PLDAccountant(REL.REPLACE_ONE)
                p.compose(dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(z), rounds))
                e_pld = float(p.get_epsilon(delta))
            relation = "replace_one"
        reported = min(e_rdp, e_pld) if e_pld is not None else e_rdp
        mechanisms.append({"clients": n, "expected_clients": m, "noise_multiplier": z, "sampling": sampling,
                           "adaptive": adaptive, "rounds": rounds, "delta": delta, "relation": relation,
                           "epsilon_rdp": e_rdp, "epsilon_pld": e_pld, "epsilon": reported})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pld_reference.json")
    with open(path, "w") as fh:
        json.dump({"dp_accounting": "0.6.0", "value_discretization_interval": 1e-4,
                   "pld": grid, "mechanism": mechanisms,
                   "summaries": [summaries_entry(*entry) for entry in SUMMARIES]}, fh, indent=1)
    print("wrote", path, len(grid), "grid points,", len(mechanisms), "mechanisms,", len(SUMMARIES), "summaries")


if __name__ == "__main__":
    main()
