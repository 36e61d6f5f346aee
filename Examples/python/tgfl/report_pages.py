"""The backtest and portfolio-stress pages of the HTML report (issue 15 for issues 16 and 17).

Both come from the Swift renderer through the C ABI (``tgfl_backtest_report``,
``tgfl_stress_report``), so they are the very pages ``tgfl backtest --html`` and
``tgfl stress --html`` write::

    import tgfl
    from tgfl.portfolio import JointModel
    result = tgfl.backtest(returns, start, start + 250, model=model)
    tgfl.BacktestReport(result).save("backtest.html")      # or display(...) in Jupyter

    joint = JointModel("eu.h5")
    sets = {g: joint.generate(2000, 10, regime=g)[0] for g in joint.regimes}
    tgfl.StressReport(sets, weights=[0.4, 0, 0, 0.6], assets=joint.assets).save("stress.html")
"""

import ctypes
import json
from ctypes import POINTER, byref, c_char_p, c_int32, c_size_t, c_void_p
from typing import Mapping, Optional, Sequence

import numpy as np

from . import _lib
from .model import _array, _bad, _check
from .portfolio import portfolio_stress
from .report import _HTMLPage

# TGFL_API int32_t tgfl_backtest_report(const char * backtest_json, const char * const * dates, size_t n_dates,
#                                       char ** out_html);
_tgfl_backtest_report = _lib._declare("tgfl_backtest_report", [c_char_p, POINTER(c_char_p), c_size_t, POINTER(c_void_p)],
                                      c_int32)
# TGFL_API int32_t tgfl_stress_report(const char * stress_json, char ** out_html);
_tgfl_stress_report = _lib._declare("tgfl_stress_report", [c_char_p, POINTER(c_void_p)], c_int32)


def _page(call) -> str:
    out = c_void_p()
    _check(call(byref(out)))
    try:
        return ctypes.string_at(out.value).decode("utf-8")
    finally:
        _lib.tgfl_string_free(out)


class BacktestReport(_HTMLPage):
    """The backtest page of a ``tgfl.backtest`` result: per horizon the tests' table with the
    traffic-light zones, each model's VaR forecasts against the realised returns with the
    exceptions marked, and PIT histograms with Berkowitz's LR.

    Args:
        result: the dict ``tgfl.backtest`` returns (or its JSON text, e.g. ``tgfl backtest --json``).
        dates: optional labels of every return of the series (shown in the tooltips).
    """

    def __init__(self, result, dates: Optional[Sequence] = None):
        if isinstance(result, (str, bytes)):
            text = result if isinstance(result, str) else result.decode("utf-8")
        elif isinstance(result, Mapping):
            text = json.dumps(_nan_as_text(result), allow_nan=False)
        else:
            raise _bad(f"result must be the dict tgfl.backtest returns or its JSON text, got {type(result).__name__}")
        self._json = text.encode("utf-8")
        self._dates = [str(d).encode("utf-8") for d in dates] if dates is not None else []
        self._html = None

    def to_html(self) -> str:
        """The self-contained HTML page."""
        if self._html is None:
            labels = (c_char_p * len(self._dates))(*self._dates) if self._dates else None
            self._html = _page(lambda out: _tgfl_backtest_report(self._json, labels, len(self._dates), out))
        return self._html


class StressReport(_HTMLPage):
    """The portfolio-stress page: per regime the P&L density with VaR and ES marked, VaR/ES
    bars (against real windows when given), the maximum-drawdown distribution, component-ES
    bars per asset and the worst scenarios.

    Args:
        scenarios: ``{regime: (paths, days, assets) log returns}``, every set of one horizon.
        weights: money per asset (fractions summing to 1: P&L as a fraction of the portfolio).
        assets: asset names (default "asset 0", …).
        level: tail probability of VaR and ES.
        n_worst: worst scenarios listed per regime.
        real_windows: optional ``{regime: (windows, days, assets)}`` real log returns of the same
            horizon (see ``real_windows``), compared with the scenarios when there are at least 20.
        real_name: what the real data is (shown on the page).
    """

    MINIMUM_REAL_WINDOWS = 20

    def __init__(self, scenarios: Mapping[str, object], weights, assets: Optional[Sequence[str]] = None,
                 level: float = 0.01, n_worst: int = 10, real_windows: Optional[Mapping[str, object]] = None,
                 real_name: str = "real data"):
        if not isinstance(scenarios, Mapping) or not scenarios:
            raise _bad("scenarios must be a non-empty {regime: (paths, days, assets) array} mapping")
        w = _array(weights, "weights", np.float64, ndim=(1,))
        sets = {str(g): _array(s, f"scenarios[{g!r}]", np.float64, ndim=(3,)) for g, s in scenarios.items()}
        shapes = {g: s.shape[1:] for g, s in sets.items()}
        if len(set(shapes.values())) != 1:
            raise _bad(f"every scenario set needs the same (days, assets), got {shapes}")
        horizon, k = next(iter(shapes.values()))
        names = [str(a) for a in assets] if assets is not None else [f"asset {i}" for i in range(k)]
        if len(names) != k:
            raise _bad(f"assets has {len(names)} names but the scenarios have {k} assets")
        regimes = []
        for g, s in sets.items():
            r = portfolio_stress(s, w, level, n_worst)
            real = None
            if real_windows is not None and g in real_windows:
                rw = _array(real_windows[g], f"real_windows[{g!r}]", np.float64, ndim=(3,))
                if rw.shape[0] >= self.MINIMUM_REAL_WINDOWS:
                    rs = portfolio_stress(rw, w, level, 0)
                    real = {"windows": int(rw.shape[0]), "valueAtRisk": rs.value_at_risk,
                            "expectedShortfall": rs.expected_shortfall}
            regimes.append({"name": g, "profitAndLoss": r.pnl.tolist(), "maxDrawdowns": r.max_drawdowns.tolist(),
                            "valueAtRisk": r.value_at_risk, "expectedShortfall": r.expected_shortfall,
                            "componentExpectedShortfall": r.component_es.tolist(),
                            "worst": [{"path": int(p), "profitAndLoss": float(r.pnl[p]),
                                       "maxDrawdown": float(r.max_drawdowns[p]),
                                       "assetReturns": s[p].sum(axis=0).tolist()} for p in r.worst],
                            "real": real})
        self.input = {"assets": names, "weights": w.tolist(), "level": float(level), "horizon": int(horizon),
                      "realName": real_name if real_windows is not None else None, "regimes": regimes}
        self._html = None

    @staticmethod
    def real_windows(returns, labels, regime: int, horizon: int) -> np.ndarray:
        """The real windows of ``horizon`` days that start on a day labelled ``regime``
        (overlapping, stride one day): ``(windows, horizon, assets)`` from ``returns[days, assets]``."""
        r = _array(returns, "returns", np.float64, ndim=(2,))
        lab = np.asarray(labels)
        if lab.shape != (r.shape[0],):
            raise _bad(f"labels has shape {lab.shape} but returns has {r.shape[0]} days")
        starts = [t for t in range(r.shape[0] - horizon + 1) if lab[t] == regime]
        return np.stack([r[t:t + horizon] for t in starts]) if starts else np.empty((0, horizon, r.shape[1]))

    def to_html(self) -> str:
        """The self-contained HTML page."""
        if self._html is None:
            text = json.dumps(self.input).encode("utf-8")
            self._html = _page(lambda out: _tgfl_stress_report(text, out))
        return self._html


def _nan_as_text(value):
    """NaN and infinities as the strings the Swift decoder reads ("nan", "inf", "-inf")."""
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {k: _nan_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_as_text(v) for v in value]
    return value
