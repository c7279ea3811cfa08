"""Fit AutoGluon-Tabular on one split and write its test predictions (run by automl.py).

Runs in AutoGluon's own virtual environment (it pins pandas < 3 and wants PyTorch), so
it imports nothing from autoxai. Usage::

    python _autogluon_worker.py JOB_DIR

``JOB_DIR/job.json`` holds ``label``, ``problem_type`` (binary, multiclass,
regression), ``eval_metric``, ``time_limit``, ``presets`` (``medium_quality``,
``best_quality``) and ``seed``; ``train.parquet`` and
``test.parquet`` the split (the test file without the label). The worker writes
``pred.parquet`` (class probabilities, one column per class named ``str(label)``, or
one column ``prediction`` for regression) and ``result.json`` (the wall time of
``fit``, the best model, versions).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def main(job_dir: str) -> int:
    job_path = Path(job_dir)
    job = json.loads((job_path / "job.json").read_text())
    random.seed(job["seed"])
    np.random.seed(job["seed"])  # noqa: NPY002 -- the global state AutoGluon uses

    import autogluon.tabular
    from autogluon.tabular import TabularPredictor

    train = pd.read_parquet(job_path / "train.parquet")
    test = pd.read_parquet(job_path / "test.parquet")

    start = time.perf_counter()
    predictor = TabularPredictor(
        label=job["label"],
        problem_type=job["problem_type"],
        eval_metric=job["eval_metric"],
        path=str(job_path / "ag_models"),
        verbosity=0,
    ).fit(train, presets=job["presets"], time_limit=job["time_limit"])
    fit_time = time.perf_counter() - start

    if job["problem_type"] == "regression":
        pred = pd.DataFrame({"prediction": np.asarray(predictor.predict(test), dtype=float)})
    else:
        proba = predictor.predict_proba(test, as_multiclass=True)
        pred = pd.DataFrame({str(c): proba[c].to_numpy(dtype=float) for c in proba.columns})
    pred.to_parquet(job_path / "pred.parquet")
    (job_path / "result.json").write_text(
        json.dumps(
            {
                "fit_time": fit_time,
                "best_model": str(predictor.model_best),
                "n_models": len(predictor.model_names()),
                "presets": job["presets"],
                "autogluon": autogluon.tabular.__version__,
                "pandas": pd.__version__,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
