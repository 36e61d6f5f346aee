#!/usr/bin/env python3
"""Emulation, not a mechanism (issue 19, session 14): the DP models' generated paths with the public
Dow Jones 1999-2018's lag-1 autocorrelation put on them afterwards, r'_t = (r_t + θ r_{t-1}) / sqrt(1 + θ²)
(an MA(1) filter; θ/(1+θ²) = the public lag-1 autocorrelation; the daily variance kept), scored with
`tgfl evaluate` like Benchmarks/privacy_tradeoff.py. Public data only: post-processing of the DP release.
Usage: [SEEDS="42 7 …"] [OUT=name.json] privacy_ma1_emulation.py TGFL RUN_DIR SETTING [SETTING ...]
(RUN_DIR: privacy_tradeoff.py's --out-dir, with its djia_1999_2018.csv and SETTING-sSEED/model.h5;
writes RUN_DIR/diag/OUT, default ma1_emulation.json; BENCHMARKS.md "Issue 19's last target, session 14")."""
import json, os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import privacy_tradeoff as pt  # noqa: E402


def report(tradeoff_json, emulations):
    """The Markdown tables of BENCHMARKS (mean ± sd, and the change against `nodp` as
    privacy_tradeoff.py scores it) for `nodp`, each emulated setting and its unfiltered runs, over
    the seeds the emulation ran."""
    import statistics
    runs = json.load(open(tradeoff_json))["runs"]
    emulated = {}
    for fn in emulations:
        emulated.update(json.load(open(fn))["runs"])
    recs = [{"setting": k.rsplit("-s", 1)[0], "seed": int(k.rsplit("-s", 1)[1]), "realism": v}
            for k, v in emulated.items()]
    seeds = {r["seed"] for r in recs}
    plain = sorted(s for s in {r["setting"][:-len("-ma1")] for r in recs}    # emulated on every seed
                   if {r["seed"] for r in recs if r["setting"] == s + "-ma1"} == seeds)
    recs += [r for r in runs if r["setting"] in ["nodp", *plain] and r["seed"] in seeds]
    settings = ["nodp"] + [x for s in plain for x in (s, s + "-ma1")]

    def vals(s, k):
        return [r["realism"][k] for r in recs if r["setting"] == s]

    print(f"Seeds: {sorted(seeds)}; runs: " + ", ".join(f"{s} {len(vals(s, 'ks_p'))}" for s in settings) + "\n")
    print("| setting | " + " | ".join(l for _, l, _ in pt.SCORES) + " |\n|---|" + "---|" * len(pt.SCORES))
    for s in settings:
        print(f"| `{s}` | " + " | ".join(f"{pt.fmt(statistics.mean(vals(s, k)))} ± {pt.fmt(statistics.stdev(vals(s, k)))}"
                                         for k, _, _ in pt.SCORES) + " |")
    print("\n| setting | " + " | ".join(l for _, l, _ in pt.SCORES) + " | all < 10 % worse |\n|---|"
          + "---|" * (len(pt.SCORES) + 1))
    for s in settings[1:]:
        cells, ok = [], True
        for k, _, d in pt.SCORES:
            if d == "absdev1":
                ch = (statistics.mean(abs(x - 1) for x in vals(s, k))
                      / statistics.mean(abs(x - 1) for x in vals("nodp", k)) - 1)
            else:
                b, x = statistics.mean(vals("nodp", k)), statistics.mean(vals(s, k))
                ch = (b - x) / b if d == +1 else x / b - 1
            cells.append(("**%+.0f %%**" if ch > 0.10 else "%+.0f %%") % (100 * ch))
            ok &= ch <= 0.10
        print(f"| `{s}` | " + " | ".join(cells) + f" | {'yes' if ok else 'no'} |")


# privacy_ma1_emulation.py --report RUN_DIR/privacy_tradeoff.json RUN_DIR/diag/EMULATION.json …: the tables.
if sys.argv[1] == "--report":
    report(sys.argv[2], sys.argv[3:])
    sys.exit(0)
realism_scores = pt.realism_scores
tgfl, runs = sys.argv[1], sys.argv[2]
rows = [l.split(",") for l in open(os.path.join(runs, "djia_1999_2018.csv")).read().splitlines()[1:]]
x = np.diff(np.log(np.array([float(r[1]) for r in rows])))
rho = np.corrcoef(x[:-1], x[1:])[0, 1]
theta = (1 - np.sqrt(1 - 4 * rho * rho)) / (2 * rho)          # the invertible root of θ/(1+θ²) = ρ
print(f"public lag-1 autocorrelation {rho:.4f}, θ {theta:.4f}", flush=True)
out = {}
for setting in sys.argv[3:]:
    for seed in [int(s) for s in os.environ.get("SEEDS", "42 7 1234 2025 99").split()]:
        d = os.path.join(runs, f"{setting}-s{seed}")
        with tempfile.TemporaryDirectory() as tmp:
            raw, filtered, ev = (os.path.join(tmp, n) for n in ("p.csv", "f.csv", "e.json"))
            subprocess.run([tgfl, "generate", "--model", os.path.join(d, "model.h5"), "--paths", "1000", "--horizon",
                            "250", "--seed", str(seed), "--threads", "2", "--out", raw], check=True, capture_output=True)
            with open(raw) as f:
                header = f.readline()
            paths = np.loadtxt(raw, delimiter=",", skiprows=1)          # one row per path, one column per day
            lagged = np.hstack([np.zeros((paths.shape[0], 1)), paths[:, :-1]])
            ma = (paths + theta * lagged) / np.sqrt(1 + theta * theta)
            with open(filtered, "w") as f:
                f.write(header)
                np.savetxt(f, ma, delimiter=",", fmt="%.10g")
            subprocess.run([tgfl, "evaluate", "--synthetic", filtered, "--json", ev], check=True, capture_output=True)
            with open(ev) as f:
                out[f"{setting}-ma1-s{seed}"] = realism_scores(json.load(f))
        print(setting, seed, {k: round(v, 6) for k, v in out[f"{setting}-ma1-s{seed}"].items()}, flush=True)
os.makedirs(os.path.join(runs, "diag"), exist_ok=True)
with open(os.path.join(runs, "diag", os.environ.get("OUT", "ma1_emulation.json")), "w") as f:
    json.dump({"theta": theta, "rho": rho, "runs": out}, f, indent=1)
