"""The grid-histogram quantile of the joint fixture scripts (JointTailMap.histogramQuantile's rule):
counts of x on the bins of `step` from -`limit` to `limit` (values outside in the outer bins);
c = level * n; the first bin j (with a count) whose cumulative count reaches c; value
-limit + (j + (c - C_j) / n_j) * step."""
import numpy as np

LIMIT, STEP = 12.0, 0.01


def histogram_quantile(x, level, limit=LIMIT, step=STEP):
    bins = int(round(2 * limit / step))
    b = np.clip(np.floor((np.asarray(x) + limit) / step).astype(int), 0, bins - 1)
    counts = np.bincount(b, minlength=bins)
    c = level * len(x)
    cumulative = 0.0
    for j, n in enumerate(counts):
        if n == 0:
            continue
        if cumulative + n >= c:
            return -limit + (j + (c - cumulative) / n) * step
        cumulative += n
    return limit
