#!/usr/bin/env python3
"""Golden values for the box h of the noised volatility level (issue 19, session 18:
`tgfl federate --dp-volatility-bound`, `FederatedTrainingOptions.volatilityLevelBound`), from NumPy
and the mechanism's definition, not from TGFL's code:

   u_c = clip(0.5 * log(Var(member) / Var(public)), -h, h)      (each client's days, as in
                                                                 make_volatility_level_reference.py)
   u_bar = clip((sum_c u_c + z_v * h * xi) / N, -h, h)
   target variance = Var(public) * exp(2 * u_bar)

where xi is the release's standard normal draw for the run's seed: the first `normal()` of
`SeededRNG(seed, purpose: .volatilityLevelNoise)`, re-implemented in
`Benchmarks/privacy_release_noise_check.py` (xoshiro256** through SplitMix64, Box-Muller; it
reproduces the runs' draws). The noise std on u_bar is therefore z_v * h / N, and a client beyond
±h is clamped at ±h. Cases: h 0.25 (the default: main's release), 0.175 (the recommended setting),
0.05 (clamps 4 of the 8 clients) and 0.02 with z_v 8 (the released mean itself clamped at +h);
BENCHMARKS' federation (8 clients, the whole S&P 500 against the Dow Jones 1999-2018, time
partition, train fraction 0.8) and the unit test's (4 clients, the first 2,000 returns).
epsilon does not depend on h (the accountant sees z_v only): its golden values are
volatility_level_reference.json's "epsilon" (dp-accounting).

Run:  /work/pyref/bin/python Tests/Fixtures/make_volatility_level_bound_reference.py
Writes Tests/Fixtures/volatility_level_bound_reference.json.
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Benchmarks"))

from make_volatility_level_reference import federation_data, owner_ratios  # noqa: E402
from privacy_release_noise_check import first_normal  # noqa: E402

# (clients N, days (None = all), seed, z_v, h)
CASES = [
    (8, None, 42, 1.0, 0.25),
    (8, None, 42, 1.0, 0.175),
    (8, None, 7, 1.0, 0.175),
    (8, None, 43, 1.0, 0.175),
    (8, None, 42, 1.0, 0.05),
    (8, None, 42, 8.0, 0.02),
    (4, 2000, 3, 0.5, 0.175),
]


def main():
    (sp_dates, sp), public_values, public = federation_data()
    public_variance = float(public_values.var())
    releases = []
    for n, days, seed, z, h in CASES:
        days = days or len(sp)
        u = owner_ratios(sp_dates[:days], sp[:days], public, n, 0.8, h)
        xi = first_normal(seed)
        total = 0.0
        for v in u:               # summed in order, as the release does
            total += v
        noised = (total + z * h * xi) / n
        released = min(max(noised, -h), h)
        releases.append({"clients": n, "days": days, "train_fraction": 0.8, "seed": seed, "noise_multiplier": z,
                         "bound": h, "ratios": u, "xi": xi, "noise_std": z * h / n, "unclamped": noised,
                         "released": released, "target_variance": public_variance * math.exp(2 * released)})
    path = os.path.join(HERE, "volatility_level_bound_reference.json")
    with open(path, "w") as fh:
        json.dump({"public_variance": public_variance, "releases": releases}, fh, indent=1)
    for r in releases:
        print(f"N {r['clients']} seed {r['seed']} z_v {r['noise_multiplier']} h {r['bound']}: xi {r['xi']:+.4f} "
              f"u {[round(v, 4) for v in r['ratios']]} -> {r['unclamped']:+.5f} released {r['released']:+.5f}")
    print("wrote", path)


if __name__ == "__main__":
    main()
