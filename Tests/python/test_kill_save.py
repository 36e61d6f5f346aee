"""kill -9 during a save (issue 13): at random moments a child process that keeps saving a
model is killed; the checkpoint at the path always loads (the previous or the new one), and
the next save removes the temporary file the killed save left."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

import tgfl

# The "small" benchmark config (a 3.4 MB checkpoint, as in the issue): saves take
# milliseconds, so kills land inside them.
CHILD = r"""
import sys, tgfl
path = sys.argv[1]
with tgfl.Model.create(tgfl.ModelConfig(), seed=int(sys.argv[2])) as m:
    m.save(path)
    print("ready", flush=True)
    while True:
        m.save(path)
"""


def _temporaries(directory):
    return sorted(name for name in os.listdir(directory) if ".tmp-" in name)


def test_kill_during_save_never_breaks_the_checkpoint(tmp_path):
    path = str(tmp_path / "model.h5")
    rng = random.Random(13)
    env = dict(os.environ)
    kills, left_behind = 20, 0
    for attempt in range(kills):
        child = subprocess.Popen([sys.executable, "-c", CHILD, path, str(attempt)], stdout=subprocess.PIPE,
                                 env=env)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        child.wait()
        # The file at the path is always a complete checkpoint.
        with tgfl.Model.load(path) as model:
            assert model.n_params > 0
            assert np.isfinite(model.parameters()).all()
        left_behind += len(_temporaries(tmp_path))
        # The next save (of this process, a different pid) removes the killed save's temporary.
        with tgfl.Model.load(path) as model:
            model.save(path)
        assert _temporaries(tmp_path) == [], _temporaries(tmp_path)
    # Kills at random moments do land inside saves (else the test proves nothing).
    assert left_behind > 0, "no kill interrupted a save; the test did not exercise the case"
