"""Small real tables shipped inside the package (see ``data/README.md`` for sources)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_penguins", "penguins_path"]


def penguins_path():
    """Path of the shipped Palmer penguins CSV (a context-free ``Traversable``)."""
    return resources.files("autoxai.datasets") / "data" / "penguins.csv"


def load_penguins() -> pd.DataFrame:
    """Palmer penguins: 344 penguins, 3 species, 7 features, some values missing.

    Measurements of Adelie, Chinstrap and Gentoo penguins on three islands of the Palmer
    Archipelago, Antarctica (Gorman, Williams & Fraser 2014; the ``palmerpenguins``
    package by Horst, Hill & Gorman). Licence CC0. The target for the demo is
    ``species``; ``island`` and ``sex`` are categorical, ``sex`` has missing values.
    """
    with resources.as_file(penguins_path()) as path:
        return pd.read_csv(path)
