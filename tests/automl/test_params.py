"""The one check of AutoML's options: AutoML.fit and autoxai.run raise the same message."""

import inspect

import pytest

import autoxai
from autoxai.automl import AutoML
from autoxai.automl._params import check_params
from autoxai.datasets import load_penguins
from autoxai.exceptions import InvalidParameterError

DEFAULTS = {k: p.default for k, p in inspect.signature(AutoML).parameters.items()}

BAD = [
    ({"models": ["lgbn"]}, "unknown model 'lgbn'"),
    ({"models": []}, "models must name at least one model family"),
    ({"time_budget": None, "n_trials": None}, "give time_budget, n_trials or both"),
    ({"search": "bayess"}, "Did you mean 'bayes'"),
    ({"cv": 1}, "cv must be an int >= 2, got 1"),
    ({"n_jobs": 0}, "n_jobs must be -1 (every core) or an int >= 1, got 0"),
    ({"n_trials": 0}, "n_trials must be an int >= 1, got 0"),
    ({"time_budget": True}, "time_budget must be a number of seconds > 0 or None, got True"),
    ({"hard_deadline": "yes"}, "hard_deadline must be \"auto\", True or False, got 'yes'"),
    ({"portfolio": "on"}, "portfolio must be \"auto\", True or False, got 'on'"),
]


def _message(call) -> str:
    with pytest.raises(InvalidParameterError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize(("options", "part"), BAD)
def test_fit_and_run_give_the_same_message(options, part, tmp_path):
    X = load_penguins().drop(columns="species")
    y = load_penguins()["species"]
    direct = _message(lambda: check_params({**DEFAULTS, **options}))
    assert part in direct
    assert _message(lambda: AutoML(**options).fit(X, y)) == direct
    budget = options.pop("time_budget", 60)
    out = tmp_path / "run"
    message = _message(lambda: autoxai.run(load_penguins(), "species", out=out,
                                           time_budget=budget, **options))  # fmt: skip
    assert message == direct
    assert not out.exists()


def test_families_in_order_once_each():
    params = {**DEFAULTS, "models": ["linear", "rf", "linear"]}
    assert check_params(params) == ["linear", "rf"]
