"""Where studies and their trials are kept: in memory, or in a database via SQLAlchemy."""

from __future__ import annotations

from autoxai.exceptions import ParameterTypeError, StorageError
from autoxai.storage._base import BaseStorage, StudyRecord
from autoxai.storage._memory import InMemoryStorage
from autoxai.storage._sql import SQLStorage

__all__ = ["BaseStorage", "InMemoryStorage", "SQLStorage", "StudyRecord", "get_storage"]


def get_storage(storage: BaseStorage | str | None) -> BaseStorage:
    """Turn the ``storage=`` argument into a storage: None is in memory, a str a DB URL."""
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        if "://" not in storage:
            hint = f"sqlite:///{storage}" if storage.endswith((".db", ".sqlite")) else None
            raise StorageError(
                f"storage must be a database URL, got {storage!r}"
                + (f"; did you mean {hint!r}?" if hint else "; e.g. 'sqlite:///study.db'")
            )
        return SQLStorage(storage)
    raise ParameterTypeError(
        f"storage must be None, a database URL or a BaseStorage, got {type(storage).__name__}"
    )
