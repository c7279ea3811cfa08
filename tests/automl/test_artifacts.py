"""Model files: signed manifests, tampering, foreign keys, and a malicious pickle."""

import json
import os
import pickle
import stat

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from autoxai import load
from autoxai.automl._artifacts import MANIFEST_FILE, MODEL_FILE, key_path, save
from autoxai.exceptions import AutoXAIError


@pytest.fixture
def model():
    X = np.arange(20.0).reshape(-1, 1)
    return LogisticRegression().fit(X, X[:, 0] > 9)


@pytest.fixture(autouse=True)
def own_key_dir(tmp_path, monkeypatch):
    """Each test gets its own key file, and no key from the environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("AUTOXAI_MODEL_KEY", raising=False)


def test_round_trip_and_a_private_key_file(model, tmp_path):
    path = save(model, tmp_path / "m")
    assert np.array_equal(load(path).predict([[3.0], [15.0]]), [False, True])
    mode = stat.S_IMODE(os.stat(key_path()).st_mode)
    assert mode == 0o600
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    assert len(manifest["signature"]) == 64 and manifest["key_id"]


def test_a_model_signed_with_another_key_is_refused_unless_trusted(model, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    monkeypatch.setenv("AUTOXAI_MODEL_KEY", "someone else's secret")
    path = save(model, tmp_path / "m")
    monkeypatch.delenv("AUTOXAI_MODEL_KEY")
    with pytest.raises(AutoXAIError, match="signed with another key"):
        load(path)
    assert load(path, trust=True).predict([[15.0]])[0]
    monkeypatch.setenv("AUTOXAI_MODEL_KEY", "someone else's secret")  # the shared key
    assert load(path).predict([[15.0]])[0]


def test_a_changed_manifest_is_refused(model, tmp_path):
    path = save(model, tmp_path / "m")
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["class"] = "Something"
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(AutoXAIError, match="changed after it was signed"):
        load(path)


def test_a_changed_model_file_is_refused_even_when_trusted(model, tmp_path):
    path = save(model, tmp_path / "m")
    with open(path / MODEL_FILE, "ab") as fh:
        fh.write(b"tampered")
    for trust in (False, True):
        with pytest.raises(AutoXAIError, match="does not match the hash"):
            load(path, trust=trust)


class _Exploit:
    """Unpickling this runs a command: what a hostile model file would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_pickle_with_a_forged_manifest_never_runs(model, tmp_path):
    path = save(model, tmp_path / "m")
    marker = tmp_path / "pwned"
    with open(path / MODEL_FILE, "wb") as fh:
        pickle.dump(_Exploit(marker), fh)
    # the attacker fixes the hash, but cannot sign without the key
    import hashlib

    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["sha256"] = hashlib.sha256((path / MODEL_FILE).read_bytes()).hexdigest()
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(AutoXAIError, match="refusing to load"):
        load(path)
    assert not marker.exists()


def test_cli_predict_refuses_a_foreign_model_and_takes_trust(model, tmp_path, monkeypatch,
                                                             capsys):  # fmt: skip
    import pandas as pd

    from autoxai.automl import AutoML
    from autoxai.cli import main

    df = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7,
                       "y": np.arange(40) % 2})  # fmt: skip
    monkeypatch.setenv("AUTOXAI_MODEL_KEY", "theirs")
    automl = AutoML(n_trials=1, time_budget=None, cv=2, models=["linear"]).fit(df, target="y")
    automl.save(tmp_path / "run" / "model")
    monkeypatch.delenv("AUTOXAI_MODEL_KEY")
    df.drop(columns="y").to_csv(tmp_path / "x.csv", index=False)
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "x.csv")]) == 2
    assert "another key" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "x.csv"), "--trust"]) == 0
    assert "prediction" in capsys.readouterr().out
