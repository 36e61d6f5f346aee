#!/usr/bin/env python3
"""Writes the seed corpus (Fuzz/corpus/<harness>/) and the crash corpus (Fuzz/crashes/<harness>/:
the reproducers of issue 13 and anything the fuzzer finds) that `tgfl-fuzz` replays first.

Deterministic (fixed seeds); run from the repository root:
    python3 Fuzz/make_corpus.py
The checkpoint seeds are copies of committed h5py fixtures (Tests/Fixtures/*.h5, hostile/*.h5).
"""
import math
import os
import random
import shutil
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(ROOT, "..", "Tests", "Fixtures")


def put(kind, harness, name, data):
    d = os.path.join(ROOT, kind, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def prices_csv(n, seed, header="date,close"):
    rng = random.Random(seed)
    p, rows = 100.0, [header]
    for i in range(n):
        p *= math.exp(rng.gauss(0, 0.01))
        rows.append(f"20{10 + i // 300:02d}-{1 + (i % 300) // 25:02d}-{1 + i % 25:02d},{p:.4f}")
    return "\n".join(rows) + "\n"


def main():
    # --- seeds ---
    put("corpus", "csv", "prices.csv", prices_csv(60, 1))
    put("corpus", "csv", "returns.csv", "date,ret\n" + "\n".join(
        f"2020-01-{1 + i:02d},{(i % 7 - 3) / 1000}" for i in range(25)) + "\n")
    put("corpus", "csv", "quoted.csv", 'date,"close",volume\n"2020-01-01","1,0",5\n2020-01-02,2.5,"7"\n2020-01-03,2.6,8\n')
    put("corpus", "csv", "nodate.csv", "close\n1\n2\n3\n4\n")
    put("corpus", "scenario-csv", "returns.csv", "r_1,r_2,r_3\n0.01,-0.02,0.003\n0.0,0.01,-0.01\n")
    put("corpus", "scenario-csv", "prices.csv", "p_0,p_1,p_2\n100,101,99.5\n100,98,97\n")
    put("corpus", "scenario-csv", "noheader.csv", "0.01,0.02\n-0.01,0.0\n")
    for name in ["h5py_checkpoint.h5", "reference_odd.h5"]:
        shutil.copy(os.path.join(FIX, name), os.path.join(ROOT, "corpus", "checkpoint", name)) \
            if os.path.isdir(os.path.join(ROOT, "corpus", "checkpoint")) else (
                os.makedirs(os.path.join(ROOT, "corpus", "checkpoint"), exist_ok=True),
                shutil.copy(os.path.join(FIX, name), os.path.join(ROOT, "corpus", "checkpoint", name)))
    rng = random.Random(5)
    for i in range(4):
        put("corpus", "cabi", f"program{i}.bin", bytes(rng.randrange(256) for _ in range(200)))

    # --- crash corpus: the reproducers of issue 13 ---
    put("crashes", "csv", "unbalanced_quote.csv", 'date,close\n2020-01-01,"1.5\n2020-01-02,2\n')
    put("crashes", "csv", "wide_line.csv", "date,close\n2020-01-01," + ",".join(["1"] * 50_000) + "\n")
    put("crashes", "csv", "absurd_price.csv", prices_csv(40, 2).replace(",1", ",1e308", 1))
    put("crashes", "csv", "nul_byte.csv", "date,close\n2020-01-01,1\x00\n2020-01-02,2\n")
    put("crashes", "scenario-csv", "unequal_rows.csv", "r_1,r_2,r_3\n0.01,0.02,0.03\n0.01\n")
    put("crashes", "scenario-csv", "wide_line.csv", ",".join(["0.5"] * 50_000) + "\n")
    put("crashes", "scenario-csv", "big_endian_like.csv", "p_0,p_1\n1e308,-1e308\n0,0\n")
    for name in os.listdir(os.path.join(FIX, "hostile")):
        os.makedirs(os.path.join(ROOT, "crashes", "checkpoint"), exist_ok=True)
        shutil.copy(os.path.join(FIX, "hostile", name), os.path.join(ROOT, "crashes", "checkpoint", name))

    def create(fields, seed=0):       # op 0 on handle slot 0: tgfl_model_create with a config
        out = bytes([0, 0])
        for v in fields:
            out += bytes([3]) + struct.pack("<i", v)     # edgyInt32 branch 3: a raw int32
        return out + bytes([1]) + struct.pack("<Q", seed)
    put("crashes", "cabi", "overflow_d_model.bin", create([11, 7, -2**31, 1, 2, 12, 2]))
    put("crashes", "cabi", "huge_layers.bin", create([11, 7, 8, 100000, 2, 12, 2]))
    # create a small model, free it (slot 2), create another, then call through the stale slot.
    small = create([12, 8, 8, 1, 2, 8, 4])
    put("crashes", "cabi", "stale_handle.bin", small + bytes([2, 1]) + small + bytes([2, 2, 2, 1, 2, 1]))
    # generate with a huge horizon on the fitted model (slot 0 = fitted).
    put("crashes", "cabi", "generate_bounds.bin", bytes([0, 5]) + bytes([3]) + struct.pack("<i", 2**31 - 1)
        + bytes([3]) + struct.pack("<i", 2**31 - 1) + bytes([1, 0]))


if __name__ == "__main__":
    main()
