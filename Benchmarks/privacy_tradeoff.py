#!/usr/bin/env python3
"""Privacy/realism trade-off of DP federations over several seeds (issue 19's last target).

For each setting x seed this runs, with the built `tgfl` binary:
  1. `tgfl federate` (the demo-size federation of BENCHMARKS.md "Privacy": 8 institutions,
     time partition, 10 rounds x 10 local steps, S&P 500, --val-fraction 0.2) with the
     setting's DP options and `--seed SEED`;
  2. `tgfl audit` (membership-inference AUC and TPR at 1 % FPR, copied runs, DCR ratio) at
     the default window (the model's context, 65 days: 61 training vs 15 held-out windows)
     and at each extra --audit-window (more, shorter held-out windows: a smaller standard
     error of the AUC, a weaker per-window signal);
  3. `tgfl generate --paths 1000 --horizon 250 --seed SEED` and `tgfl evaluate` against the
     full S&P 500 (the realism columns of the BENCHMARKS privacy tables).
Then it writes one JSON with every run and a Markdown table: mean, sample standard deviation
and range over the seeds per setting, and the "< 10 % worse realism" test of every DP
setting against the baseline without DP, score by score (mean over seeds against mean over
seeds; lower is better for every score except the fair KS p and the facts passed, and the
std ratio is scored as |ratio - 1|).

It also tabulates the noise sweep (public DJIA data models, z from 0.1 to 1) and, per seed, the
AUC difference of a setting against its untrained twin (same seed: same initialisation, data
models and DP noise; `TWINS`), since on this time split the audit's null is not 0.5.

Runs are cached: a run whose JSON files exist is not repeated (delete its directory to rerun);
--report-only only aggregates. The dp-hybrid* settings need --hybrid-csv, written by
Benchmarks/privacy_hybrid_filter.py. BENCHMARKS.md ("Issue 19's last target over seeds"):

    /work/pyref/bin/python Benchmarks/privacy_hybrid_filter.py --out /tmp/privacy_tradeoff/hybrid.csv
    /work/pyref/bin/python Benchmarks/privacy_tradeoff.py --tgfl .build/release/tgfl \
        --out-dir /tmp/privacy_tradeoff --seeds 42 7 1234 2025 99 --jobs 2
    /work/pyref/bin/python Benchmarks/privacy_snr_check.py --runs /tmp/privacy_tradeoff
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

FEDERATION = ["--config", "demo", "--clients", "8", "--partition", "time", "--rounds", "10",
              "--local-steps", "10", "--batch-size", "16", "--lr", "0.003", "--val-fraction", "0.2"]
DP = ["--dp-noise", "1", "--clip", "0.1"]
# A federation from the public pretrained base (BASE is replaced by --base-model).
PRE = ["--init", "BASE", "--data-models-from", "bundled:djia"]
# The same with the data models on the Dow Jones of the S&P 500 file's own years, 1999-2018 (public;
# DJIA99 is replaced by --djia-recent-csv, written from the bundled djia.csv when missing).
PRE99 = ["--init", "BASE", "--data-models-from", "DJIA99"]

# name -> (extra federate options, description). The first is the baseline without DP.
SETTINGS = {
    "nodp": ([], "federated FedAvg, no DP, data models from client summaries (baseline)"),
    "nodp-djia": (["--data-models-from", "bundled:djia"], "federated FedAvg, no DP, public DJIA data models"),
    "dp-djia": (DP + ["--data-models-from", "bundled:djia"],
                "DP z 1, S 0.1, public DJIA data models (the recommended setting)"),
    "dp-sum1": (DP + ["--dp-summaries", "--dp-summaries-noise", "1"], "DP z 1, S 0.1, noised summaries z_s 1"),
    "dp-sum2": (DP + ["--dp-summaries", "--dp-summaries-noise", "2"], "DP z 1, S 0.1, noised summaries z_s 2"),
    "dp-sum3": (DP + ["--dp-summaries", "--dp-summaries-noise", "3"], "DP z 1, S 0.1, noised summaries z_s 3"),
    "dp-clear": (DP, "DP z 1, S 0.1, summaries in the clear (ε covers the rounds only)"),
    # Control: a network that learns nothing (lr 1e-9) on public data models sees no member data
    # at all: its AUC is the time-split audit's null, its realism what the data models give alone.
    "public-only": (["--lr", "1e-9", "--data-models-from", "bundled:djia"],
                    "no training (lr 1e-9), public DJIA data models: no member data used"),
    # Its DP twin: the same noise on an untrained network (every clipped update ~0): the audit's
    # null for the DP model, which differs from its initialisation by the noise alone.
    "dp-djia-noise-only": (DP + ["--lr", "1e-9", "--data-models-from", "bundled:djia"],
                           "DP z 1, S 0.1, public DJIA data models, no training (lr 1e-9): noise only"),
    # Emulated variant: the DJIA filter's level and persistence with the S&P 500's own shape
    # (α, γ, ν), unnoised; HYBRID is --hybrid-csv (written by Benchmarks/privacy_hybrid_filter.py).
    "dp-hybrid": (DP + ["--data-models-from", "HYBRID"],
                  "DP z 1, S 0.1, data models on DJIA level + S&P shape (emulated, shape in the clear)"),
    "dp-hybrid-z0.5": (["--dp-noise", "0.5", "--clip", "0.1", "--data-models-from", "HYBRID"],
                       "DP z 0.5, S 0.1, data models on DJIA level + S&P shape (emulated)"),
    # The other lever: more institutions (the noise on the mean is z·S/m), same ε at q = 1.
    "dp-djia-m32": (DP + ["--clients", "32", "--data-models-from", "bundled:djia"],
                    "DP z 1, S 0.1, 32 institutions, public DJIA data models"),
    "nodp-m32": (["--clients", "32"], "federated FedAvg, no DP, 32 institutions, client-summary data models"),
    # The noise sweep with public data models: the trade-off curve between the two halves.
    **{f"dp-djia-z{z}": (["--dp-noise", z, "--clip", "0.1", "--data-models-from", "bundled:djia"],
                         f"DP z {z}, S 0.1, public DJIA data models") for z in ("0.5", "0.2", "0.1")},
    # Session 11, the lever of fewer noised parameters: start from a network pretrained on public
    # series only (BASE: `tgfl pretrain --exclude sp500,nyse`, see --base-model), refit its filter on
    # the public DJIA, and train (clip, noise, aggregate) only a named subset, the rest frozen.
    "dp-pre-head": (DP + PRE + ["--trainable", "head"],
                    "DP z 1, S 0.1, public pretrained base, head trained (ln_f, head, level priors), DJIA data models"),
    "nodp-pre": (PRE + ["--trainable", "head"], "no DP, public pretrained base, head trained, DJIA data models"),
    "dp-pre-priors": (DP + PRE + ["--trainable", "priors"],
                      "DP z 1, S 0.1, public pretrained base, level priors trained (head.bias, level_bias)"),
    "dp-pre-all": (DP + PRE + ["--trainable", "all"], "DP z 1, S 0.1, public pretrained base, every tensor trained"),
    "dp-pre-head-djia99": (DP + PRE99 + ["--trainable", "head"],
                           "DP z 1, S 0.1, public pretrained base, head trained, DJIA 1999-2018 data models"),
    "dp-pre-priors-djia99": (DP + PRE99 + ["--trainable", "priors"],
                             "DP z 1, S 0.1, public pretrained base, level priors trained, DJIA 1999-2018 data models"),
    "dp-pre-head-djia99-noise-only": (DP + PRE99 + ["--trainable", "head", "--lr", "1e-9"],
                                      "DP z 1, S 0.1, pretrained base, head, DJIA 1999-2018, no training: noise only"),
    "dp-pre-priors-djia99-noise-only": (DP + PRE99 + ["--trainable", "priors", "--lr", "1e-9"],
                                        "DP z 1, S 0.1, pretrained base, priors, DJIA 1999-2018, no training: noise only"),
    "nodp-pre-djia99": (PRE99 + ["--trainable", "head"], "no DP, pretrained base, head trained, DJIA 1999-2018"),
    "dp-djia99": (DP + ["--data-models-from", "DJIA99"], "DP z 1, S 0.1, fresh network, DJIA 1999-2018 data models"),
    # Session 13: session 11's best plus the clients' volatility level relative to the public series,
    # released with Gaussian noise z_v (--dp-volatility-noise) and composed into ε.
    **{f"dp-pre-priors-djia99-vol{z}": (DP + PRE99 + ["--trainable", "priors", "--dp-volatility-noise", z],
                                        f"DP z 1, S 0.1, pretrained base, priors, DJIA 1999-2018, DP volatility level z_v {z}")
       for z in ("0.25", "0.5", "1", "2")},
    **{f"dp-djia99-vol{z}": (DP + ["--data-models-from", "DJIA99", "--dp-volatility-noise", z],
                             f"DP z 1, S 0.1, fresh network, DJIA 1999-2018 data models, DP volatility level z_v {z}")
       for z in ("0.5", "1")},
    # Session 16: the recommended setting with the generated z mapped onto the public series' z marginal
    # (--public-z-marginal: pilot paths of the trained model against the public residuals; ε unchanged).
    # Since dp19 the map is on by default with --data-models-from, so with a tgfl of that branch or later
    # every public-data setting above carries it too (BENCHMARKS.md "Privacy: the last target, session 16").
    "dp-djia99-vol1-zm": (DP + ["--data-models-from", "DJIA99", "--dp-volatility-noise", "1", "--public-z-marginal"],
                          "DP z 1, S 0.1, fresh network, DJIA 1999-2018, DP volatility level z_v 1, public z marginal"),
    # Session 18: the recommended setting since dp18, the level's box h 0.175 (--dp-volatility-bound) instead
    # of 0.25: the same ε (it depends on z_v only) with the noise on the level z_v·h/N 0.022 instead of 0.031.
    # h chosen from public data only (Benchmarks/privacy_level_bound.py; BENCHMARKS.md, session 18).
    "dp-djia99-vol1-h175": (DP + ["--data-models-from", "DJIA99", "--dp-volatility-noise", "1",
                                  "--dp-volatility-bound", "0.175"],
                            "DP z 1, S 0.1, fresh network, DJIA 1999-2018, DP volatility level z_v 1, box h 0.175"),
    # Session 14: a public base pretrained on the Dow Jones 1999-2018 alone (BASE99, --base99-model), whose
    # daily returns carry the negative lag-1 autocorrelation the members' do (-0.065 vs -0.070) and the
    # corpus base's do not (full DJIA +0.007): the 20-day spread of the DP models (Var ratio 0.95 vs 0.64 real).
    **{f"dp-pre99-priors-djia99{v}": (DP + ["--init", "BASE99", "--data-models-from", "DJIA99", "--trainable", "priors"]
                                      + (["--dp-volatility-noise", "1"] if v else []),
                                      "DP z 1, S 0.1, base pretrained on DJIA 1999-2018, priors, DJIA 1999-2018"
                                      + (", DP volatility level z_v 1" if v else ""))
       for v in ("", "-vol1")},
    "dp-pre99-priors-djia99-noise-only": (DP + ["--init", "BASE99", "--data-models-from", "DJIA99", "--trainable",
                                                "priors", "--lr", "1e-9"],
                                          "DP z 1, S 0.1, DJIA 1999-2018 base, priors, no training: noise only"),
    # Controls: the base as it is (no member datum), and the DP head run's noise on an untrained head.
    "pre-only": (PRE + ["--trainable", "head", "--lr", "1e-9"],
                 "public pretrained base, no training (lr 1e-9), DJIA data models: no member data used"),
    "dp-pre-head-noise-only": (DP + PRE + ["--trainable", "head", "--lr", "1e-9"],
                               "DP z 1, S 0.1, public pretrained base, head, no training (lr 1e-9): noise only"),
}
BASELINE = "nodp"
# The noise sweep's rows, from no DP to z 1, and the demo network's parameter count (its noise norm).
SWEEP = ["nodp-djia", "dp-djia-z0.1", "dp-djia-z0.2", "dp-djia-z0.5", "dp-djia"]
DEMO_PARAMETERS = 142_336
# Paired controls: a setting's untrained twin (same seed: same initialisation, same data models
# and, for DP, the same noise draws). The AUC difference per seed is what training added.
TWINS = {"dp-pre-head-djia99": "dp-pre-head-djia99-noise-only",
         "dp-pre-priors-djia99": "dp-pre-priors-djia99-noise-only",
         **{f"dp-pre-priors-djia99-vol{z}": "dp-pre-priors-djia99" for z in ("0.25", "0.5", "1", "2")},
         **{f"dp-djia99-vol{z}": "dp-djia99" for z in ("0.5", "1")},
         "dp-djia99-vol1-zm": "dp-djia99",
         "dp-pre99-priors-djia99": "dp-pre99-priors-djia99-noise-only",
         "dp-pre99-priors-djia99-vol1": "dp-pre99-priors-djia99-noise-only", "dp-pre-head": "dp-pre-head-noise-only", "nodp-pre": "pre-only", "dp-pre-head-noise-only": "pre-only",
         "dp-pre-priors": "pre-only", "dp-djia": "dp-djia-noise-only", "nodp-djia": "public-only", "dp-djia-z0.5": "public-only",
         "dp-djia-z0.2": "public-only", "dp-djia-z0.1": "public-only", "dp-djia-noise-only": "public-only"}

# (key, label, direction): +1 higher is better, -1 lower is better; "absdev1" scores |x - 1|.
SCORES = [
    ("ks_p", "KS p", +1),
    ("std_ratio", "std syn/real", "absdev1"),
    ("w1_1d", "W1 1d", -1),
    ("w1_20d", "W1 20d", -1),
    ("acf_abs", "ACF\\|r\\|", -1),
    ("leverage", "leverage", -1),
    ("var_err", "VaR 1 % err", -1),
    ("es_err", "ES 1 % err", -1),
    ("facts", "facts", +1),
]


def federation_options(extra):
    """FEDERATION with the setting's options; a setting's value replaces FEDERATION's (e.g. --lr)."""
    base = list(FEDERATION)
    for i in range(len(extra) - 1):
        if extra[i] in base and extra[i].startswith("--") and not extra[i + 1].startswith("--"):
            j = base.index(extra[i])
            del base[j:j + 2]
    return base + list(extra)


def run(cmd, log):
    """Runs one tgfl command, appending its output to `log`; raises with the log's tail on failure."""
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        with open(log) as f:
            tail = f.read()[-2000:]
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({r.returncode}):\n{tail}")


def one_run(args, setting, seed):
    """Federation, audits and realism of one setting and seed; returns the run's record."""
    d = os.path.join(args.out_dir, f"{setting}-s{seed}")
    os.makedirs(d, exist_ok=True)
    done = os.path.join(d, "run.json")
    windows = ["default", *map(str, args.audit_window)]
    if os.path.exists(done):
        with open(done) as f:
            record = json.load(f)
        if all(w in record["audits"] for w in windows):
            return record
    log = os.path.join(d, "log.txt")
    model, paths = os.path.join(d, "model.h5"), os.path.join(d, "paths.csv")
    threads = ["--threads", str(args.threads)]
    if not os.path.exists(model):
        extra = [{"HYBRID": args.hybrid_csv, "BASE": args.base_model, "DJIA99": args.djia_recent_csv,
                  "BASE99": args.base99_model}.get(o, o)
                 for o in SETTINGS[setting][0]]
        run([args.tgfl, "federate", *federation_options(extra), "--seed", str(seed), *threads,
             "--out", model], log)
    audits = {}
    for name in windows:
        w = None if name == "default" else int(name)
        out = os.path.join(d, f"audit-{name}.json")
        if not os.path.exists(out):
            run([args.tgfl, "audit", "--model", model, "--val-fraction", "0.2", "--seed", str(seed),
                 *([] if w is None else ["--window", str(w)]), "--json", out], log)
        with open(out) as f:
            audits[name] = json.load(f)
    ev = os.path.join(d, "eval.json")
    if not os.path.exists(ev):
        run([args.tgfl, "generate", "--model", model, "--paths", "1000", "--horizon", "250", "--seed", str(seed),
             *threads, "--out", paths], log)
        run([args.tgfl, "evaluate", "--synthetic", paths, "--json", ev], log)
        if not args.keep_paths:
            os.remove(paths)
    with open(ev) as f:
        realism = realism_scores(json.load(f))
    record = {"setting": setting, "seed": seed, "options": SETTINGS[setting][0], "audits": audits,
              "realism": realism, "epsilon": printed(log, r"privacy ε = ([0-9.]+) at δ"),
              "validation_loss": printed(log, r"federated \d+ rounds, validation loss ([0-9.]+)")}
    tmp = done + ".tmp"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, done)
    return record


def write_djia_recent(path):
    """The bundled djia.csv's rows dated 1999-01-01 to 2018-12-31 (the S&P 500 file's years), atomically."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "TGFLCore", "Resources", "djia.csv")
    with open(src) as f:
        lines = f.read().splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if "1999-01-01" <= ln[:10] <= "2018-12-31"]
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(keep) + "\n")
    os.replace(path + ".tmp", path)


def printed(log, pattern):
    """The last number `tgfl federate` printed after `pattern` (e.g. "privacy ε = X"), or None."""
    with open(log) as f:
        found = re.findall(pattern, f.read())
    return float(found[-1]) if found else None


def realism_scores(report):
    """The BENCHMARKS privacy-table columns from `tgfl evaluate --json`."""
    facts = {f["key"]: f for f in report["facts"]}
    w1 = {d["horizon"]: d["wasserstein1"] for d in report["horizon_distances"]}

    def ratio_error(key):
        return abs(facts[key]["synthetic"] / facts[key]["real"] - 1)

    return {"ks_p": facts["ks_fair"]["synthetic"],
            "std_ratio": facts["std"]["synthetic"] / facts["std"]["real"],
            "w1_1d": w1[1], "w1_20d": w1[20],
            "acf_abs": report["quant_gans_fair"]["acf_absolute"],
            "leverage": report["quant_gans_fair"]["leverage"],
            "var_err": ratio_error("var_1"), "es_err": ratio_error("es_1"),
            "facts": report["passed_count"], "facts_of": report["passed_count"] + report["failed_count"]}


def summary(values):
    """Mean, sample standard deviation, min, max of the finite values."""
    v = [x for x in values if x is not None and math.isfinite(x)]
    if not v:
        return None
    return {"mean": statistics.fmean(v), "sd": statistics.stdev(v) if len(v) > 1 else 0.0,
            "min": min(v), "max": max(v), "n": len(v)}


def badness(key, direction, x):
    """The score oriented so that larger is worse."""
    if direction == "absdev1":
        return abs(x - 1)
    return -x if direction == +1 else x


def aggregate(records, settings):
    """Per setting: summaries of the audits and realism scores over the seeds."""
    out = {}
    for s in settings:
        rs = [r for r in records if r["setting"] == s]
        if not rs:
            continue
        agg = {"seeds": sorted(r["seed"] for r in rs), "epsilon": rs[0]["epsilon"], "audits": {}, "realism": {}}
        for name in rs[0]["audits"]:
            agg["audits"][name] = {k: summary([r["audits"][name][k] for r in rs])
                                   for k in ("auc", "tpr_at_1pct_fpr", "auc_uncalibrated")}
            agg["audits"][name]["non_member_windows"] = rs[0]["audits"][name]["non_member_windows"]
            agg["audits"][name]["member_windows"] = rs[0]["audits"][name]["member_windows"]
        for key, _, direction in SCORES:
            agg["realism"][key] = summary([r["realism"][key] for r in rs])
            agg["realism"][key + "_badness"] = summary([badness(key, direction, r["realism"][key]) for r in rs])
        out[s] = agg
    return out


def paired(records, windows):
    """Per setting with a twin: the AUC difference setting − twin over the seeds both ran."""
    by = {(r["setting"], r["seed"]): r for r in records}
    out = {}
    for s, twin in TWINS.items():
        seeds = sorted(seed for (name, seed) in by if name == s and (twin, seed) in by)
        if seeds:
            out[s] = {"twin": twin, "seeds": seeds, **{
                w: summary([by[(s, seed)]["audits"][w]["auc"] - by[(twin, seed)]["audits"][w]["auc"] for seed in seeds])
                for w in windows}}
    return out


def compare(agg, baseline):
    """The "< 10 % worse" test of each setting against the baseline, score by score, on the means
    over seeds: relative change of the badness; for the p-value and facts, the ratio."""
    base = agg[baseline]["realism"]
    result = {}
    for s, a in agg.items():
        if s == baseline:
            continue
        rows = {}
        for key, _, direction in SCORES:
            b, x = base[key + "_badness"]["mean"], a["realism"][key + "_badness"]["mean"]
            if direction == +1:  # badness = -value: worse by more than 10 % if value < 0.9 * baseline value
                bv, xv = -b, -x
                change = (xv - bv) / abs(bv) if bv != 0 else 0.0
                worse_pct = -change * 100
            else:
                worse_pct = (x - b) / abs(b) * 100 if b != 0 else (0.0 if x == 0 else math.inf)
            rows[key] = {"baseline": b if direction != +1 else -b, "setting": x if direction != +1 else -x,
                         "worse_pct": worse_pct, "within_10pct": worse_pct < 10}
        result[s] = {"scores": rows, "all_within_10pct": all(r["within_10pct"] for r in rows.values())}
    return result


def fmt(x, digits=3):
    if x is None:
        return "—"
    if x != 0 and (abs(x) < 1e-2 or abs(x) >= 1e4):
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def markdown(agg, comparison, pairs, args):
    """The Markdown tables: audits, realism (mean ± sd), and the < 10 % test."""
    lines = [f"Seeds: {', '.join(map(str, args.seeds))}. Mean ± sample sd over seeds [min–max].", ""]
    windows = ["default", *map(str, args.audit_window)]
    head = "| setting | seeds | ε (δ 1e-5) | " + " | ".join(
        f"AUC ({w if w != 'default' else 'default window'}) | TPR @ 1 % FPR" for w in windows) + " |"
    lines += [head, "|" + "---|" * (3 + 2 * len(windows))]
    for s, a in agg.items():
        cells = [f"`{s}`: {SETTINGS[s][1]}", str(len(a["seeds"])), fmt(a["epsilon"]) if a["epsilon"] else "—"]
        for w in windows:
            au, tp = a["audits"][w]["auc"], a["audits"][w]["tpr_at_1pct_fpr"]
            cells.append(f"{au['mean']:.3f} ± {au['sd']:.3f} [{au['min']:.3f}–{au['max']:.3f}]")
            cells.append(f"{tp['mean']:.3f} ± {tp['sd']:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    a0 = next(iter(agg.values()))
    lines += ["", "Held-out windows per audit: " + ", ".join(
        f"{w}: {a0['audits'][w]['member_windows']} training vs {a0['audits'][w]['non_member_windows']} held-out"
        for w in windows), ""]
    lines += ["| setting | " + " | ".join(l for _, l, _ in SCORES) + " |", "|" + "---|" * (1 + len(SCORES))]
    for s, a in agg.items():
        cells = [f"`{s}`"]
        for key, _, _ in SCORES:
            v = a["realism"][key]
            cells.append(f"{fmt(v['mean'])} ± {fmt(v['sd'])}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Change of each score's mean against `{args.baseline}` (positive = worse; std ratio as |ratio − 1|; "
              "KS p and facts: relative drop). **Bold**: more than 10 % worse.", "",
              "| setting | " + " | ".join(l for _, l, _ in SCORES) + " | all < 10 % worse |",
              "|" + "---|" * (2 + len(SCORES))]
    for s, c in comparison.items():
        cells = [f"`{s}`"]
        for key, _, _ in SCORES:
            r = c["scores"][key]
            t = f"{r['worse_pct']:+.0f} %" if r["worse_pct"] >= -100 else "better (×{:.3g})".format(
                r["setting"] / r["baseline"] if r["baseline"] else math.inf)
            cells.append(t if r["within_10pct"] else f"**{t}**")
        cells.append("yes" if c["all_within_10pct"] else "no")
        lines.append("| " + " | ".join(cells) + " |")
    sweep = [x for x in SWEEP if x in agg and x in comparison]
    if sweep:
        lines += ["", "Noise sweep (public DJIA data models, S 0.1, 10 rounds, q 1; noise norm z·S·sqrt(d·R)/m, "
                  f"d = {DEMO_PARAMETERS}; change against `{args.baseline}`):", "",
                  "| z | ε (δ 1e-5) | noise norm | AUC (default window) | ΔAUC vs twin | W1 20d | ACF \\|r\\| | leverage "
                  "| scores > 10 % worse |", "|" + "---|" * 9]
        for x in sweep:
            opts = SETTINGS[x][0]
            z = float(opts[opts.index("--dp-noise") + 1]) if "--dp-noise" in opts else 0.0
            a, c = agg[x], comparison[x]["scores"]
            auc = a["audits"]["default"]["auc"]
            delta = pairs.get(x, {}).get("default")
            worse = [label for key, label, _ in SCORES if not c[key]["within_10pct"]]
            lines.append("| " + " | ".join([
                f"{z:g}" if z else "no DP", fmt(a["epsilon"]) if a["epsilon"] else "—",
                f"{z * 0.1 * math.sqrt(DEMO_PARAMETERS * 10) / 8:.2f}" if z else "0",
                f"{auc['mean']:.3f} ± {auc['sd']:.3f} (n {auc['n']})",
                f"{delta['mean']:+.3f} (`{pairs[x]['twin']}`)" if delta else "—",
                *(f"{c[k]['worse_pct']:+.0f} %" for k in ("w1_20d", "acf_abs", "leverage")),
                f"{len(worse)}: " + ", ".join(worse) if worse else "0"]) + " |")
    if pairs:
        lines += ["", "AUC difference against the untrained twin of the same seed (mean ± sd over the seeds both ran):", "",
                  "| setting | twin | seeds | " + " | ".join(f"ΔAUC ({w})" for w in windows) + " |",
                  "|" + "---|" * (3 + len(windows))]
        for s, pr in pairs.items():
            lines.append(f"| `{s}` | `{pr['twin']}` | {len(pr['seeds'])} | " + " | ".join(
                f"{pr[w]['mean']:+.3f} ± {pr[w]['sd']:.3f}" for w in windows) + " |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tgfl", default=".build/release/tgfl")
    p.add_argument("--out-dir", default="/tmp/privacy_tradeoff")
    p.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1234])
    p.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument("--baseline", default=BASELINE, choices=list(SETTINGS))
    p.add_argument("--audit-window", type=int, nargs="*", default=[32, 16],
                   help="extra audit windows (days predicted; the window is one day longer)")
    p.add_argument("--hybrid-csv", default="/tmp/privacy_tradeoff/hybrid.csv",
                   help="prices CSV of Benchmarks/privacy_hybrid_filter.py (settings dp-hybrid*)")
    p.add_argument("--base-model", default="/tmp/privacy_tradeoff/base.h5",
                   help="the public pretrained base of the *-pre* settings; made when missing by "
                        "`tgfl pretrain --config demo --exclude sp500,nyse --steps STEPS --seed 42`")
    p.add_argument("--pretrain-steps", type=int, default=150, help="steps of that pretraining")
    p.add_argument("--base99-model", default="/tmp/privacy_tradeoff/base99.h5",
                   help="BASE99: pretrained on --djia-recent-csv alone (made when missing: 600 steps, lr 0.003, "
                        "the best validation step kept)")
    p.add_argument("--djia-recent-csv", default="/tmp/privacy_tradeoff/djia_1999_2018.csv",
                   help="the bundled Dow Jones from 1999-01-01 to 2018-12-31 (the *-djia99 settings); made when missing")
    p.add_argument("--jobs", type=int, default=1, help="runs at once")
    p.add_argument("--threads", type=int, default=1, help="threads per run (results do not depend on it)")
    p.add_argument("--keep-paths", action="store_true",
                   help="keep each run's paths.csv (1000 x 250; Benchmarks/privacy_z_marginal_check.py reads them)")
    p.add_argument("--report-only", action="store_true", help="aggregate the cached runs, run nothing")
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    todo = [(s, seed) for seed in args.seeds for s in args.settings]
    records = []
    if args.report_only:
        for s, seed in todo:
            f = os.path.join(args.out_dir, f"{s}-s{seed}", "run.json")
            if os.path.exists(f):
                with open(f) as fh:
                    records.append(json.load(fh))
    else:
        if any("BASE" in SETTINGS[s][0] for s in args.settings) and not os.path.exists(args.base_model):
            log = args.base_model + ".log"
            run([args.tgfl, "pretrain", "--config", "demo", "--exclude", "sp500,nyse", "--steps",
                 str(args.pretrain_steps), "--seed", "42", "--threads", str(args.threads * args.jobs),
                 "--out", args.base_model], log)
            print(f"{time.strftime('%H:%M:%S')} pretrained {args.base_model} (log {log})", flush=True)
        if any("DJIA99" in SETTINGS[s][0] for s in args.settings) and not os.path.exists(args.djia_recent_csv):
            write_djia_recent(args.djia_recent_csv)
        if any("BASE99" in SETTINGS[s][0] for s in args.settings) and not os.path.exists(args.base99_model):
            run([args.tgfl, "pretrain", "--config", "demo", "--no-bundled", "--data", args.djia_recent_csv, "--steps",
                 "600", "--lr", "0.003", "--seed", "42", "--threads", str(args.threads * args.jobs),
                 "--out", args.base99_model], args.base99_model + ".log")
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(one_run, args, s, seed): (s, seed) for s, seed in todo}
            for fut in concurrent.futures.as_completed(futures):
                s, seed = futures[fut]
                try:
                    r = fut.result()
                    records.append(r)
                    print(f"{time.strftime('%H:%M:%S')} {s} seed {seed}: AUC {r['audits']['default']['auc']:.3f}", flush=True)
                except Exception as e:  # report and go on with the other runs
                    print(f"{s} seed {seed}: FAILED {e}", file=sys.stderr, flush=True)
    settings = [s for s in args.settings if any(r["setting"] == s for r in records)]
    agg = aggregate(records, settings)
    comparison = compare(agg, args.baseline) if args.baseline in agg else {}
    pairs = paired(records, ["default", *map(str, args.audit_window)])
    result = {"paired_auc": pairs, "runs": sorted(records, key=lambda r: (r["setting"], r["seed"])), "summary": agg,
              "comparison": comparison, "baseline": args.baseline, "federation": FEDERATION}
    for name, text in (("privacy_tradeoff.json", json.dumps(result, indent=1)),
                       ("privacy_tradeoff.md", markdown(agg, comparison, pairs, args))):
        path = os.path.join(args.out_dir, name)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    print(markdown(agg, comparison, pairs, args))


if __name__ == "__main__":
    main()
