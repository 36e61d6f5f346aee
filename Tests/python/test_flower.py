"""TGFL inside a real Flower deployment: Flower's own SuperLink and SuperNode processes.

The test starts one SuperLink and two SuperNodes on 127.0.0.1 (free ports, each in its own
process group, logs in temporary files), submits Examples/flower with ``flwr run`` for two
rounds of FedAvg on the bundled S&P 500 split into two contiguous time periods, waits for
the run, and checks that the final global parameters load into a TGFL model that generates
finite scenarios. Every process it started, and everything they spawned, is stopped at the
end, pass or fail.

Environment: PYTHONPATH (Examples/python) and TGFL_LIB_DIR as the Makefile's py-test sets
them; the Flower executables are taken from ``sys.executable``'s bin folder.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

flwr = pytest.importorskip(
    "flwr",
    reason="Flower is not installed in this Python (pip install -r requirements-test.txt "
           "installs flwr==1.41.0)",
)
import tgfl  # noqa: E402  (the binding under test: an import failure is a real failure)

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "Examples" / "flower"
sys.path.insert(0, str(APP_DIR))
from tgfl_flower import task  # noqa: E402
BIN_DIR = Path(sys.executable).parent
N_NODES = 2
ROUNDS = 2
RUN_TIMEOUT = 240.0       # seconds for the whole `flwr run` (normally well under a minute)
STARTUP_TIMEOUT = 60.0

# A small model and few local steps: the test proves the plumbing, not the model's quality.
RUN_CONFIG = {
    "num-server-rounds": ROUNDS,
    "min-nodes": N_NODES,
    "local-steps": 4,
    "batch-size": 8,
    "seq-len": 0,
    "learning-rate": 0.003,
    "val-fraction": 0.2,
    "threads": 1,
    "seed": 7,
    "round-timeout": RUN_TIMEOUT,
    "model-vocab-size": 64,
    "model-context-length": 32,
    "model-d-model": 32,
    "model-n-layers": 2,
    "model-n-heads": 2,
    "model-d-ff": 64,
    "model-n-regimes": 4,
}


# --------------------------------------------------------------------------------------
# Process management
# --------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) for every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), fields[19])
    return table


def _alive(pid: int, start_time: str) -> bool:
    """Whether `pid` is still the same process and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19] == start_time and fields[0] != "Z"


class LocalFederation:
    """A SuperLink and SuperNodes on 127.0.0.1, each a subprocess in its own group."""

    def __init__(self, workdir: Path, n_nodes: int):
        self.workdir = workdir
        self.n_nodes = n_nodes
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.seen: dict[int, str] = {}  # every pid in our process trees -> its start time
        self.port = _free_port()
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        python_path = [str(REPO / "Examples" / "python")]
        python_path += [str(Path(p).resolve()) for p in env.get("PYTHONPATH", "").split(":") if p]
        env["PYTHONPATH"] = ":".join(python_path)
        env["TGFL_LIB_DIR"] = str(Path(env.get("TGFL_LIB_DIR", REPO / ".build" / "release"))
                                  .resolve())
        env["PATH"] = f"{BIN_DIR}:{env.get('PATH', '')}"
        # Local paths only: no telemetry, no update check, no `uv sync` of app dependencies.
        env["FLWR_TELEMETRY_ENABLED"] = "0"
        env["FLWR_DISABLE_UPDATE_CHECK"] = "1"
        env["FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _home(self, name: str) -> Path:
        home = self.workdir / name
        home.mkdir(parents=True, exist_ok=True)
        return home

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        home = self._home(name)
        log = self.workdir / f"{name}.log"
        self.logs[name] = log
        with open(log, "wb") as out:
            process = subprocess.Popen(
                argv, cwd=home, env={**self.env, "FLWR_HOME": str(home / ".flwr")},
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start(self) -> None:
        superlink = self._start("superlink", [
            str(BIN_DIR / "flower-superlink"), "--insecure",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--disable-runtime-dependency-installation",
        ])
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _port_open(self.port):
            if superlink.poll() is not None:
                raise RuntimeError(f"flower-superlink exited with {superlink.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"flower-superlink did not listen on {self.port} in time")
            time.sleep(0.2)
        for node in range(self.n_nodes):
            self._start(f"supernode-{node}", [
                str(BIN_DIR / "flower-supernode"), "--insecure",
                "--superlink", f"127.0.0.1:{self.port}",
                "--host", "127.0.0.1", "--port", str(_free_port()),
                "--node-config", f"partition-id={node} num-partitions={self.n_nodes}",
            ])

    def run(self, app: Path, run_config: dict, timeout: float) -> subprocess.CompletedProcess:
        """`flwr run <app> <superlink> --run-config <toml> --stream`, waiting for the end."""
        home = self._home("cli") / ".flwr"
        home.mkdir(exist_ok=True)
        (home / "config.toml").write_text(
            '[superlink]\ndefault = "tgfl-test"\n\n[superlink.tgfl-test]\n'
            f'address = "127.0.0.1:{self.port}"\ninsecure = true\n')
        overrides = self.workdir / "run-config.toml"
        overrides.write_text("".join(f"{key} = {json.dumps(value)}\n"
                                     for key, value in run_config.items()))
        log = self.workdir / "flwr-run.log"
        self.logs["flwr-run"] = log
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [str(BIN_DIR / "flwr"), "run", str(app), "tgfl-test",
                 "--run-config", str(overrides), "--stream"],
                cwd=self.workdir, env={**self.env, "FLWR_HOME": str(home)},
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes["flwr-run"] = process
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._remember_trees()
            raise
        return subprocess.CompletedProcess(process.args, process.returncode)

    def run_status(self) -> str:
        """`flwr ls --run-id <id> --format json` for the submitted run (for messages)."""
        log = self.logs.get("flwr-run")
        text = log.read_text(errors="replace") if log and log.exists() else ""
        marker = "Successfully started run "
        if marker not in text:
            return "the run was not started"
        run_id = text.split(marker, 1)[1].split()[0]
        listing = subprocess.run(
            [str(BIN_DIR / "flwr"), "ls", "tgfl-test", "--run-id", run_id, "--format", "json"],
            cwd=self.workdir, env={**self.env, "FLWR_HOME": str(self.workdir / "cli" / ".flwr")},
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
        return (listing.stdout + listing.stderr).strip()

    def _remember_trees(self) -> None:
        """Record every live descendant of the processes we started (by pid + start time).

        Flower detaches some children into new sessions (SuperExec, ServerApp), so a
        process-group kill alone would miss them.
        """
        table = _process_table()
        frontier = [p.pid for p in self.processes.values()]
        while frontier:
            pid = frontier.pop()
            if pid in table and pid not in self.seen:
                self.seen[pid] = table[pid][1]
                frontier += [child for child, (parent, _) in table.items() if parent == pid]

    def stop(self) -> list[int]:
        """Stop everything; returns the pids that survived SIGKILL (should be none)."""
        self._remember_trees()
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and any(
                _alive(pid, start) for pid, start in self.seen.items()):
            time.sleep(0.2)
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for pid, start in self.seen.items():
            if _alive(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for process in self.processes.values():
            try:
                process.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                pass
        time.sleep(0.2)
        return [pid for pid, start in self.seen.items() if _alive(pid, start)]

    def log_text(self) -> str:
        parts = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            parts.append(f"===== {name} ({path}) =====\n{text[-20000:]}")
        return "\n".join(parts)


@pytest.fixture
def federation(tmp_path):
    """A running local deployment, always stopped; its logs go to stderr, which pytest
    shows when the test fails."""
    missing = [exe for exe in ("flower-superlink", "flower-supernode", "flower-superexec",
                               "flwr", "flwr-serverapp", "flwr-clientapp")
               if not (BIN_DIR / exe).exists()]
    if missing:
        pytest.fail(f"flwr is importable but {missing} are not in {BIN_DIR}: reinstall "
                    "flwr==1.41.0 into this environment")
    deployment = LocalFederation(tmp_path, N_NODES)
    started = time.monotonic()
    try:
        deployment.start()
        print(f"deployment started in {time.monotonic() - started:.1f} s", file=sys.stderr)
        yield deployment
    finally:
        stopping = time.monotonic()
        survivors = deployment.stop()
        print(f"deployment stopped in {time.monotonic() - stopping:.1f} s", file=sys.stderr)
        print(deployment.log_text(), file=sys.stderr)
        assert not survivors, f"processes {survivors} survived SIGKILL"


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------

def _default_run_config() -> dict:
    pyproject = tomllib.loads((APP_DIR / "pyproject.toml").read_text())
    return pyproject["tool"]["flwr"]["app"]["config"]


def _fedavg_by_hand(base_path: str, run_config: dict, rounds: int, n_nodes: int) -> np.ndarray:
    """The same federation without Flower: each node's local training replayed in this
    process, and FedAvg as its definition (McMahan et al. 2017), the mean of the nodes'
    parameters weighted by their training days."""
    with tgfl.Model.load(base_path) as base:
        global_parameters = base.parameters()
    val_fraction = float(run_config["val-fraction"])
    for server_round in range(1, rounds + 1):
        updates, weights = [], []
        for partition in range(n_nodes):
            node_config = {"partition-id": partition, "num-partitions": n_nodes}
            returns = task.node_returns(node_config)
            seed = task.local_seed(run_config, server_round, node_config, node_id=0)
            with tgfl.Model.load(base_path) as model:
                model.set_parameters(global_parameters)
                model.train(returns, task.train_params(run_config, seed), progress=False)
                updates.append(model.parameters().astype(np.float64))
            weights.append(len(task.split_tail(returns, val_fraction)[0]))
        global_parameters = np.average(np.stack(updates), axis=0,
                                       weights=np.asarray(weights, dtype=np.float64))
        global_parameters = global_parameters.astype(np.float32)
    return global_parameters


def test_app_run_config_defaults_describe_a_valid_model():
    """The pyproject's run config holds every key the apps read, with usable values."""
    run_config = _default_run_config()
    assert set(RUN_CONFIG) <= set(run_config), "the test overrides keys the app lacks"
    with tgfl.Model.create(task.model_config(run_config), seed=1) as model:
        assert model.n_params == model.parameters().size
    params = task.train_params(run_config, seed=3)
    assert params.steps == run_config["local-steps"] and params.warmup_steps == 0


def test_fedavg_in_a_real_flower_deployment(federation, tmp_path):
    """Two FedAvg rounds over two SuperNodes; the global model loads and generates."""
    output = tmp_path / "output"
    started = time.monotonic()
    completed = federation.run(APP_DIR, {**RUN_CONFIG, "output-dir": str(output)},
                               timeout=RUN_TIMEOUT)
    elapsed = time.monotonic() - started
    print(f"flwr run took {elapsed:.1f} s", file=sys.stderr)
    status = federation.run_status()
    print(f"run status: {status}", file=sys.stderr)
    assert completed.returncode == 0, f"flwr run failed: {status}"
    assert '"finished:completed"' in status, f"the run did not complete: {status}"
    summary_path = output / "summary.json"
    assert summary_path.exists(), f"the ServerApp did not finish (no summary.json): {status}"
    summary = json.loads(summary_path.read_text())

    # Every round had training and evaluation replies, with finite losses.
    assert sorted(summary["train_metrics"], key=int) == [str(r) for r in range(1, ROUNDS + 1)]
    assert sorted(summary["evaluate_metrics"], key=int) == [str(r) for r in range(1, ROUNDS + 1)]
    for metrics in summary["train_metrics"].values():
        assert math.isfinite(metrics["train_loss"]) and metrics["train_loss"] > 0
    for metrics in summary["evaluate_metrics"].values():
        assert math.isfinite(metrics["eval_loss"]) and metrics["eval_loss"] > 0
    # A uniform next-token guess costs log(V) nats; the shared tokenizer makes the
    # losses comparable across nodes, and a trained model does not do far worse.
    assert summary["evaluate_metrics"][str(ROUNDS)]["eval_loss"] < 2 * math.log(64)

    with tgfl.Model.load(summary["base_checkpoint"]) as base, \
            tgfl.Model.load(summary["global_checkpoint"]) as trained:
        initial, final = base.parameters(), trained.parameters()
        assert final.dtype == np.float32 and final.shape == initial.shape
        assert np.all(np.isfinite(final))
        assert summary["n_params"] == final.size
        # The checkpoint records the federation that trained it (issue 14: it said "none").
        record = trained.federation
        assert record is not None and base.federation is None
        assert record["strategy"] == "FedAvg" and record["rounds"] == ROUNDS and record["nodes"] == N_NODES
        assert record["local_steps"] == RUN_CONFIG["local-steps"] and record["engine"].startswith("flower 1.41")
        change = float(np.linalg.norm(final.astype(np.float64) - initial))
        assert change > 0, "FedAvg returned the initial parameters: no node trained"
        assert change == pytest.approx(summary["parameter_change_l2"], rel=1e-6)
        # Flower's transport and FedAvg give the federation computed by hand. Flower
        # aggregates in float32, this in float64 (observed difference: 0); the parameters
        # move by up to ~2e-2 over the run. (The two partitions have equal training days,
        # so this does not tell a weighted from an unweighted mean.)
        expected = _fedavg_by_hand(summary["base_checkpoint"],
                                   {**_default_run_config(), **RUN_CONFIG}, ROUNDS, N_NODES)
        np.testing.assert_allclose(final, expected, rtol=0, atol=1e-5)
        scenarios = trained.generate(8, 20, regime="crisis", seed=11)
        assert scenarios.shape == (8, 20)
        assert np.all(np.isfinite(scenarios))
        # Log returns of a daily index: far below 100% a day.
        assert np.max(np.abs(scenarios)) < 1.0
