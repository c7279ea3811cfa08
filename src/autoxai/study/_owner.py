"""Who owns a RUNNING trial, and whether that owner still lives.

A driver writes ``host:pid:start`` into the trials it runs, where ``start`` is the
process's start time as the kernel records it (so a recycled pid is not mistaken for
the old process). When a study is reopened, RUNNING trials of a dead owner on this host
are the remains of a killed run. An owner on another host cannot be asked; a driver
sharing a database therefore beats a heartbeat into its RUNNING trials every
``HEARTBEAT_EVERY`` seconds, and an owner elsewhere whose last beat is older than
``STALE_AFTER`` counts as dead.
"""

from __future__ import annotations

import functools
import os
import socket
import time

__all__ = ["HEARTBEAT_EVERY", "STALE_AFTER", "current_owner", "is_alive"]

#: Seconds between a driver's heartbeats on its RUNNING trials (database storages).
HEARTBEAT_EVERY = 30.0
#: An owner on another host without a heartbeat for this long is taken for dead.
STALE_AFTER = 300.0


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of stat(5), counted after the command name
    except (OSError, IndexError):
        return None


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.cache
def _host() -> str:
    return socket.gethostname()


def current_owner() -> str:
    """This process's owner string."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_time(pid) or ''}"


def is_alive(owner: str, heartbeat: float | None = None) -> bool:
    """Whether the driver ``owner`` may still be running its trials.

    On this host: whether that very process runs. On another: whether its last
    ``heartbeat`` (a Unix time) is less than ``STALE_AFTER`` seconds old; without one
    (a database written before heartbeats), it is assumed alive.
    """
    try:
        host, pid_text, start = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != _host():
        return heartbeat is None or time.time() - heartbeat < STALE_AFTER
    if not _pid_exists(pid):
        return False
    return not start or _start_time(pid) in (None, start)
