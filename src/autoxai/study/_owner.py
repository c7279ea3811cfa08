"""Who owns a RUNNING trial, and whether that owner still lives.

A driver writes ``host:pid:start`` into the trials it runs, where ``start`` is the
process's start time as the kernel records it (so a recycled pid is not mistaken for
the old process). When a study is reopened, RUNNING trials of a dead owner on this host
are the remains of a killed run. Owners on other hosts are assumed alive.
"""

from __future__ import annotations

import functools
import os
import socket

__all__ = ["current_owner", "is_alive"]


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


def is_alive(owner: str) -> bool:
    """False only when ``owner`` is a process of this host that no longer runs."""
    try:
        host, pid_text, start = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != _host():
        return True
    if not _pid_exists(pid):
        return False
    return not start or _start_time(pid) in (None, start)
