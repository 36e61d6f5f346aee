#!/usr/bin/env python3
"""Is the noise of the volatility level's DP release standard normal across seeds? (issue 19,
session 17)

dp17 (session 17) found the standardised release noise ξ of its 48 seeds (3 … 1234, mostly
primes) averaging −0.31 (−2.2 standard errors). The release (`NoisedVolatilityLevel.release`)
draws ξ as the first `normal()` of `SeededRNG(seed: seed, purpose: .volatilityLevelNoise)`:
xoshiro256** seeded through SplitMix64 with seed ^ 0x564C4556, then Box–Muller. This script
re-implements exactly that, prints ξ for the given seeds (compare with the runs' ξ: seeds 5, 7
and 11 gave −0.2877, −0.2718 and −0.1308) and tests ξ over seeds 0 … N−1 against N(0, 1) with
scipy's KS test. Run: /work/pyref/bin/python Benchmarks/privacy_release_noise_check.py
(session 17: mean 0.0002, sd 1.0011, KS p 0.63 over 200,000 seeds; the 48 seeds' mean is chance).
"""
import argparse
import math

import numpy as np
from scipy import stats

M = (1 << 64) - 1
VOLATILITY_LEVEL_NOISE = 0x564C4556  # RandomPurpose.volatilityLevelNoise ("VLEV")


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def first_normal(seed, purpose=VOLATILITY_LEVEL_NOISE, stream=0):
    """The first SeededRNG(seed: seed, purpose: purpose, stream: stream).normal()."""
    sm = (seed ^ purpose) ^ ((stream * 0x9E3779B97F4A7C15) & M) ^ 0xD1B54A32D192ED03
    s = []
    for _ in range(4):  # SplitMix64
        sm = (sm + 0x9E3779B97F4A7C15) & M
        z = sm
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        s.append(z ^ (z >> 31))
    s0, s1, s2, s3 = s
    out = []
    for _ in range(2):  # xoshiro256**
        out.append((rotl((s1 * 5) & M, 7) * 9) & M)
        t = (s1 << 17) & M
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
    u1 = ((out[0] >> 11) + 0.5) * 2.0 ** -53   # uniformOpen
    u2 = (out[1] >> 11) * 2.0 ** -53           # uniform
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="seeds 0 … n−1 for the KS test")
    ap.add_argument("--seeds", default="5,7,11,42,99,2025", help="seeds whose ξ to print")
    a = ap.parse_args()
    for s in (int(x) for x in a.seeds.split(",")):
        print(f"seed {s}: xi {first_normal(s):+.4f}")
    x = np.array([first_normal(s) for s in range(a.n)])
    print(f"seeds 0..{a.n - 1}: mean {x.mean():.4f} sd {x.std():.4f} KS p {stats.kstest(x, 'norm').pvalue:.3f}")


if __name__ == "__main__":
    main()
