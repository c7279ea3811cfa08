"""A progress bar for long searches: trials done, best value so far, elapsed and left."""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as _RichProgress

from autoxai.trial import Trial, TrialState

if TYPE_CHECKING:
    from autoxai.study._study import Study

__all__ = ["Progress"]


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
        if enabled:
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

    def __enter__(self) -> Progress:
        if self.enabled:
            self._start = time.monotonic()
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.refresh()
            self._bar.stop()

    def update(self, trial: Trial) -> None:
        """Count a finished trial and keep the best value."""
        self._done += 1
        if trial.state is TrialState.COMPLETE and (
            self._best is None or self._sign * trial.value < self._sign * self._best
        ):
            self._best = trial.value
        self.refresh()

    def refresh(self) -> None:
        """Redraw (also between trials, so the clocks move)."""
        if not self.enabled:
            return
        completed = (
            self._done if self._n_trials is not None
            else min(time.monotonic() - self._start, self._timeout or math.inf)
        )  # fmt: skip
        best = "-" if self._best is None else f"{self._best:.6g}"
        self._bar.update(self._task, completed=completed, trials=self._trials_text(), best=best)
