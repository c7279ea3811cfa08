"""The explanation files of a run: one JSON per result, and ``manifest.json`` naming them.

The stage writes them (:meth:`~autoxai.runs.ExplanationStage.save`); the report reads
them all at once (:func:`load_explanations`); :class:`~autoxai.Run` reads each only when
it is first asked for (:class:`ExplanationFiles`), since a run holds dozens of results
and a notebook user usually looks at a few.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from autoxai.explain import Explanation

__all__ = ["ExplanationFiles", "file_name", "load_explanations", "read_manifest"]


def file_name(name: str) -> str:
    """The file (without ``.json``) a result named ``name`` is written to."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def read_manifest(directory: Path) -> dict[str, Any]:
    """``manifest.json`` of an explanations directory; empty when there is none."""
    path = Path(directory) / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}


class ExplanationFiles(Mapping[str, Explanation]):
    """The results named in a manifest, each read from its file on first access.

    Keys are the results whose file exists; a read result is kept, so each file is
    read at most once.
    """

    def __init__(self, directory: Path, manifest: Mapping[str, Any]) -> None:
        self.directory = Path(directory)
        files = manifest.get("files", {})
        self._files = {n: f for n, f in files.items() if (self.directory / f).exists()}
        self._read: dict[str, Explanation] = {}

    def __getitem__(self, name: str) -> Explanation:
        if name not in self._read:
            text = (self.directory / self._files[name]).read_text()
            self._read[name] = Explanation.from_json(text)
        return self._read[name]

    def __contains__(self, name: object) -> bool:  # Mapping's would read the file
        return name in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"ExplanationFiles({sorted(self._files)}, {len(self._read)} read)"


def load_explanations(directory: Path) -> tuple[dict[str, Explanation], dict[str, Any]]:
    """Every result the manifest in ``directory`` names, read now, and the manifest."""
    manifest = read_manifest(directory)
    return dict(ExplanationFiles(directory, manifest)), manifest
