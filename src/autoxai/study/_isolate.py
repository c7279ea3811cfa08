"""Run one evaluation in a child process that is killed at its deadline.

Used when a study has a per-trial timeout: a hung objective (a deadlocked library, an
endless loop) cannot be stopped inside its own process, but its process can be killed.
The child is a fresh interpreter (``python -m autoxai.study._isolate``), not a fork:
forking a process whose OpenMP or BLAS threads are running can deadlock the child, and
a fresh interpreter does not re-run the user's ``__main__``. The objective travels by
cloudpickle (closures and lambdas included) with the parent's ``sys.path``, so it is
found where the parent found it. The cost is an interpreter start per trial (a few
hundred milliseconds with NumPy, not counted in the timeout), so use a timeout for
trials long enough to need one.
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
import tempfile
import time
from typing import Any

import cloudpickle

from autoxai.study._evaluate import EvalResult, evaluate

__all__ = ["evaluate_isolated"]

#: The start of the ``error`` of a trial stopped at its time limit.
TIMED_OUT = "timed out"

#: Seconds a child may take to start and load the objective before the trial's clock
#: starts; a child that takes longer is given its timeout from then on anyway.
STARTUP_LIMIT = 120.0


def evaluate_isolated(objective, params: dict[str, Any], given: Any, catch: bool,
                      timeout: float | None = None, deadline: float | None = None):  # fmt: skip
    """:func:`~autoxai.study._evaluate.evaluate` in a child process, at most ``timeout`` s
    and no later than ``deadline`` (epoch seconds, ``time.time()``), whichever comes first.

    Returns an ``EvalResult``; a child killed at its limit, or dying by itself (a
    crash, the out-of-memory killer), gives a FAILED result saying so.
    """
    if deadline is not None and time.time() >= deadline:
        return EvalResult(None, f"{TIMED_OUT}: the run's deadline had passed", 0.0)
    # sys.path first, on its own: unpickling the objective may import its module.
    payload = pickle.dumps((list(sys.path), cloudpickle.dumps((objective, params, given, catch))))
    fd, path = tempfile.mkstemp(prefix="autoxai-trial-", suffix=".pkl")
    os.close(fd)
    start = time.perf_counter()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "autoxai.study._isolate", path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            child.stdin.write(payload)
            child.stdin.close()
            # The clock starts once the child has loaded the objective: starting Python
            # and importing the objective's modules is not the trial's time.
            if select.select([child.stdout], [], [], STARTUP_LIMIT)[0]:
                child.stdout.read(1)
            start = time.perf_counter()
            limit, why = _limit(timeout, deadline)
            child.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            return EvalResult(None, f"{TIMED_OUT}: {why}", time.perf_counter() - start)
        except BaseException:  # Ctrl-C in the parent: take the child down too
            child.kill()
            child.wait()
            raise
        finally:
            child.stdout.close()
        with open(path, "rb") as f:
            data = f.read()
        if child.returncode != 0 or not data:
            how = (
                f"signal {-child.returncode}"
                if child.returncode < 0
                else f"exit status {child.returncode}"
            )
            return EvalResult(
                None, f"the trial's process died ({how})", time.perf_counter() - start
            )
        result = cloudpickle.loads(data)
        if isinstance(result, BaseException):  # catch=False: the objective's own error
            raise result
        return result
    finally:
        os.unlink(path)


def _limit(timeout: float | None, deadline: float | None) -> tuple[float | None, str]:
    """Seconds the child may run from now, and what to say when it is stopped."""
    left = None if deadline is None else max(0.0, deadline - time.time())
    if left is not None and (timeout is None or left < timeout):
        return left, f"stopped at the run's deadline, after {left:.3g} s"
    if timeout is None:  # neither limit: the child runs to its end
        return None, ""
    return timeout, f"stopped after {timeout:g} s"


def _main(path: str) -> None:
    sys_path, rest = pickle.loads(sys.stdin.buffer.read())
    sys.path[:] = sys_path
    objective, params, given, catch = cloudpickle.loads(rest)
    os.write(1, b"R")  # ready: the parent's clock starts now
    os.dup2(2, 1)  # what the objective prints goes to stderr, as the parent's would
    try:
        result: Any = evaluate(objective, params, given, catch)
    except Exception as exc:  # only with catch=False
        result = exc
    with open(path, "wb") as f:
        f.write(cloudpickle.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1])
