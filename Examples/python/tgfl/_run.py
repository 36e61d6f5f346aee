"""Long C calls from Python: progress bars, Ctrl-C, warnings.

``run_cancellable`` runs a C call (train, federated training, generation) in a worker thread
while the main thread waits. Python delivers Ctrl-C (and Jupyter's "Interrupt kernel") only to
the main thread, so the wait turns it into a cancel flag that the progress callback returns to
the library: the call stops after the step, round or chunk of paths in flight, the model keeps
its last consistent state, and KeyboardInterrupt is raised.
"""

from __future__ import annotations

import threading
import warnings
from typing import Callable, Tuple

from . import _lib
from ._lib import TGFL_ERR_CANCELLED, TGFL_OK

__all__ = ["TgflDataWarning"]


class TgflDataWarning(UserWarning):
    """Data that is probably wrong but was accepted (e.g. prices passed as log returns)."""


def _on_log(level: int, text: bytes, _user_data) -> None:
    message = text.decode("utf-8", "replace") if text else ""
    warnings.warn(message, TgflDataWarning, stacklevel=2)


# The library's warnings become Python warnings (kept alive for the life of the module).
_LOG_CALLBACK = _lib.tgfl_log_callback(_on_log)
_lib.tgfl_log_set(_LOG_CALLBACK, None)


class ProgressBar:
    """A tqdm bar (tqdm.auto: a widget in notebooks, text in terminals) fed by Progress reports."""

    def __init__(self, kind: str, total: int):
        from tqdm.auto import tqdm
        unit = {"train": "step", "federated": "round", "generate": "path", "backtest": "‰"}[kind]
        self.bar = tqdm(total=total, desc=f"tgfl {kind}", unit=unit, leave=True)
        self.done = 0

    def __call__(self, p) -> None:
        self.bar.update(max(0, int(p.step) - self.done))
        self.done = max(self.done, int(p.step))
        postfix = {}
        if p.train_loss == p.train_loss:  # not NaN
            postfix["loss"] = f"{p.train_loss:.4f}"
        if p.val_loss == p.val_loss:
            postfix["val"] = f"{p.val_loss:.4f}"
        if postfix:
            self.bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        """Closes the bar (it stays on screen)."""
        self.bar.close()


def run_cancellable(call: Callable[[], int], cancel: threading.Event) -> Tuple[int, str]:
    """Runs ``call()`` (returning a TGFL status) in a worker thread; Ctrl-C sets ``cancel``.

    Returns the status and ``tgfl_last_error()`` of the worker thread. Raises KeyboardInterrupt
    after the call has stopped when the user interrupted it.
    """
    outcome = {}
    finished = threading.Event()

    def target():
        try:
            status = call()
            message = _lib.tgfl_last_error() if status != TGFL_OK else b""
            outcome["result"] = (status, (message or b"").decode("utf-8", "replace"))
        except BaseException as error:  # noqa: BLE001 — re-raised on the calling thread
            outcome["error"] = error
        finally:
            finished.set()

    worker = threading.Thread(target=target, name="tgfl-call", daemon=True)
    worker.start()
    interrupted = False
    # Wait on an Event, not Thread.join(timeout): a KeyboardInterrupt inside join can mark a
    # running thread as stopped (CPython gh-90882).
    while not finished.is_set():
        try:
            finished.wait(0.05)
        except KeyboardInterrupt:
            interrupted = True
            cancel.set()   # the progress callback returns False at the next report
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    status, message = outcome["result"]
    if interrupted and status in (TGFL_ERR_CANCELLED, TGFL_OK):
        raise KeyboardInterrupt
    return status, message
