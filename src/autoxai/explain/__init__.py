"""Explain any fitted model: one function per method, each returning an Explanation."""

from autoxai.explain._base import Explanation

__all__ = ["Explanation"]
