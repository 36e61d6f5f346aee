"""Compares two output folders of Tools/refactor_check.sh: CSV/TXT/JSON byte for byte, HDF5 datasets bit for bit
and attributes (JSON records without their timings). Needs h5py and numpy. Exit status 1 when anything differs."""
import sys, os, json, h5py, numpy as np
a, b = sys.argv[1], sys.argv[2]
bad = 0
for name in sorted(os.listdir(a)):
    pa, pb = os.path.join(a, name), os.path.join(b, name)
    if not os.path.exists(pb):
        print("MISSING", name); bad += 1; continue
    with open(pa, "rb") as f: head = f.read(8)
    if head.startswith(b"\x89HDF"):
        fa, fb = h5py.File(pa, "r"), h5py.File(pb, "r")
        names = []
        fa.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        nb = []
        fb.visititems(lambda n, o: nb.append(n) if isinstance(o, h5py.Dataset) else None)
        diff = [n for n in names if n not in nb or fa[n].shape != fb[n].shape or fa[n][()].tobytes() != fb[n][()].tobytes()]
        # attributes, except the JSON records' timings
        def attrs(f):
            out = {}
            def visit(n, o):
                for k, v in o.attrs.items():
                    out[n + "@" + k] = v
            f.visititems(visit)
            for k, v in f.attrs.items(): out["/@" + k] = v
            return out
        aa, ab = attrs(fa), attrs(fb)
        def clean(v):
            if isinstance(v, bytes): v = v.decode()
            if isinstance(v, str) and v.startswith("{"):
                try:
                    d = json.loads(v)
                    def strip(x):
                        if isinstance(x, dict): return {k: strip(y) for k, y in x.items() if k not in ("wall_time", "wallTime", "tokens_per_second", "seconds", "created", "elapsed_seconds", "round_seconds")}
                        if isinstance(x, list): return [strip(y) for y in x]
                        return x
                    return json.dumps(strip(d), sort_keys=True)
                except Exception: return v
            return v if not isinstance(v, np.ndarray) else v.tobytes()
        adiff = [k for k in aa if k not in ab or clean(aa[k]) != clean(ab[k])]
        status = "identical" if not diff and not adiff and set(names) == set(nb) else f"DIFF datasets={diff} attrs={adiff}"
        print(f"{name}: {len(names)} datasets {status}")
        bad += status != "identical"
    else:
        same = open(pa, "rb").read() == open(pb, "rb").read()
        print(f"{name}: {'identical' if same else 'DIFF'} ({os.path.getsize(pa)} bytes)")
        bad += not same
print("ALL IDENTICAL" if bad == 0 else f"{bad} DIFFERENT")
sys.exit(1 if bad else 0)
