"""Result objects of the Python API: training histories and the evaluation report.

``Model.train`` returns a ``TrainingHistory``, ``Model.train_federated`` a
``FederatedHistory`` and ``tgfl.evaluate`` an ``EvaluationResult``. Each has ``to_frame()``
(a pandas DataFrame) and ``_repr_html_`` (a table in notebooks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import pandas as pd

__all__ = ["TrainingHistory", "FederatedHistory", "EvaluationResult"]


def _finite_or_none(x: float) -> Optional[float]:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass
class _History:
    """Records of one training call, one dict per step or round (the shared part)."""

    records: List[Dict[str, Any]] = field(default_factory=list)
    #: True when the run was stopped by the progress function or KeyboardInterrupt.
    cancelled: bool = False

    _INDEX = "step"
    _COLUMNS = ()

    def __len__(self) -> int:
        return len(self.records)

    @property
    def best_val_loss(self) -> Optional[float]:
        """The lowest validation loss seen (None without validation)."""
        losses = [r["val_loss"] for r in self.records if r["val_loss"] is not None]
        return min(losses) if losses else None

    def to_frame(self) -> pd.DataFrame:
        """The records as a DataFrame indexed by step (or round); val_loss is NaN where not evaluated."""
        frame = pd.DataFrame(self.records, columns=[self._INDEX, *self._COLUMNS])
        return frame.astype({"train_loss": float, "val_loss": float}).set_index(self._INDEX)


@dataclass
class TrainingHistory(_History):
    """What one ``Model.train`` call did, one record per optimisation step.

    ``records`` holds dicts with ``step``, ``epoch``, ``train_loss``, ``val_loss`` (None when
    not evaluated at that step), ``tokens_per_second`` and ``elapsed_seconds``.
    Plot it with ``history.to_frame()[["train_loss", "val_loss"]].plot()``.
    """

    _COLUMNS = ("epoch", "train_loss", "val_loss", "tokens_per_second", "elapsed_seconds")

    def _add(self, p) -> None:
        self.records.append({"step": int(p.step), "epoch": int(p.epoch),
                             "train_loss": _finite_or_none(p.train_loss),
                             "val_loss": _finite_or_none(p.val_loss),
                             "tokens_per_second": float(p.tokens_per_second),
                             "elapsed_seconds": float(p.elapsed_seconds)})

    @property
    def steps_run(self) -> int:
        """Steps reported in this call."""
        return len(self.records)

    @property
    def final_train_loss(self) -> Optional[float]:
        """The training loss of the last step (None if no step ran)."""
        return self.records[-1]["train_loss"] if self.records else None

    @property
    def best_step(self) -> Optional[int]:
        """The step of the lowest validation loss (what ``keep_best=True`` keeps)."""
        best = self.best_val_loss
        if best is None:
            return None
        return next(r["step"] for r in self.records if r["val_loss"] == best)

    def __repr__(self) -> str:
        best = self.best_val_loss
        return (f"<tgfl.TrainingHistory {self.steps_run} steps, final train loss "
                f"{_fmt(self.final_train_loss)}, best val loss {_fmt(best)}"
                f"{f' at step {self.best_step}' if best is not None else ''}"
                f"{', cancelled' if self.cancelled else ''}>")

    def _repr_html_(self) -> str:
        return f"<p>{_escape(repr(self))}</p>" + self.to_frame().tail(10).to_html()


@dataclass
class FederatedHistory(_History):
    """What one ``Model.train_federated`` call did, one record per round.

    ``epsilon`` is the privacy budget spent at ``dp_delta`` (``inf`` without DP noise).
    ``records`` hold ``round``, ``train_loss``, ``val_loss`` and ``elapsed_seconds``.
    """

    #: Privacy budget spent (the smaller of the RDP and PLD accountants'); inf without noise.
    epsilon: float = math.inf

    _INDEX = "round"
    _COLUMNS = ("train_loss", "val_loss", "elapsed_seconds")

    def _add(self, p) -> None:
        self.records.append({"round": int(p.step), "train_loss": _finite_or_none(p.train_loss),
                             "val_loss": _finite_or_none(p.val_loss),
                             "elapsed_seconds": float(p.elapsed_seconds)})

    @property
    def rounds_run(self) -> int:
        """Rounds reported in this call."""
        return len(self.records)

    def __repr__(self) -> str:
        return (f"<tgfl.FederatedHistory {self.rounds_run} rounds, best val loss {_fmt(self.best_val_loss)}, "
                f"epsilon {_fmt(self.epsilon)}{', cancelled' if self.cancelled else ''}>")

    def _repr_html_(self) -> str:
        return f"<p>{_escape(repr(self))}</p>" + self.to_frame().to_html()


class EvaluationResult:
    """The stylized-facts report of ``tgfl.evaluate`` (TGFLStats' StylizedFactsReport).

    ``result.facts`` lists the checks (key, name, real, synthetic, criterion, passed);
    ``result.overall_pass`` says whether every check with a criterion passed; ``result.raw``
    is the whole JSON document as a dict, and ``result["key"]`` reads it (as the dict that
    ``evaluate`` returned before). Not to be confused with ``tgfl.Report``, the HTML report.
    """

    def __init__(self, raw: Dict[str, Any]):
        self.raw = raw

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __contains__(self, key: str) -> bool:
        return key in self.raw

    def keys(self):
        """The keys of the JSON document."""
        return self.raw.keys()

    @property
    def facts(self) -> List[Dict[str, Any]]:
        """One dict per stylized fact."""
        return list(self.raw.get("facts", []))

    @property
    def overall_pass(self) -> bool:
        """True when every fact with a pass/fail criterion passed."""
        return bool(self.raw.get("overall_pass"))

    @property
    def passed_count(self) -> int:
        """Facts that passed."""
        return int(self.raw.get("passed_count", 0))

    @property
    def failed_count(self) -> int:
        """Facts that failed."""
        return int(self.raw.get("failed_count", 0))

    def to_frame(self) -> pd.DataFrame:
        """One row per fact, indexed by its key: name, real, synthetic, criterion, passed."""
        columns = ["key", "name", "real", "synthetic", "criterion", "passed"]
        return pd.DataFrame(self.facts, columns=columns).set_index("key")

    def table(self) -> str:
        """A plain-text table of the facts with a summary line (what ``print`` shows)."""
        frame = self.to_frame().copy()
        frame["passed"] = frame["passed"].map({True: "pass", False: "FAIL"}).fillna("-")
        for column in ("real", "synthetic"):
            frame[column] = frame[column].map(lambda x: "-" if x is None or pd.isna(x) else f"{x:.4g}")
        # Not "N passed, N failed": CI log readers take that line for a test runner's verdict.
        checked = self.passed_count + self.failed_count
        summary = f"overall {'PASS' if self.overall_pass else 'FAIL'}: {self.passed_count} of {checked} checks pass"
        return frame.to_string() + "\n" + summary

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return (f"<tgfl.EvaluationResult {self.passed_count} passed, {self.failed_count} failed, "
                f"overall {'pass' if self.overall_pass else 'fail'}>")

    def _repr_html_(self) -> str:
        return f"<p>{_escape(repr(self))}</p>" + self.to_frame().to_html(na_rep="-")


def _fmt(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.4g}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
