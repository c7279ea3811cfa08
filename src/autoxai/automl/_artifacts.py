"""Saving and loading fitted AutoML models: signed, so loading runs only your own files.

The trust model. A saved model is a directory with ``model.joblib`` and
``manifest.json``. The model file is a pickle, and unpickling can run any code the
file's author chose, so a model file is as trusted as a program. autoxai therefore
loads only model files *you* saved: the manifest records the SHA-256 of the model file
and is signed with HMAC-SHA256 under a secret key of yours, and :func:`load` checks the
signature and the hash before it unpickles anything. A file that was changed, truncated,
or written by someone without your key is refused with a message saying which.

The key is ``AUTOXAI_MODEL_KEY`` (any string) if set, else a random 32-byte key made on
first use in ``$XDG_CONFIG_HOME/autoxai/model-key`` (``~/.config/...``), readable by you
alone. To share models, share the key (e.g. set the same ``AUTOXAI_MODEL_KEY`` on both
machines); to load a file from a source you trust without it, pass ``trust=True``
(``--trust`` on the command line), which skips the signature but still checks the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

import joblib

from autoxai._json import dumps, write_json
from autoxai._version import __version__
from autoxai.exceptions import AutoXAIError

__all__ = ["load", "save"]

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
FORMAT = "autoxai-model/2"
KEY_ENV = "AUTOXAI_MODEL_KEY"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_path() -> Path:
    """Where the per-user signing key lives when ``AUTOXAI_MODEL_KEY`` is not set."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "autoxai" / "model-key"


def _key() -> bytes:
    """The signing key: the environment's, else the user's key file (made if missing)."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = key_path()
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise AutoXAIError(f"cannot read the model signing key {str(path)!r}: {exc}") from None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    # O_EXCL: two processes making the key at once must not overwrite each other's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    return key


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"autoxai-key-id:" + key).hexdigest()[:12]


def _signature(manifest: dict, key: bytes) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    text = dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def save(model: Any, path: str | os.PathLike) -> Path:
    """Write ``model`` into the directory ``path`` (created if needed); return it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    target = path / MODEL_FILE
    joblib.dump(model, target)
    key = _key()
    manifest = {
        "format": FORMAT,
        "autoxai_version": __version__,
        "class": type(model).__name__,
        "sha256": _sha256(target),
        "key_id": _key_id(key),
    }
    manifest["signature"] = _signature(manifest, key)
    write_json(path / MANIFEST_FILE, manifest)
    return path


def load(path: str | os.PathLike, *, trust: bool = False) -> Any:
    """Read a model written by :func:`save` (a run directory or its ``model/``).

    Refuses, before unpickling anything, a manifest not signed with your key (see the
    module's trust model) and a model file whose hash differs from the manifest's. With
    ``trust=True`` the signature is not required: only for files whose source you trust.
    """
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
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise AutoXAIError(
            f"{str(manifest_path)!r} is not an {FORMAT} manifest"
            + (f" (it says {found!r}: save the model again with this version)" if found else "")
        )
    if not trust:
        key = _key()
        signature = manifest.get("signature")
        if not isinstance(signature, str) or not hmac.compare_digest(
            signature, _signature(manifest, key)
        ):
            theirs = manifest.get("key_id")
            why = (
                f"it was signed with another key (id {theirs}, yours is {_key_id(key)})"
                if theirs != _key_id(key)
                else "its manifest was changed after it was signed"
            )
            raise AutoXAIError(
                f"refusing to load {str(path)!r}: {why}. A model file is a pickle and "
                "loading it can run arbitrary code; load only files you trust. If you "
                "trust its source, use load(..., trust=True) (--trust on the command "
                f"line), or share the signing key through ${KEY_ENV}"
            )
    target = path / MODEL_FILE
    if not target.exists() or _sha256(target) != manifest.get("sha256"):
        raise AutoXAIError(
            f"{str(target)!r} does not match the hash in its manifest: the file is "
            "truncated or was changed; refusing to load it"
        )
    return joblib.load(target)
