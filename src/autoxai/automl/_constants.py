"""AutoML's names and time shares that the run layer reads too (kept apart from
:class:`~autoxai.AutoML` so that reading them imports nothing else)."""

__all__ = ["AUTOML_DEADLINE_SHARE", "REFIT_SLACK_SHARE", "STUDY_NAME"]

#: The study's name in a run's database (``storage=``).
STUDY_NAME = "automl"

#: Each trial's fit gives up this share of the time budget before its end, so a trial
#: started late cannot run far past it.
AUTOML_DEADLINE_SHARE = 0.1
#: Share of the time budget kept for ensemble selection and writing results.
REFIT_SLACK_SHARE = 0.03
