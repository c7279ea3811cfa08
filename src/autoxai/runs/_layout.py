"""The layout of a run directory: every file name, in one place.

``autoxai run`` (and :func:`autoxai.run`) writes, and :class:`~autoxai.Run` and the
report read, a directory holding:

* ``model/`` — the fitted pipeline and its signed manifest (:func:`autoxai.load`);
* ``leaderboard.csv`` — every configuration evaluated on all rows;
* ``trials.csv`` — every evaluation of the search;
* ``run.json`` — versions, data fingerprint, column decisions, settings, timings;
* ``study.db`` — the search (SQLite; ``--resume`` continues from it);
* ``work/`` — the search's out-of-fold predictions;
* ``explanations/`` — one JSON per result and ``manifest.json``;
* ``report.html`` — the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autoxai.automl._constants import STUDY_NAME

__all__ = ["STUDY_NAME", "RunLayout"]


@dataclass(frozen=True)
class RunLayout:
    """Where each part of the run in ``directory`` lives."""

    directory: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "directory", Path(self.directory))

    @property
    def model(self) -> Path:
        return self.directory / "model"

    @property
    def leaderboard(self) -> Path:
        return self.directory / "leaderboard.csv"

    @property
    def trials(self) -> Path:
        return self.directory / "trials.csv"

    @property
    def run_json(self) -> Path:
        return self.directory / "run.json"

    @property
    def study_db(self) -> Path:
        return self.directory / "study.db"

    @property
    def storage_url(self) -> str:
        """The study database as a SQLAlchemy URL."""
        return f"sqlite:///{self.study_db.resolve()}"

    @property
    def work(self) -> Path:
        return self.directory / "work"

    @property
    def explanations(self) -> Path:
        return self.directory / "explanations"

    @property
    def manifest(self) -> Path:
        return self.explanations / "manifest.json"

    @property
    def report(self) -> Path:
        return self.directory / "report.html"

    def is_run(self) -> bool:
        """Whether the directory holds a run (its ``run.json``)."""
        return self.run_json.is_file()
