"""Progress of a long search: trials done, best value so far, elapsed and left.

On a terminal, a live bar on stderr. Anywhere else (a file, a pipe, a CI log) a bar
cannot redraw, so a plain line is written and flushed every ``LINE_EVERY`` seconds
instead, by a thread: a trial that runs for minutes in this process still leaves a
line every few seconds. :func:`still_working` does the same for long work outside a
search (reading a table, a refit), quiet while a search writes its own lines.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as _RichProgress

from autoxai.trial import Trial, TrialState

if TYPE_CHECKING:
    from autoxai.study._study import Study

__all__ = ["LINE_EVERY", "Progress", "still_working"]

#: Seconds between two progress lines when stderr is not a terminal.
LINE_EVERY = 5.0

_last_line = 0.0  # time.monotonic() of the last line written, by any writer here


def _write(line: str) -> bool:
    """Write and flush one line to stderr; False when stderr is gone."""
    global _last_line
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # the reader has gone or stderr is closed
        return False
    _last_line = time.monotonic()
    return True


@contextlib.contextmanager
def still_working(what: str, *, enabled: bool = True) -> Iterator[None]:
    """While the block runs, and stderr is not a terminal, write ``autoxai: WHAT, N s``
    whenever no other progress line has been written for ``LINE_EVERY`` seconds."""
    if not enabled or sys.stderr.isatty():
        yield
        return
    stopped = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        while not stopped.wait(LINE_EVERY / 5):
            now = time.monotonic()
            if now - max(_last_line, start) >= LINE_EVERY and not _write(
                f"autoxai: {what}, {now - start:.0f} s"
            ):
                return

    thread = threading.Thread(target=tick, name="autoxai-still-working", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()


class Progress:
    """Shows the driver loop's state on stderr; does nothing when disabled.

    With ``n_trials`` the bar counts trials and estimates the time left from the pace so
    far; with only a ``timeout`` it counts seconds towards the deadline.
    """

    def __init__(self, study: Study, *, n_trials, timeout, enabled: bool) -> None:
        self.enabled = enabled
        self._study = study
        self._n_trials = n_trials
        self._timeout = timeout
        self._done = 0
        self._best: float | None = None
        self._sign = 1.0 if study.direction == "minimize" else -1.0
        self._start = time.monotonic()
        self._bar: _RichProgress | None = None
        self._lines: threading.Thread | None = None
        self._stopped = threading.Event()
        if enabled and sys.stderr.isatty():
            self._bar = _RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[trials]}"),
                TextColumn("best {task.fields[best]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=False,
            )
            total = n_trials if n_trials is not None else timeout
            self._task = self._bar.add_task(
                study.name, total=total, trials=self._trials_text(), best="-"
            )

    def _trials_text(self) -> str:
        total = f"/{self._n_trials}" if self._n_trials is not None else ""
        return f"{self._done}{total} trials"

    def _best_text(self) -> str:
        return "-" if self._best is None else f"{self._best:.6g}"

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        if self._bar is not None:
            self._bar.start()
        elif self.enabled:
            self._lines = threading.Thread(target=self._write_lines, name="autoxai-progress")
            self._lines.daemon = True
            self._lines.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self.refresh()
            self._bar.stop()
        elif self._lines is not None:
            self._stopped.set()
            self._lines.join()

    def update(self, trial: Trial) -> None:
        """Count a finished trial and keep the best value."""
        self._done += 1
        if trial.state is TrialState.COMPLETE and (
            self._best is None or self._sign * trial.value < self._sign * self._best
        ):
            self._best = trial.value
        self.refresh()

    def refresh(self) -> None:
        """Redraw the bar (also between trials, so the clocks move)."""
        if self._bar is None:
            return
        completed = (
            self._done if self._n_trials is not None
            else min(time.monotonic() - self._start, self._timeout or math.inf)
        )  # fmt: skip
        self._bar.update(
            self._task, completed=completed, trials=self._trials_text(), best=self._best_text()
        )

    # -- without a terminal -----------------------------------------------------------
    def _write_lines(self) -> None:
        """A line when the search starts, every ``LINE_EVERY`` seconds, and at its end."""
        self._write_line()
        while not self._stopped.wait(LINE_EVERY):
            self._write_line()
        self._write_line()

    def _write_line(self) -> None:
        elapsed = time.monotonic() - self._start
        left = ""
        if self._timeout is not None:
            left = f", {max(0.0, self._timeout - elapsed):.0f} s left"
        elif self._n_trials is not None and self._done:
            left = f", about {(self._n_trials - self._done) * elapsed / self._done:.0f} s left"
        line = (
            f"{self._study.name}: {self._trials_text()}, best {self._best_text()}, "
            f"{elapsed:.0f} s elapsed{left}"
        )
        if not _write(line):  # stderr is gone: go quiet
            self._stopped.set()
