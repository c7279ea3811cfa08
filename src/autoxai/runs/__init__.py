"""The run layer: what one run of ``autoxai run`` (or :func:`autoxai.run`) owns.

* :class:`RunLayout` — the directory's file names;
* :class:`TimePlan` — every share of the time budget: search and refit, the explanation
  stage and each of its methods, the report;
* :class:`ExplanationStage` — every explanation method under the plan;
* the writer (:mod:`autoxai.runs._writer`) and the reader (:func:`read_run`,
  :class:`RunData`) of a run directory.

The report (:mod:`autoxai.report`) only presents what a run holds; the CLI only parses
and prints.
"""

from autoxai.runs._data import RunData, read_run
from autoxai.runs._files import ExplanationFiles, load_explanations
from autoxai.runs._layout import STUDY_NAME, RunLayout
from autoxai.runs._stage import ExplanationStage

__all__ = [
    "STUDY_NAME",
    "ExplanationFiles",
    "ExplanationStage",
    "RunData",
    "RunLayout",
    "load_explanations",
    "read_run",
]
