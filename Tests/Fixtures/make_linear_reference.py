"""Golden values of the Linear layer's products (forward, dInp, dWeight, dBias) in float64,
for `MatrixProductTests`. Inputs are closed-form (sin/cos of the index), so the Swift test
builds the same float32 arrays without reading them from here. The `bf16` entries are the
products of the same inputs rounded to bfloat16 by PyTorch (the bf16 mode, `MatmulPrecision`). Shapes put every tail of the
AVX-512 products to work: rows past a multiple of 8 and past a 256-row chunk, columns past a
multiple of 32 and of 16.

    python Tests/Fixtures/make_linear_reference.py   # writes linear_reference.json
"""
import json
import pathlib

import numpy as np
import torch

CASES = [  # (rows, in_features, out_features)
    (300, 40, 70),
    (5, 7, 3),
    (64, 64, 192),
]
STRIDE = 11  # every 11th element of each product is stored


def inputs(rows, ic, oc):
    f = np.float32
    x = np.sin(np.arange(rows * ic) * 0.7071 + 0.3).astype(f).reshape(rows, ic)
    w = (np.cos(np.arange(oc * ic) * 0.313 + 0.2) * 0.2).astype(f).reshape(oc, ic)
    b = (np.arange(oc) * 0.01 - 0.3).astype(f)
    dy = np.sin(np.arange(rows * oc) * 1.13 + 1.0).astype(f).reshape(rows, oc)
    return [a.astype(np.float64) for a in (x, w, b, dy)]


def g9(a):
    """Nine significant digits: more than float32 holds."""
    return [float(f"{v:.9g}") for v in a]


def bf16(a):
    """PyTorch's float32 -> bfloat16 rounding (nearest even), back in float64."""
    return torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16).to(torch.float64).numpy()


def main():
    cases = []
    for rows, ic, oc in CASES:
        x, w, b, dy = inputs(rows, ic, oc)
        y = 0.5 + x @ w.T + b            # forward, accumulating into 0.5
        dx = 0.25 + dy @ w               # input gradient, accumulating into 0.25
        dw = 0.125 + dy.T @ x            # weight gradient, accumulating into 0.125
        db = dy.sum(axis=0)              # bias gradient from 0
        # The bf16 mode: operands rounded to bfloat16, products summed exactly here (Swift sums in
        # float32); the bias, the accumulated-into values and the bias gradient stay float32.
        xb, wb, dyb = bf16(x), bf16(w), bf16(dy)
        yb = 0.5 + xb @ wb.T + b
        dxb = 0.25 + dyb @ wb
        dwb = 0.125 + dyb.T @ xb
        cases.append({
            "rows": rows, "in": ic, "out": oc, "stride": STRIDE,
            "bf16": {"y": g9(yb.ravel()[::STRIDE]), "dx": g9(dxb.ravel()[::STRIDE]),
                     "dw": g9(dwb.ravel()[::STRIDE])},
            "y": g9(y.ravel()[::STRIDE]), "dx": g9(dx.ravel()[::STRIDE]),
            "dw": g9(dw.ravel()[::STRIDE]), "db": g9(db),
        })
    out = pathlib.Path(__file__).with_name("linear_reference.json")
    out.write_text(json.dumps({"numpy": np.__version__, "torch": torch.__version__, "cases": cases}, separators=(",", ":")))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
