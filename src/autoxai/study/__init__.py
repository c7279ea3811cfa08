"""Studies: the driver loop, ask/tell, trial records, and ``tune``."""

from autoxai.study._study import DIRECTIONS, Study, create_study
from autoxai.study._tune import tune
from autoxai.trial import INTERRUPTED, Trial, TrialState

__all__ = ["DIRECTIONS", "INTERRUPTED", "Study", "Trial", "TrialState", "create_study", "tune"]
