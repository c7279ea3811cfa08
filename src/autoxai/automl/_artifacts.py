"""Saving and loading fitted AutoML models, with an integrity check.

A saved model is a directory with ``model.joblib`` and ``manifest.json``; the manifest
records the autoxai version and the SHA-256 of the model file, and :func:`load`
refuses a file whose hash does not match (a truncated or tampered file). The model
file is a pickle: load only models you trust, as with any pickle.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import joblib

from autoxai._version import __version__
from autoxai.exceptions import AutoXAIError

__all__ = ["load", "save"]

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
FORMAT = "autoxai-model/1"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: Any, path: str | os.PathLike) -> Path:
    """Write ``model`` into the directory ``path`` (created if needed); return it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    target = path / MODEL_FILE
    joblib.dump(model, target)
    manifest = {
        "format": FORMAT,
        "autoxai_version": __version__,
        "class": type(model).__name__,
        "sha256": _sha256(target),
    }
    (path / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    return path


def load(path: str | os.PathLike) -> Any:
    """Read a model written by :func:`save` (a run directory or its ``model/``)."""
    path = Path(path)
    if (path / "model" / MANIFEST_FILE).exists():
        path = path / "model"
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.exists():
        raise AutoXAIError(f"no saved autoxai model in {str(path)!r} (no {MANIFEST_FILE})")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise AutoXAIError(f"cannot read {str(manifest_path)!r}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise AutoXAIError(f"{str(manifest_path)!r} is not an {FORMAT} manifest")
    target = path / MODEL_FILE
    if not target.exists() or _sha256(target) != manifest.get("sha256"):
        raise AutoXAIError(
            f"{str(target)!r} does not match the hash in its manifest: the file is "
            "truncated or was changed; refusing to load it"
        )
    return joblib.load(target)
