"""tgfl.Report — the HTML report of scenario paths against real returns (issue 15).

The page comes from the Swift renderer through the C ABI (``tgfl_report`` in include/tgfl.h),
so it is the very page ``tgfl report`` writes: self-contained (the Vega chart libraries are
inlined; it makes no network request), interactive, printable::

    import tgfl
    real = tgfl.load_sp500()
    with tgfl.Model.load("tgfl-demo/model.h5") as model:
        paths = {"crisis": model.generate(500, 250, regime="crisis", seed=1)}
        report = tgfl.Report(real, paths, model=model, training_days=4024)
        report.save("report.html")      # or display(report) in Jupyter; report.plot() for matplotlib
"""

import ctypes
import html as _html
import json
import os
import tempfile
from ctypes import POINTER, c_char_p, c_double, c_int32, c_size_t, c_uint64, c_void_p, byref
from pathlib import Path
from typing import Mapping, Optional, Union

import numpy as np

from . import _lib
from .model import Model, _array, _bad, _check, _int32, _ptr, _uint64

# TGFL_API int32_t tgfl_report(tgfl_model * model, const double * real, size_t n_real,
#                              const double * paths, const int32_t * set_paths,
#                              const char * const * set_names, int32_t n_sets, int32_t horizon,
#                              int32_t training_days, uint64_t seed, int32_t format, char ** out_text);
# (out_text is declared as void ** so the pointer can be handed back to tgfl_string_free.)
tgfl_report = _lib._declare(
    "tgfl_report",
    [_lib.tgfl_model_p, POINTER(c_double), c_size_t, POINTER(c_double), POINTER(c_int32), POINTER(c_char_p),
     c_int32, c_int32, c_int32, c_uint64, c_int32, POINTER(c_void_p)],
    c_int32)

TGFL_REPORT_HTML = 0
TGFL_REPORT_JSON = 1


class _HTMLPage:
    """What every report page offers: ``to_html()`` (in the subclass), an atomic ``save`` and
    Jupyter's rich display."""

    def save(self, path) -> Path:
        """Writes the page atomically (a temporary file beside ``path``, then a rename)."""
        target = Path(path).resolve()
        if target.exists() and not target.is_file():
            raise _bad(f"cannot write the report to {path}: it exists and is not a regular file")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.to_html())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the page in a sandboxed iframe (its scripts run inside it)."""
        page = _html.escape(self.to_html(), quote=True)
        return (f'<iframe srcdoc="{page}" sandbox="allow-scripts" '
                f'style="width:100%;height:900px;border:1px solid #ddd"></iframe>')


class Report(_HTMLPage):
    """The report of named scenario sets against real daily log returns.

    Args:
        real: real daily log returns, 1-D.
        scenarios: ``{name: paths[n_paths, horizon]}`` (every set of one horizon), or one array
            (named "synthetic"). A set named after one of the model's regimes is drawn as that
            regime; the first other set is the overall one (densities, QQ, ACF, facts).
        model: optional ``tgfl.Model``: adds its training curves and federation record, and
            labels the real days by regime.
        training_days: the leading real days the model was trained on (adds the
            memorization chart); 0 for none.
        seed: seed of the report's subsamples.
    """

    def __init__(self, real, scenarios: Union[Mapping[str, object], object], model: Optional[Model] = None,
                 training_days: int = 0, seed: int = 42):
        self._real = _array(real, "real", np.float64, ndim=(1,))
        if not isinstance(scenarios, Mapping):
            scenarios = {"synthetic": scenarios}
        if not scenarios:
            raise _bad("scenarios is empty: give at least one set of paths")
        sets = {str(name): _array(paths, f"scenarios[{name!r}]", np.float64, ndim=(2,))
                for name, paths in scenarios.items()}
        horizons = {name: p.shape[1] for name, p in sets.items()}
        if len(set(horizons.values())) != 1:
            raise _bad(f"every scenario set must have one horizon, got {horizons}")
        self._names = list(sets)
        self._paths = np.ascontiguousarray(np.concatenate(list(sets.values()), axis=0))
        self._counts = np.array([p.shape[0] for p in sets.values()], dtype=np.int32)
        self._horizon = self._paths.shape[1]
        if model is not None and not isinstance(model, Model):
            raise _bad(f"model must be a tgfl.Model or None, got {type(model).__name__}")
        self._model = model
        self._training_days = _int32(training_days, "training_days")
        self._seed = _uint64(seed, "seed")
        self._cache = {}

    def _render(self, fmt: int) -> str:
        if fmt in self._cache:
            return self._cache[fmt]
        names = (c_char_p * len(self._names))(*[n.encode("utf-8") for n in self._names])
        out = c_void_p()
        handle = self._model._h() if self._model is not None else None
        _check(tgfl_report(handle, _ptr(self._real, c_double), self._real.size, _ptr(self._paths, c_double),
                           _ptr(self._counts, c_int32), names, _int32(len(self._names), "n_sets"),
                           _int32(self._horizon, "horizon"), self._training_days, self._seed, fmt, byref(out)))
        try:
            text = ctypes.string_at(out.value).decode("utf-8")
        finally:
            _lib.tgfl_string_free(out)
        self._cache[fmt] = text
        return text

    def to_html(self) -> str:
        """The self-contained HTML page (about 1 MB: the chart libraries are inlined)."""
        return self._render(TGFL_REPORT_HTML)

    def data(self) -> dict:
        """The numbers the page draws: fan bands, densities, QQ, dependence curves, per-regime
        risk, stylized facts, training and federation records, memorization distances."""
        return json.loads(self._render(TGFL_REPORT_JSON))

    def plot(self, sets: Optional[list] = None):
        """The main charts with matplotlib (for those who prefer it): a fan chart per set,
        the daily-return density (log scale), the QQ plot and the ACF of |r|.

        Returns the matplotlib Figure. Raises ImportError naming the fix when matplotlib is
        not installed.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError("tgfl.Report.plot() needs matplotlib: pip install matplotlib "
                              "(or use to_html() / save(), which need nothing)") from error
        d = self.data()
        fans = [f for f in d["fans"] if sets is None or f["name"] in sets]
        blue, vermillion, grey = "#0072B2", "#D55E00", "#7F7F7F"
        cols = max(3, len(fans))
        fig, axes = plt.subplots(2, cols, figsize=(4 * cols, 7), squeeze=False)
        for ax, fan in zip(axes[0], fans):
            days = np.arange(fan["horizon"] + 1)
            b, r = np.array(fan["bands"]), np.array(fan["real_bands"])
            ax.fill_between(days, r[0], r[4], color=grey, alpha=0.3, label="real 5–95 %")
            ax.fill_between(days, b[0], b[4], color=blue, alpha=0.2, label="synthetic 5–95 %")
            ax.fill_between(days, b[1], b[3], color=blue, alpha=0.35, label="synthetic 25–75 %")
            ax.plot(days, b[2], color=blue, lw=2, label="synthetic median")
            ax.plot(days, r[2], color=vermillion, ls="--", label="real median")
            ax.set(title=f"{fan['name']}: {fan['paths']} paths", xlabel="Trading day", ylabel="Price index (start = 100)")
        for ax in axes[0][len(fans):]:
            ax.axis("off")
        axes[0][0].legend(fontsize=7)
        dens = d["densities"][0]
        edges = np.array(dens["edges"])
        centres = (edges[1:] + edges[:-1]) / 2
        ax = axes[1][0]
        for key, colour, ls in [("real", vermillion, "--"), ("synthetic", blue, "-")]:
            y = np.array(dens[key], dtype=float)
            ax.step(centres[y > 0], y[y > 0], where="mid", color=colour, ls=ls, label=key)
        ax.set(yscale="log", title="Daily return density", xlabel="1-day log return", ylabel="Density (log scale)")
        ax.legend(fontsize=7)
        ax = axes[1][1]
        qq = d["qq"]
        ax.scatter(qq["real"], qq["synthetic"], s=6, color=blue)
        lo, hi = min(qq["real"][0], qq["synthetic"][0]), max(qq["real"][-1], qq["synthetic"][-1])
        ax.plot([lo, hi], [lo, hi], color=grey, ls="--")
        ax.set(title="QQ plot", xlabel="Real quantile (daily log return)", ylabel="Synthetic quantile")
        ax = axes[1][2]
        dep = d["dependence"]
        lags = np.arange(1, dep["max_lag"] + 1)
        ax.fill_between(lags, dep["real_low"]["acf_absolute"], dep["real_high"]["acf_absolute"], color=grey, alpha=0.3,
                        label="real chunks 5–95 %")
        ax.plot(lags, dep["real"]["acf_absolute"], color=vermillion, ls="--", label="real")
        ax.plot(lags, dep["synthetic"]["acf_absolute"], color=blue, label="synthetic")
        ax.set(title="ACF of |r|", xlabel="Lag (trading days)", ylabel="Autocorrelation")
        ax.legend(fontsize=7)
        for ax in axes[1][3:]:
            ax.axis("off")
        fig.tight_layout()
        return fig
